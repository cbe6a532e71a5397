/**
 * `<Pause>` (reference §3.2): `length` seconds of silence. Before the call is answered — as the first verb — it
 * delays answering instead: nothing is sent, the caller keeps hearing ringback.
 */
import type { PauseVerb } from '../types.js';
import { type VerbContext, type VerbDefinition, type VerbOutcome, sleep } from '../verb.js';

export const pause: VerbDefinition<PauseVerb> = {
  needs: 'nothing',
  async run(verb: PauseVerb, ctx: VerbContext): Promise<VerbOutcome> {
    const ms = verb.length * 1000;
    if (ctx.call.state === 'ringing' || ctx.call.state === 'early-media') {
      return (await sleep(ctx.clock, ms, ctx.signal)) ? { kind: 'next' } : { kind: 'aborted' };
    }
    const result = await ctx.call.play({ kind: 'silence', ms }, { signal: ctx.signal });
    return result.kind === 'interrupted' || ctx.signal.aborted ? { kind: 'aborted' } : { kind: 'next' };
  },
};

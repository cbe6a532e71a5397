/** `<Say>` (reference §3.2): text to speech, `loop` times (0 = until hangup, capped at 1000). */
import type { SayVerb } from '../types.js';
import type { VerbContext, VerbDefinition, VerbOutcome } from '../verb.js';
import { playPrompt } from './prompt-player.js';

export const say: VerbDefinition<SayVerb> = {
  needs: 'answered',
  async run(verb: SayVerb, ctx: VerbContext): Promise<VerbOutcome> {
    const result = await playPrompt(ctx, verb, ctx.signal);
    return result.kind === 'interrupted' || ctx.signal.aborted ? { kind: 'aborted' } : { kind: 'next' };
  },
};

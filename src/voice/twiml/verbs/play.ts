/**
 * `<Play>` (reference §3.2): an audio URL, or DTMF `digits` (`w` = 0.5 s, `W` = 1 s), `loop` times. Audio that
 * cannot be fetched is reported and skipped.
 */
import type { PlayVerb } from '../types.js';
import type { VerbContext, VerbDefinition, VerbOutcome } from '../verb.js';
import { playPrompt } from './prompt-player.js';

export const play: VerbDefinition<PlayVerb> = {
  needs: 'answered',
  async run(verb: PlayVerb, ctx: VerbContext): Promise<VerbOutcome> {
    const result = await playPrompt(ctx, verb, ctx.signal);
    return result.kind === 'interrupted' || ctx.signal.aborted ? { kind: 'aborted' } : { kind: 'next' };
  },
};

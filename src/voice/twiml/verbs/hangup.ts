/** `<Hangup/>` (reference §3.2): ends the call. */
import type { HangupVerb } from '../types.js';
import type { VerbDefinition, VerbOutcome } from '../verb.js';

export const hangup: VerbDefinition<HangupVerb> = {
  needs: 'nothing',
  async run(): Promise<VerbOutcome> {
    return { kind: 'hangup' };
  },
};

/**
 * `<Reject reason>` (reference §3.2): refuses the call without answering it (not billed). `busy` → SIP 486 and the
 * call ends `busy`; `rejected` → SIP 603 and it ends `no-answer`. Only meaningful before answering: on an answered
 * call the interpreter hangs up instead.
 */
import type { RejectVerb } from '../types.js';
import type { VerbDefinition, VerbOutcome } from '../verb.js';

export const reject: VerbDefinition<RejectVerb> = {
  needs: 'unanswered',
  async run(verb: RejectVerb): Promise<VerbOutcome> {
    return { kind: 'reject', reason: verb.reason };
  },
};

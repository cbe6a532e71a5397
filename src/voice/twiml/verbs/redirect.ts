/** `<Redirect>` (reference §3.2): fetch the URL (method default POST) and run it; later verbs are unreachable. */
import type { RedirectVerb } from '../types.js';
import type { VerbDefinition, VerbOutcome } from '../verb.js';

export const redirect: VerbDefinition<RedirectVerb> = {
  needs: 'nothing',
  async run(verb: RedirectVerb): Promise<VerbOutcome> {
    return { kind: 'request', target: { url: verb.url, method: verb.method }, params: {} };
  },
};

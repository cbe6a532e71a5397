import type { SipRequest } from '../message/index.js';
import { anyCidrContains } from './cidr.js';
import type { DigestRealms } from './digest-realms.js';
import type { DirectoryDomain } from './directory.js';

/** How a domain's endpoint may place a call. */
export type InviteAuthOutcome =
  | { readonly kind: 'allowed'; readonly by: 'ip-acl' }
  | { readonly kind: 'allowed'; readonly by: 'credentials'; readonly username: string }
  /** Answer 407 with these Proxy-Authenticate fields (RFC 3261 §22.3) and expect the INVITE again. */
  | { readonly kind: 'challenge'; readonly status: 407; readonly headers: ReadonlyArray<readonly [string, string]> }
  /** Answer 403: the source is not admitted and no credential list could admit it. */
  | { readonly kind: 'forbidden'; readonly status: 403 }
  /** Answer 400: the credentials could not be parsed. */
  | { readonly kind: 'malformed'; readonly status: 400 };

export interface InviteAuthInput {
  readonly request: SipRequest;
  /** The address the request came from (the socket's peer, not anything the request says about itself). */
  readonly sourceAddress: string;
  readonly domain: DirectoryDomain;
  readonly digest: DigestRealms;
}

/**
 * Authenticates an INVITE (or any request that starts a call) from a SIP domain's endpoints the way Twilio's SIP
 * domains do: a source inside an IP access control list mapped for calls is admitted as is; otherwise, if a
 * credential list is mapped for calls, the request must carry Digest credentials for the domain's realm in
 * Proxy-Authorization (the server acts as the caller's proxy, §22.3: 407 / Proxy-Authenticate); with neither, 403.
 */
export async function authenticateInvite(input: InviteAuthInput): Promise<InviteAuthOutcome> {
  const { request, domain, digest } = input;
  const access = await domain.callAccess();
  if (anyCidrContains(access.ipRanges, input.sourceAddress)) return { kind: 'allowed', by: 'ip-acl' };
  if (!access.credentialLists) return { kind: 'forbidden', status: 403 };
  const check = await digest.check(request, 'proxy-authorization', domain.realm, (u) => domain.callSecret(u));
  switch (check.kind) {
    case 'ok':
      return { kind: 'allowed', by: 'credentials', username: check.username };
    case 'malformed':
      return { kind: 'malformed', status: 400 };
    case 'challenge':
      return {
        kind: 'challenge',
        status: 407,
        headers: digest.challenges(domain.realm, check.stale).map((c) => ['Proxy-Authenticate', c] as const),
      };
    default: {
      const never: never = check;
      return never;
    }
  }
}

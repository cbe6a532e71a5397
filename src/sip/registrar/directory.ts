import type { DigestSecret } from '../auth/index.js';
import type { CidrRange } from './cidr.js';

/**
 * What the registrar and the INVITE authenticator need to know about a SIP domain, and nothing about who owns it.
 * The composition root implements it over the store (see `store-adapters.ts`); tests implement it in memory.
 */
export interface DirectoryDomain {
  /** Stable identifier bindings are filed under (the domain's SID on Patchbay). */
  readonly sid: string;
  /** The host name requests are addressed to. */
  readonly name: string;
  /** Digest realm (RFC 3261 §22.1): on Patchbay the domain name. */
  readonly realm: string;
  /** Whether endpoints may REGISTER at all (`SipRegistration`). */
  readonly registrationEnabled: boolean;
  /** The digest secret of `username` in the lists mapped for registrations, or undefined. */
  registrationSecret(username: string): Promise<DigestSecret | undefined>;
  /** What is mapped to authenticate calls from this domain's endpoints. */
  callAccess(): Promise<CallAccess>;
  /** The digest secret of `username` in the lists mapped for calls, or undefined. */
  callSecret(username: string): Promise<DigestSecret | undefined>;
}

export interface CallAccess {
  /** Source ranges admitted without credentials (IP access control lists mapped for calls). */
  readonly ipRanges: readonly CidrRange[];
  /** Whether any credential list is mapped for calls (so a digest challenge can succeed at all). */
  readonly credentialLists: boolean;
}

export interface DomainDirectory {
  /** The domain a request's host names, matched case-insensitively; undefined when there is none. */
  findDomain(host: string): Promise<DirectoryDomain | undefined>;
}

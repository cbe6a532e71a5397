/**
 * SIP registrar (RFC 3261 §10.3) and call authentication for SIP domains: Digest (§22, RFC 8760) per domain realm,
 * IP access control by CIDR range, bindings behind a small store interface.
 */
export { Registrar, sourceFromVia, type RegistrarOptions, type RegistrarReply } from './registrar.js';
export { DigestRealms, type DigestRealmsOptions, type DigestCheck } from './digest-realms.js';
export { authenticateInvite, type InviteAuthInput, type InviteAuthOutcome } from './invite-authenticator.js';
export type { Binding, BindingStore, FlowSource } from './binding.js';
export type { CallAccess, DirectoryDomain, DomainDirectory } from './directory.js';
export { cidrContains, anyCidrContains, type CidrRange } from './cidr.js';
export { StoreBindingStore, StoreDomainDirectory } from './store-adapters.js';
export {
  RegistrarService, deriveNonceSecret, type RegistrarServiceOptions, type RespondableRequest, type DomainCallAuth,
} from './registrar-service.js';

export { CallRouter, type CallRouterOptions, type LiveCallControl, type LiveCallChange } from './call-router.js';
export { resolveRoute, INACTIVE_ACCOUNT_CODE, numberCandidates, callerOf, forwardedFromOf, type CallRoute, type RouteDecision, type DomainCallAuthenticator } from './route-resolver.js';
export { LiveCallRelay, type LiveCallRelayOptions } from './live-call-relay.js';

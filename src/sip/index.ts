/** SIP stack (RFC 3261): message syntax → transport → transaction → dialog / user agent; digest auth. */
export * from './message/index.js';
export * from './transport/index.js';
export * from './auth/index.js';
export {
  UserAgent, type UserAgentOptions, type UserAgentDelegate, type InviteOptions, type RequestOptions, IncomingLeg,
  type IncomingLegDelegate, OutgoingLeg, type OutgoingLegDelegate, type CallAnswer, type Credentials, CallLeg,
  type CallLegDelegate, type CallLegState, type CallLegEndReason, IncomingRequest, SipError, InvalidStateError,
  type UaTransport,
} from './ua/index.js';
export { SipEndpoint, type SipEndpointOptions } from './sip-endpoint.js';

export { UserAgent, type UserAgentOptions, type UserAgentDelegate, type InviteOptions, type RequestOptions } from './user-agent.js';
export { IncomingLeg, type IncomingLegDelegate } from './incoming-leg.js';
export { OutgoingLeg, type OutgoingLegDelegate, type CallAnswer, type Credentials } from './outgoing-leg.js';
export { CallLeg, type CallLegDelegate, type CallLegState, type CallLegEndReason } from './call-leg.js';
export { IncomingRequest } from './incoming-request.js';
export { SipError, InvalidStateError } from './sip-error.js';
export type { Endpoint, UaTransport } from './ua-transport.js';
export type { RespondOptions, ServerTransactionHandle } from './ua-core.js';
export { UasResponder } from './uas-responder.js';
export { requestKeyView, responseEvent, nextHop, type ResponseEvent } from './message-views.js';
export {
  createOutOfDialogRequest, createCancel, cloneForRetry, ALLOWED_METHODS,
  type LocalIdentity, type OutOfDialogRequestOptions,
} from './request-factory.js';

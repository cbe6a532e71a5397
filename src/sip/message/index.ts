/**
 * SIP message layer (RFC 3261 §7, §19, §20, §25): parse and serialize requests and responses, typed header values,
 * response construction (§8.2.6) and UAS request validation (§8.2).
 */
export { type ParseResult, type Params, quote, unquote, unescape } from './grammar.js';
export { headerKey, canonicalHeaderName, LIST_HEADERS } from './header-names.js';
export { Headers, type HeaderField } from './headers.js';
export { SipUri } from './sip-uri.js';
export { GenericUri } from './generic-uri.js';
export { type Uri, parseUri, uriEquals } from './uri.js';
export { NameAddr } from './name-addr.js';
export { Via, BRANCH_MAGIC_COOKIE, MAX_VIA_VALUES } from './via.js';
export { CSeq, MAX_CSEQ } from './cseq.js';
export { SipMessage, type ContactList } from './sip-message.js';
export { SipRequest, type SipRequestInit, SIP_VERSION } from './sip-request.js';
export { SipResponse, type SipResponseInit } from './sip-response.js';
export { reasonPhrase } from './reason-phrases.js';
export {
  parseMessage, type MessageParseResult, type PartialMessage, type ParseOptions, MAX_MESSAGE_SIZE, MAX_MAX_FORWARDS, MAX_HEADER_FIELDS,
} from './parser.js';
export { createResponse, createErrorResponse, newTag, newBranch, type ResponseOptions } from './response-builder.js';
export {
  validateRequest, validateResponse, DEFAULT_UAS_POLICY, multipartTypes, type UasPolicy, type Verdict,
} from './request-validator.js';
export { frameStream, type FrameResult } from './framing.js';

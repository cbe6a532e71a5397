/** SIP stack (RFC 3261), lower layers: message syntax and transports. */
export * from './message/index.js';
export * from './transport/index.js';

// Voice public surface (DESIGN: voice/ — webhooks, TwiML parser and interpreter; router, Call, originate, Dial).
export * from './notifications.js';
export * from './webhook/index.js';
export * from './twiml/index.js';
export { createCallTwiml, type CallTwiml, type CallTwimlOptions, type VoiceWebhookServices } from './call-twiml.js';
export * from './call/index.js';
export * from './router/index.js';
export * from './originate/index.js';
export * from './dial/index.js';
export * from './cluster/index.js';

export { CookieJar, type Cookie, parseSetCookie, domainMatch, pathMatch, defaultPath } from './cookie-jar.js';
export {
  type HttpMethod, type WebhookParams, type StandardCallParameters, standardParams, toWebhookParams, formEncode, withQuery,
} from './params.js';
export { twilioSignature } from './signature.js';
export {
  WebhookClient, type WebhookClientOptions, type WebhookRequest, type WebhookResult, type WebhookResponse,
  type WebhookFailure, type WebhookFailureCode, createWebhookAgent, WEBHOOK_TOTAL_TIMEOUT_MS, WEBHOOK_CONNECT_TIMEOUT_MS,
  WEBHOOK_MAX_REDIRECTS, WEBHOOK_MAX_BODY_BYTES,
} from './webhook-client.js';
export {
  DocumentFetcher, type DocumentLoader, type DocumentFetcherOptions, type DocumentRequest, type DocumentResult, type WebhookTarget,
  APPLICATION_ERROR_MESSAGE,
} from './document-fetcher.js';
export {
  StatusCallbackSender, type CallbackQueue, type StatusCallbackSenderOptions, type CallbackTarget, CallStatusCallbacks, type CallProgressExtras,
  progressEventFor, recordingStatusParams, type RecordingStatusParams,
} from './status-callback-sender.js';

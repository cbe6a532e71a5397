export {
  MediaSession, type MediaSessionOptions, type MediaSessionOpenResult, type MediaSessionOfferResult, type MediaSessionFailureReason, type DtmfTransport,
  type DtmfListener, type AudioListener,
} from './media-session.js';
export { parseDtmfInfo } from './dtmf-info.js';

export {
  type SessionDescription, type SdpOrigin, type SdpConnection, type SdpBandwidth, type SdpTiming, type SdpAttribute,
  type SdpLine, type SdpMedia, type SdpParseResult, type SdpParseFailureReason, parseSdp, serializeSdp, findAttribute,
} from './session-description.js';
export {
  type RtpFormat, type MediaDirection, rtpFormats, declaredDirection, effectiveDirection, connectionAddress,
  isLegacyHoldAddress, rtcpAttribute, ptimeOf, reverseDirection, canSend, canReceive, directionOf,
} from './rtp-formats.js';
export {
  type AudioCodecName, type OriginOptions, type AudioOfferOptions, type AnswerOptions, type NegotiatedAudio,
  type NegotiationFailureReason, type NegotiationFailure, type AnswerResult, type AnswerProcessingResult,
  STATIC_PAYLOAD_TYPE, DEFAULT_TELEPHONE_EVENT_PT, TELEPHONE_EVENT_FMTP, PTIME_MS, createAudioOffer, answerOffer,
  processAnswer, isHoldDescription,
} from './offer-answer.js';
export { LocalSdpOrigin, classifyRemoteDescription, type RemoteDescriptionChange } from './local-sdp-origin.js';

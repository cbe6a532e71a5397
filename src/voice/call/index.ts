export { Call, type CallOptions, type CallIdentity, type TerminalStatus, type CallStatusEvent, InvalidCallTransitionError } from './call.js';
export { type CallMediaServices, playSource, recordCaller, mediaErrorCode, SAY_FAILED, type RecordContext } from './call-media.js';
export { CallRecording, type CallRecordingOptions, type CallRecordingResult, type AudioTap } from './call-recording.js';

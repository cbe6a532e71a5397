export {
  WavRecorder, type WavRecorderOptions, type RecordingResult, type PauseBehavior, type TrimMode, type RecorderState,
  RecorderStateError,
} from './wav-recorder.js';
export { wavHeader, WAV_HEADER_BYTES } from './wav-header.js';

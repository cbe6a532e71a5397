export {
  WavRecorder, type WavRecorderOptions, type RecordingResult, type PauseBehavior, type TrimMode, type RecorderState,
  RecorderStateError,
} from './wav-recorder.js';
export { wavHeader, readPcm16Wav, type Pcm16Wav, WAV_HEADER_BYTES } from './wav-header.js';
export { encodeMp3, encodeWavAsMp3, type Mp3SampleRate } from './mp3-encoder.js';
export { Mp3Renditions, mp3PathFor } from './mp3-renditions.js';

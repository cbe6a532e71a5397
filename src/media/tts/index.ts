export { type TextToSpeechProvider, type SpeechRequest, type SpeechAudio } from './text-to-speech-provider.js';
export { TtsError, type TtsErrorKind } from './tts-error.js';
export { EspeakVoiceResolver, type EspeakVoice } from './espeak-voice-resolver.js';
export { EspeakNgProvider, type EspeakNgOptions } from './espeak-ng-provider.js';
export { checkEspeakNg, type EspeakNgStatus, ESPEAK_NG_INSTALL_HINT } from './check-espeak-ng.js';

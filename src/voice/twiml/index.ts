export { parseTwiml, type TwimlParseResult, type TwimlParseOptions, TWIML_MAX_BYTES } from './parser.js';
export { parseXml, type XmlElement, type XmlNode, type XmlParseResult } from './xml.js';
export type * from './types.js';
export type {
  CallControl, CallState, AudioSource, PlayResult, RecordOptions, RecordResult, SpeechRecognizer,
  SpeechRecognitionRequest, SpeechRecognitionResult,
} from './call-control.js';
export { MACHINE_DETECTION_LIMITS } from './call-control.js';
export { type VerbContext, type VerbOutcome, type VerbDefinition, type VerbNeeds, type VerbRegistry, sleep, actionTarget } from './verb.js';
export { defaultVerbs, DigitCollector, type DigitCollectorResult, type DigitCollectorOptions, LOOP_FOREVER_CAP } from './verbs/index.js';
export { TwimlInterpreter, type TwimlInterpreterOptions, type InterpreterResult, type DocumentSource } from './interpreter.js';

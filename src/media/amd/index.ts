export {
  AnsweringMachineDetector, type AnsweringMachineDetectorOptions, type AmdDecision, type AmdReason, type AnsweredBy,
} from './answering-machine-detector.js';

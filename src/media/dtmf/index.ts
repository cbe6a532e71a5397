export { TelephoneEvent, TELEPHONE_EVENT_SIZE, eventToDigit, digitToEvent } from './telephone-event.js';
export { DtmfReceiver, type DtmfEvent, type DtmfReceiverDelegate, type DtmfReceiverOptions } from './dtmf-receiver.js';
export { DtmfSender, type DtmfSenderOptions, type TelephoneEventSink } from './dtmf-sender.js';
export {
  DTMF_ROW_FREQUENCIES, DTMF_COLUMN_FREQUENCIES, DTMF_KEYPAD, dtmfFrequencies,
} from './dtmf-frequencies.js';
export { DtmfToneGenerator, type DtmfToneGeneratorOptions } from './dtmf-tone-generator.js';
export { DtmfDetector, type DtmfDetectorDelegate, type DtmfDetectorOptions } from './dtmf-detector.js';

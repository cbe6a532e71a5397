export type TtsErrorKind =
  | 'empty-text'
  | 'text-too-long'
  | 'unsupported-language'
  | 'unsupported-voice'
  | 'engine-missing'
  | 'engine-failed'
  | 'timeout'
  | 'output-too-large'
  | 'aborted';

/** A render that did not happen; the voice layer fails the `<Say>` verb with it (Twilio: unsupported voice/language). */
export class TtsError extends Error {
  readonly kind: TtsErrorKind;

  constructor(kind: TtsErrorKind, message: string) {
    super(message);
    this.name = 'TtsError';
    this.kind = kind;
  }
}

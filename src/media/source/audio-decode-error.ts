export type AudioDecodeFailure =
  | 'not-riff'
  | 'not-wave'
  | 'missing-fmt'
  | 'missing-data'
  | 'truncated'
  | 'unsupported-encoding'
  | 'unsupported-sample-rate'
  | 'unsupported-channels'
  | 'mp3-decode-failed'
  | 'empty';

/** A media file we cannot turn into telephony audio; `reason` is stable, the message is for people. */
export class AudioDecodeError extends Error {
  readonly reason: AudioDecodeFailure;

  constructor(reason: AudioDecodeFailure, message: string) {
    super(message);
    this.name = 'AudioDecodeError';
    this.reason = reason;
  }
}

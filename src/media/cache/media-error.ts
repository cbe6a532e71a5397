/**
 * Why a piece of media could not be played. The voice layer maps `kind` to a Twilio error code and a
 * Notification: retrieval failures (`http-status`, `connection-failed`, `timeout`, `too-large`, `invalid-url`) to
 * 11200/11205/11210-style codes, `invalid-content-type` to 12300, `unsupported-media`/`corrupt-media` to the
 * 13xxx "unable to play" family. This module only carries the facts.
 */
export type MediaErrorKind =
  | 'invalid-url'
  | 'connection-failed'
  | 'timeout'
  | 'http-status'
  | 'too-large'
  | 'invalid-content-type'
  | 'unsupported-media'
  | 'corrupt-media';

export class MediaError extends Error {
  readonly kind: MediaErrorKind;
  /** HTTP status of the failed fetch, when there was a response. */
  readonly status: number | null;
  readonly url: string | null;

  constructor(kind: MediaErrorKind, message: string, opts: { status?: number | null; url?: string | null; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'MediaError';
    this.kind = kind;
    this.status = opts.status ?? null;
    this.url = opts.url ?? null;
  }
}

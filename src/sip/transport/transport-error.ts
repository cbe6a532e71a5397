/** Stable codes of transport failures; tests and callers switch on these, never on message text. */
export type TransportErrorCode =
  | 'BIND_FAILED'
  | 'SEND_FAILED'
  | 'CONNECT_FAILED'
  | 'NO_CONNECTION'
  | 'MESSAGE_TOO_LARGE'
  | 'UNSUPPORTED_PROTOCOL'
  | 'CLOSED';

/**
 * The one error every transport failure is normalised to (STYLE §5): socket errors, DNS failures, closed
 * connections and oversize messages all surface as a TransportError with a stable `code` and the original `cause`.
 */
export class TransportError extends Error {
  override readonly name = 'TransportError';

  constructor(
    readonly code: TransportErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  /** Wraps anything thrown or emitted by a socket into a TransportError (idempotent). */
  static from(err: unknown, code: TransportErrorCode, context: string): TransportError {
    if (err instanceof TransportError) return err;
    const detail = err instanceof Error ? err.message : String(err);
    return new TransportError(code, `${context}: ${detail}`, { cause: err });
  }
}

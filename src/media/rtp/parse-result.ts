/** Outcome of parsing bytes from the wire: the value, or a typed reason suitable for a malformed-packet counter. */
export type ParseResult<T> = { ok: true; value: T } | { ok: false; reason: ParseFailure };

/** Why a packet was rejected. Stable strings, safe to use as metric labels. */
export type ParseFailure =
  | 'truncated'
  | 'bad-version'
  | 'bad-padding'
  | 'bad-length'
  | 'bad-csrc-count'
  | 'bad-extension'
  | 'bad-packet-type'
  | 'bad-report-count'
  | 'bad-sdes'
  | 'bad-event';

export function ok<T>(value: T): ParseResult<T> {
  return { ok: true, value };
}

export function fail<T>(reason: ParseFailure): ParseResult<T> {
  return { ok: false, reason };
}

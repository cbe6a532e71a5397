/**
 * Header field names. RFC 3261 §7.3.3 compact forms and §7.3.1 case-insensitivity: every name is reduced to a
 * lower-case key of its long form, so `v`, `Via` and `VIA` are the same header.
 */
const COMPACT: Readonly<Record<string, string>> = {
  a: 'accept-contact', // RFC 3841
  b: 'referred-by', // RFC 3892
  c: 'content-type',
  d: 'request-disposition', // RFC 3841
  e: 'content-encoding',
  f: 'from',
  i: 'call-id',
  j: 'reject-contact', // RFC 3841
  k: 'supported',
  l: 'content-length',
  m: 'contact',
  n: 'identity-info', // RFC 4474
  o: 'event', // RFC 6665
  r: 'refer-to', // RFC 3515
  s: 'subject',
  t: 'to',
  u: 'allow-events', // RFC 6665
  v: 'via',
  x: 'session-expires', // RFC 4028
  y: 'identity', // RFC 4474
};

const CANONICAL: Readonly<Record<string, string>> = {
  'call-id': 'Call-ID',
  cseq: 'CSeq',
  'www-authenticate': 'WWW-Authenticate',
  'mime-version': 'MIME-Version',
  'rack': 'RAck',
  'rseq': 'RSeq',
};

/** Lower-case long-form key for a header name as it appears on the wire. */
export function headerKey(name: string): string {
  const lower = name.toLowerCase();
  return lower.length === 1 ? (COMPACT[lower] ?? lower) : lower;
}

/** Conventional spelling of a header name (`call-id` → `Call-ID`, `v` → `Via`). */
export function canonicalHeaderName(name: string): string {
  const key = headerKey(name);
  const special = CANONICAL[key];
  if (special !== undefined) return special;
  return key.replace(/(^|-)([a-z])/g, (_m, dash: string, ch: string) => dash + ch.toUpperCase());
}

/**
 * Headers whose value is a comma-separated list (§7.3.1). Only these are split on commas; a single-valued header
 * such as From keeps its commas (RFC 4475 §3.1.2.15 `Bell, Alexander`).
 */
export const LIST_HEADERS: ReadonlySet<string> = new Set([
  'via', 'contact', 'route', 'record-route', 'accept', 'accept-encoding', 'accept-language', 'allow', 'supported',
  'require', 'proxy-require', 'unsupported', 'allow-events', 'content-encoding', 'content-language', 'in-reply-to',
  'alert-info', 'call-info', 'error-info', 'warning', 'path', 'service-route',
]);

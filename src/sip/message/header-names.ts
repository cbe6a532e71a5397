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

/**
 * Memo tables for the two name functions: every message looks up and builds the same few dozen names, and each call
 * otherwise allocates (toLowerCase, a regex replace). Bounded so that a flood of invented header names cannot grow
 * them: past the bound, names are computed without being remembered.
 */
const MEMO_LIMIT = 512;
const keyMemo = new Map<string, string>();
const canonicalMemo = new Map<string, string>();

/** Lower-case long-form key for a header name as it appears on the wire. */
export function headerKey(name: string): string {
  const hit = keyMemo.get(name);
  if (hit !== undefined) return hit;
  const lower = name.toLowerCase();
  const key = lower.length === 1 ? (COMPACT[lower] ?? lower) : lower;
  if (keyMemo.size < MEMO_LIMIT) keyMemo.set(name, key);
  return key;
}

/** Conventional spelling of a header name (`call-id` → `Call-ID`, `v` → `Via`). */
export function canonicalHeaderName(name: string): string {
  const hit = canonicalMemo.get(name);
  if (hit !== undefined) return hit;
  const key = headerKey(name);
  const canonical = CANONICAL[key] ?? key.replace(/(^|-)([a-z])/g, (_m, dash: string, ch: string) => dash + ch.toUpperCase());
  if (canonicalMemo.size < MEMO_LIMIT) canonicalMemo.set(name, canonical);
  return canonical;
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

/**
 * Low-level RFC 3261 §25 grammar helpers shared by the header and URI parsers.
 *
 * Everything here is a linear scanner over a string: no regular expressions, so no backtracking blow-ups on hostile
 * input (the parser must carry thousands of messages per second and never stall on a crafted datagram).
 */

/** Result of parsing one piece of wire data. Parsers never throw on wire data; they return this. */
export type ParseResult<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly reason: string };

export function ok<T>(value: T): ParseResult<T> {
  return { ok: true, value };
}

export function fail<T>(reason: string): ParseResult<T> {
  return { ok: false, reason };
}

function table(chars: string, alnum: boolean): Uint8Array {
  const t = new Uint8Array(128);
  if (alnum) {
    for (let c = 48; c <= 57; c++) t[c] = 1;
    for (let c = 65; c <= 90; c++) t[c] = 1;
    for (let c = 97; c <= 122; c++) t[c] = 1;
  }
  for (let i = 0; i < chars.length; i++) t[chars.charCodeAt(i)] = 1;
  return t;
}

// RFC 3261 §25.1: token = 1*(alphanum / "-" / "." / "!" / "%" / "*" / "_" / "+" / "`" / "'" / "~")
const TOKEN = table("-.!%*_+`'~", true);
// §25.1: unreserved = alphanum / mark; mark = "-" / "_" / "." / "!" / "~" / "*" / "'" / "(" / ")"
const UNRESERVED = "-_.!~*'()";
// §25.1 user = 1*( unreserved / escaped / user-unreserved ); user-unreserved = "&" / "=" / "+" / "$" / "," / ";" / "?" / "/"
export const USER_CHARS = table(UNRESERVED + '&=+$,;?/', true);
// §25.1 password = *( unreserved / escaped / "&" / "=" / "+" / "$" / "," )
export const PASSWORD_CHARS = table(UNRESERVED + '&=+$,', true);
// §25.1 paramchar = param-unreserved / unreserved / escaped; param-unreserved = "[" / "]" / "/" / ":" / "&" / "+" / "$"
export const PARAM_CHARS = table(UNRESERVED + '[]/:&+$', true);
// §25.1 hname/hvalue chars: hnv-unreserved = "[" / "]" / "/" / "?" / ":" / "+" / "$"
export const HEADER_CHARS = table(UNRESERVED + '[]/?:+$', true);
// Hostnames: alphanum, "-" and "." (§25.1 hostname); "_" tolerated, it is common in the wild.
export const HOST_CHARS = table('-._', true);
// Generic parameter values (§25.1 gen-value = token / host / quoted-string); host may be an IPv6 reference.
const GEN_VALUE = table("-.!%*_+`'~:[]", true);

export function isTokenChar(c: number): boolean {
  return c < 128 && TOKEN[c] === 1;
}

export function isToken(s: string): boolean {
  if (s.length === 0) return false;
  for (let i = 0; i < s.length; i++) if (!isTokenChar(s.charCodeAt(i))) return false;
  return true;
}

export function isWsp(c: number): boolean {
  return c === 32 || c === 9;
}

export function isDigits(s: string): boolean {
  if (s.length === 0) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

function isHex(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102);
}

/** True when every character of `s` is in `allowed` or is a valid `escaped` (§25.1: "%" HEXDIG HEXDIG). */
export function isCharsOrEscaped(s: string, allowed: Uint8Array): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 37) {
      if (i + 2 >= s.length) return false;
      if (!isHex(s.charCodeAt(i + 1)) || !isHex(s.charCodeAt(i + 2))) return false;
      i += 2;
      continue;
    }
    if (c >= 128 || allowed[c] !== 1) return false;
  }
  return true;
}

/** Decodes %HH escapes (RFC 3261 §19.1.4: comparison is done after unescaping). Invalid escapes are kept as-is. */
export function unescape(s: string): string {
  if (s.indexOf('%') < 0) return s;
  let out = '';
  let i = 0;
  while (i < s.length) {
    const pct = s.indexOf('%', i);
    if (pct < 0) {
      out += s.slice(i);
      break;
    }
    out += s.slice(i, pct);
    // Collect a run of valid escapes and decode it as UTF-8 in one go (multi-byte characters span escapes).
    const bytes: number[] = [];
    let j = pct;
    while (j + 2 < s.length && s.charCodeAt(j) === 37 && isHex(s.charCodeAt(j + 1)) && isHex(s.charCodeAt(j + 2))) {
      bytes.push(parseInt(s.slice(j + 1, j + 3), 16));
      j += 3;
    }
    if (bytes.length === 0) {
      out += '%';
      i = pct + 1;
    } else {
      out += Buffer.from(bytes).toString('utf8');
      i = j;
    }
  }
  return out;
}

export function skipWsp(s: string, i: number): number {
  while (i < s.length && isWsp(s.charCodeAt(i))) i++;
  return i;
}

/**
 * Scans a quoted-string starting at the opening quote `s[i]`. §25.1: quoted-pair = "\" (%x00-09 / %x0B-0C / %x0E-7F).
 * Returns the index just after the closing quote, or -1 if the string is unterminated.
 */
export function scanQuoted(s: string, i: number): number {
  for (let j = i + 1; j < s.length; j++) {
    const c = s.charCodeAt(j);
    if (c === 92) j++;
    else if (c === 34) return j + 1;
  }
  return -1;
}

/** Content of a quoted-string (quotes removed, quoted-pairs resolved). `q` must include both quotes. */
export function unquote(q: string): string {
  if (q.length < 2 || q.charCodeAt(0) !== 34) return q;
  let out = '';
  for (let j = 1; j < q.length - 1; j++) {
    const ch = q[j] ?? '';
    if (ch === '\\' && j + 1 < q.length - 1) {
      out += q[j + 1] ?? '';
      j++;
    } else out += ch;
  }
  return out;
}

export function quote(s: string): string {
  let out = '"';
  for (const ch of s) out += ch === '"' || ch === '\\' ? '\\' + ch : ch;
  return out + '"';
}

/**
 * Splits a header field value on the commas that separate list elements (RFC 3261 §7.3.1), ignoring commas inside
 * quoted strings and inside <...> (a SIP URI's user part may contain commas). Elements are trimmed; empty elements are
 * kept so callers can reject them where the grammar forbids them. Returns null for an unterminated quoted string.
 */
export function splitList(value: string): string[] | null {
  const out: string[] = [];
  let start = 0;
  let angle = false;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c === 34 && !angle) {
      const end = scanQuoted(value, i);
      if (end < 0) return null;
      i = end - 1;
    } else if (c === 60) angle = true;
    else if (c === 62) angle = false;
    else if (c === 44 && !angle) {
      out.push(value.slice(start, i).trim());
      start = i + 1;
    }
  }
  out.push(value.slice(start).trim());
  return out;
}

/** Ordered, case-insensitive parameters. Values keep their wire form (quoted strings keep quotes); flags are null. */
export type Params = ReadonlyMap<string, string | null>;

/**
 * Parses `*( SEMI generic-param )` starting at `i` (RFC 3261 §25.1, with LWS around ";" and "=").
 * Stops at the first character that cannot continue the list and returns its index in `end`.
 * Fails on an empty parameter name (";;") or an unterminated quoted value.
 */
export function parseParams(
  s: string,
  i: number,
): { ok: true; params: Map<string, string | null>; end: number } | { ok: false; reason: string } {
  const params = new Map<string, string | null>();
  for (;;) {
    let j = skipWsp(s, i);
    if (j >= s.length || s.charCodeAt(j) !== 59) return { ok: true, params, end: j };
    j = skipWsp(s, j + 1);
    const nameStart = j;
    while (j < s.length && isTokenChar(s.charCodeAt(j))) j++;
    if (j === nameStart) return { ok: false, reason: 'empty parameter name' };
    const name = s.slice(nameStart, j).toLowerCase();
    let k = skipWsp(s, j);
    let value: string | null = null;
    if (k < s.length && s.charCodeAt(k) === 61) {
      k = skipWsp(s, k + 1);
      if (k < s.length && s.charCodeAt(k) === 34) {
        const end = scanQuoted(s, k);
        if (end < 0) return { ok: false, reason: 'unterminated quoted parameter value' };
        value = s.slice(k, end);
        k = end;
      } else {
        const vs = k;
        while (k < s.length && s.charCodeAt(k) < 128 && GEN_VALUE[s.charCodeAt(k)] === 1) k++;
        if (k === vs) return { ok: false, reason: `empty value for parameter ${name}` };
        value = s.slice(vs, k);
      }
      j = k;
    }
    if (params.has(name)) return { ok: false, reason: `duplicate parameter ${name}` };
    params.set(name, value);
    i = j;
  }
}

export function serializeParams(params: Params): string {
  let out = '';
  for (const [k, v] of params) out += v === null ? `;${k}` : `;${k}=${v}`;
  return out;
}

/** Parses a decimal integer with an upper bound; leading zeros allowed (RFC 4475 §3.1.1.1 "0068"). */
export function parseBoundedInt(s: string, max: number): number | null {
  if (!isDigits(s)) return null;
  let i = 0;
  while (i < s.length - 1 && s.charCodeAt(i) === 48) i++;
  if (s.length - i > 16) return null;
  const n = Number(s.slice(i));
  return n <= max ? n : null;
}

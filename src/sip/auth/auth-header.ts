/**
 * Parsing and formatting of the challenge and credentials header values (WWW-Authenticate, Proxy-Authenticate,
 * Authorization, Proxy-Authorization), RFC 3261 §25.1 and RFC 2617 §1.2:
 *
 *   challenge   = auth-scheme 1*SP 1#auth-param
 *   auth-param  = token "=" ( token / quoted-string )
 *
 * The parser is lenient about linear white space and the case of the scheme and parameter names, strict about
 * structure: an unterminated quoted string or a missing "=" is a parse failure, never a guess.
 */
export interface AuthHeader {
  /** The scheme as written, e.g. "Digest". Compare case-insensitively. */
  readonly scheme: string;
  /** Parameter names lower-cased; values unquoted and unescaped. */
  readonly params: ReadonlyMap<string, string>;
}

export type AuthHeaderParse = { ok: true; value: AuthHeader } | { ok: false; reason: string };

const TOKEN = /^[A-Za-z0-9\-.!%*_+`'~]+/;

function skipLws(s: string, i: number): number {
  while (i < s.length && (s[i] === ' ' || s[i] === '\t' || s[i] === '\r' || s[i] === '\n')) i++;
  return i;
}

/** Parse one challenge or credentials value. */
export function parseAuthHeader(value: string): AuthHeaderParse {
  let i = skipLws(value, 0);
  const schemeMatch = TOKEN.exec(value.slice(i));
  if (!schemeMatch) return { ok: false, reason: 'missing auth-scheme' };
  const scheme = schemeMatch[0];
  i += scheme.length;
  const params = new Map<string, string>();
  i = skipLws(value, i);
  while (i < value.length) {
    const nameMatch = TOKEN.exec(value.slice(i));
    if (!nameMatch) return { ok: false, reason: `expected parameter name at offset ${i}` };
    const name = nameMatch[0].toLowerCase();
    i = skipLws(value, i + nameMatch[0].length);
    if (value[i] !== '=') return { ok: false, reason: `expected "=" after ${name}` };
    i = skipLws(value, i + 1);
    let paramValue: string;
    if (value[i] === '"') {
      // quoted-string = SWS DQUOTE *(qdtext / quoted-pair) DQUOTE (RFC 3261 §25.1)
      let out = '';
      let j = i + 1;
      let closed = false;
      while (j < value.length) {
        const c = value[j]!;
        if (c === '\\' && j + 1 < value.length) {
          out += value[j + 1];
          j += 2;
          continue;
        }
        if (c === '"') {
          closed = true;
          break;
        }
        out += c;
        j++;
      }
      if (!closed) return { ok: false, reason: `unterminated quoted string for ${name}` };
      paramValue = out;
      i = j + 1;
    } else {
      const tokenMatch = TOKEN.exec(value.slice(i));
      if (!tokenMatch) return { ok: false, reason: `expected value for ${name}` };
      paramValue = tokenMatch[0];
      i += paramValue.length;
    }
    if (params.has(name)) return { ok: false, reason: `duplicate parameter ${name}` };
    params.set(name, paramValue);
    i = skipLws(value, i);
    if (i >= value.length) break;
    if (value[i] !== ',') return { ok: false, reason: `expected "," at offset ${i}` };
    i = skipLws(value, i + 1);
  }
  return { ok: true, value: { scheme, params } };
}

function quote(s: string): string {
  return `"${s.replace(/(["\\])/g, '\\$1')}"`;
}

/** A parameter is written quoted unless RFC 2617 says it is a token (algorithm, stale, nc, qop in credentials). */
export interface AuthParam {
  readonly name: string;
  readonly value: string;
  readonly quoted: boolean;
}

export function formatAuthHeader(scheme: string, params: readonly AuthParam[]): string {
  return `${scheme} ${params.map((p) => `${p.name}=${p.quoted ? quote(p.value) : p.value}`).join(', ')}`;
}

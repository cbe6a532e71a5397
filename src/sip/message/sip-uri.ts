import {
  type ParseResult, type Params, ok, fail, isCharsOrEscaped, unescape, serializeParams,
  USER_CHARS, PASSWORD_CHARS, PARAM_CHARS, HEADER_CHARS, HOST_CHARS, isDigits,
} from './grammar.js';

/** §19.1.4: parameters that make URIs differ even when present in only one of them. */
const STRICT_PARAMS: ReadonlySet<string> = new Set(['user', 'ttl', 'method', 'maddr', 'transport']);

/**
 * A SIP or SIPS URI (RFC 3261 §19.1.1):
 *
 *     sip:user:password@host:port;uri-parameters?headers
 *
 * Immutable: build a changed copy with `with()`. Fields keep their escaped wire form; use `decodedUser` for the
 * unescaped user (§19.1.4 compares after unescaping). `toString()` returns the exact wire text of a parsed URI.
 */
export class SipUri {
  readonly kind = 'sip' as const;
  #raw: string | undefined;

  constructor(
    readonly scheme: 'sip' | 'sips',
    readonly host: string,
    readonly port?: number,
    readonly user?: string,
    readonly password?: string,
    readonly params: Params = new Map(),
    /** URI headers (§19.1.1 "?" part), escaped form. Not allowed in a Request-URI (§19.1.5). */
    readonly headers: Params = new Map(),
    raw?: string,
  ) {
    this.#raw = raw;
  }

  /** Parses a sip: or sips: URI. Never throws. */
  static parse(text: string): ParseResult<SipUri> {
    const colon = text.indexOf(':');
    if (colon < 0) return fail('URI without scheme');
    const scheme = text.slice(0, colon).toLowerCase();
    if (scheme !== 'sip' && scheme !== 'sips') return fail(`not a SIP URI: ${scheme}`);
    const rest = text.slice(colon + 1);
    let user: string | undefined;
    let password: string | undefined;
    let hp = rest;
    // §25.1: "@" cannot appear unescaped in user, password, parameters or headers, so the first one ends userinfo.
    const at = rest.indexOf('@');
    if (at >= 0) {
      const userinfo = rest.slice(0, at);
      hp = rest.slice(at + 1);
      const pc = userinfo.indexOf(':');
      user = pc < 0 ? userinfo : userinfo.slice(0, pc);
      if (pc >= 0) password = userinfo.slice(pc + 1);
      if (user.length === 0 || !isCharsOrEscaped(user, USER_CHARS)) return fail('invalid user part');
      if (password !== undefined && !isCharsOrEscaped(password, PASSWORD_CHARS)) return fail('invalid password');
    }
    let end = hp.length;
    for (let i = 0; i < hp.length; i++) {
      const c = hp.charCodeAt(i);
      if (c === 59 || c === 63) {
        end = i;
        break;
      }
    }
    const hostport = hp.slice(0, end);
    let host: string;
    let portText: string | undefined;
    if (hostport.startsWith('[')) {
      // §25.1 IPv6reference = "[" IPv6address "]"
      const close = hostport.indexOf(']');
      if (close < 0) return fail('unterminated IPv6 reference');
      host = hostport.slice(0, close + 1);
      const inner = host.slice(1, -1);
      if (inner.length < 2) return fail('invalid IPv6 reference');
      for (let i = 0; i < inner.length; i++) {
        const c = inner.charCodeAt(i);
        const hex = (c >= 48 && c <= 58) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102) || c === 46;
        if (!hex) return fail('invalid IPv6 reference');
      }
      const after = hostport.slice(close + 1);
      if (after.length > 0) {
        if (after.charCodeAt(0) !== 58) return fail('garbage after IPv6 reference');
        portText = after.slice(1);
      }
    } else {
      const pc = hostport.indexOf(':');
      host = pc < 0 ? hostport : hostport.slice(0, pc);
      if (pc >= 0) portText = hostport.slice(pc + 1);
      if (host.length === 0) return fail('empty host');
      for (let i = 0; i < host.length; i++) {
        const c = host.charCodeAt(i);
        if (c >= 128 || HOST_CHARS[c] !== 1) return fail('invalid host');
      }
    }
    let port: number | undefined;
    if (portText !== undefined) {
      if (!isDigits(portText) || portText.length > 5) return fail('invalid port');
      port = Number(portText);
      if (port > 65535) return fail('port out of range');
    }
    const params = new Map<string, string | null>();
    const headers = new Map<string, string | null>();
    let i = end;
    while (i < hp.length && hp.charCodeAt(i) === 59) {
      let j = i + 1;
      while (j < hp.length && hp.charCodeAt(j) !== 59 && hp.charCodeAt(j) !== 63) j++;
      const p = hp.slice(i + 1, j);
      const eq = p.indexOf('=');
      const name = eq < 0 ? p : p.slice(0, eq);
      const value = eq < 0 ? null : p.slice(eq + 1);
      if (name.length === 0 || !isCharsOrEscaped(name, PARAM_CHARS)) return fail('invalid URI parameter');
      if (value !== null && (value.length === 0 || !isCharsOrEscaped(value, PARAM_CHARS))) {
        return fail('invalid URI parameter value');
      }
      const key = unescape(name).toLowerCase();
      // A repeated URI parameter is ambiguous; the first one wins (lenient: one odd Contact must not cost a call).
      if (!params.has(key)) params.set(key, value);
      i = j;
    }
    if (i < hp.length && hp.charCodeAt(i) === 63) {
      const parts = hp.slice(i + 1).split('&');
      for (const h of parts) {
        const eq = h.indexOf('=');
        if (eq <= 0) return fail('invalid URI header');
        const name = h.slice(0, eq);
        const value = h.slice(eq + 1);
        if (!isCharsOrEscaped(name, HEADER_CHARS) || !isCharsOrEscaped(value, HEADER_CHARS)) {
          return fail('invalid URI header');
        }
        headers.set(name, value);
      }
    }
    return ok(new SipUri(scheme, host, port, user, password, params, headers, text));
  }

  /** User part with %HH escapes decoded. */
  get decodedUser(): string | undefined {
    return this.user === undefined ? undefined : unescape(this.user);
  }

  /** Host without IPv6 brackets, lower-cased (hosts compare case-insensitively, §19.1.4). */
  get hostname(): string {
    const h = this.host.startsWith('[') ? this.host.slice(1, -1) : this.host;
    return h.toLowerCase();
  }

  param(name: string): string | null | undefined {
    return this.params.get(name.toLowerCase());
  }

  /**
   * URI equivalence (RFC 3261 §19.1.4): scheme, userinfo (case-sensitive, after unescaping), host (case-insensitive)
   * and port (no default: `sip:a@b` ≠ `sip:a@b:5060`) must match; parameters present in both must match
   * case-insensitively; user, ttl, method, maddr and transport present in only one never match (the RFC's own
   * examples treat transport like these); other parameters present in only one are ignored; headers must all match.
   */
  equals(other: SipUri): boolean {
    if (this.scheme !== other.scheme) return false;
    if (unescape(this.user ?? '') !== unescape(other.user ?? '') || (this.user === undefined) !== (other.user === undefined)) return false;
    if ((this.password ?? null) !== (other.password ?? null)) {
      if (this.password === undefined || other.password === undefined) return false;
      if (unescape(this.password) !== unescape(other.password)) return false;
    }
    if (this.hostname !== other.hostname || this.port !== other.port) return false;
    const norm = (v: string | null | undefined): string | null | undefined =>
      v === null || v === undefined ? v : unescape(v).toLowerCase();
    for (const [k, v] of this.params) {
      if (other.params.has(k)) {
        if (norm(v) !== norm(other.params.get(k))) return false;
      } else if (STRICT_PARAMS.has(k)) return false;
    }
    for (const k of other.params.keys()) if (!this.params.has(k) && STRICT_PARAMS.has(k)) return false;
    const headers = (h: Params): Map<string, string> => {
      const m = new Map<string, string>();
      for (const [k, v] of h) m.set(unescape(k).toLowerCase(), unescape(v ?? ''));
      return m;
    };
    const a = headers(this.headers);
    const b = headers(other.headers);
    if (a.size !== b.size) return false;
    for (const [k, v] of a) if (b.get(k) !== v) return false;
    return true;
  }

  /** A copy with some fields replaced; the copy has no wire text of its own. */
  with(changes: {
    scheme?: 'sip' | 'sips'; host?: string; port?: number | undefined; user?: string | undefined;
    password?: string | undefined; params?: Params; headers?: Params;
  }): SipUri {
    const pick = <K extends keyof typeof changes>(k: K, cur: (typeof changes)[K]): (typeof changes)[K] =>
      k in changes ? changes[k] : cur;
    return new SipUri(
      pick('scheme', this.scheme) ?? this.scheme,
      pick('host', this.host) ?? this.host,
      pick('port', this.port),
      pick('user', this.user),
      pick('password', this.password),
      pick('params', this.params) ?? new Map(),
      pick('headers', this.headers) ?? new Map(),
    );
  }

  toString(): string {
    if (this.#raw !== undefined) return this.#raw;
    let s = `${this.scheme}:`;
    if (this.user !== undefined) {
      s += this.user;
      if (this.password !== undefined) s += `:${this.password}`;
      s += '@';
    }
    s += this.host;
    if (this.port !== undefined) s += `:${this.port}`;
    s += serializeParams(this.params);
    let first = true;
    for (const [k, v] of this.headers) {
      s += `${first ? '?' : '&'}${k}=${v ?? ''}`;
      first = false;
    }
    this.#raw = s;
    return s;
  }
}

import {
  type ParseResult, type Params, ok, fail, parseParams, isTokenChar, skipWsp, splitList, serializeParams,
  HOST_CHARS, parseBoundedInt,
} from './grammar.js';

/** RFC 3261 §8.1.1.7: branches of RFC 3261 implementations start with this magic cookie. */
export const BRANCH_MAGIC_COOKIE = 'z9hG4bK';

/** Upper bound on Via values in a message (Max-Forwards ≤ 255 bounds the number of hops). */
export const MAX_VIA_VALUES = 256;

/**
 * One Via value (RFC 3261 §20.42, §25.1; RFC 3581 rport):
 *
 *     sent-protocol LWS sent-by *( SEMI via-params )
 *     sent-protocol = protocol-name SLASH protocol-version SLASH transport     (LWS allowed around SLASH)
 *     sent-by       = host [ COLON port ]
 *
 * Immutable; `with()` returns a copy. `toString()` returns the exact wire text of a parsed value.
 */
export class Via {
  #raw: string | undefined;

  constructor(
    readonly transport: string,
    readonly host: string,
    readonly port?: number,
    readonly params: Params = new Map(),
    readonly protocolName = 'SIP',
    readonly protocolVersion = '2.0',
    raw?: string,
  ) {
    this.#raw = raw;
  }

  get branch(): string | undefined {
    return this.params.get('branch') ?? undefined;
  }

  get received(): string | undefined {
    return this.params.get('received') ?? undefined;
  }

  /** RFC 3581: `true` when the client asked for rport (flag), the port number once filled in, else undefined. */
  get rport(): number | true | undefined {
    if (!this.params.has('rport')) return undefined;
    const v = this.params.get('rport');
    return v === null || v === undefined ? true : Number(v);
  }

  get maddr(): string | undefined {
    return this.params.get('maddr') ?? undefined;
  }

  get ttl(): number | undefined {
    const v = this.params.get('ttl');
    return v === null || v === undefined ? undefined : Number(v);
  }

  /** True for RFC 3261 branches (§8.1.1.7); false means RFC 2543 transaction matching (§17.2.3). */
  get hasRfc3261Branch(): boolean {
    const b = this.branch;
    return b !== undefined && b.startsWith(BRANCH_MAGIC_COOKIE);
  }

  /** Host without IPv6 brackets, lower-cased. */
  get hostname(): string {
    const h = this.host.startsWith('[') ? this.host.slice(1, -1) : this.host;
    return h.toLowerCase();
  }

  withParam(name: string, value: string | null): Via {
    const params = new Map(this.params);
    params.set(name.toLowerCase(), value);
    return new Via(this.transport, this.host, this.port, params, this.protocolName, this.protocolVersion);
  }

  static parse(text: string): ParseResult<Via> {
    const s = text.trim();
    // sent-protocol: three tokens separated by "/" with optional LWS around each slash.
    const parts: string[] = [];
    let i = 0;
    for (let k = 0; k < 3; k++) {
      i = skipWsp(s, i);
      const st = i;
      while (i < s.length && isTokenChar(s.charCodeAt(i))) i++;
      if (i === st) return fail('malformed Via sent-protocol');
      parts.push(s.slice(st, i));
      if (k < 2) {
        i = skipWsp(s, i);
        if (s.charCodeAt(i) !== 47) return fail('malformed Via sent-protocol');
        i++;
      }
    }
    const [name = '', version = '', transport = ''] = parts;
    const hs = skipWsp(s, i);
    if (hs === i) return fail('missing LWS before Via sent-by');
    i = hs;
    let host: string;
    if (s.charCodeAt(i) === 91) {
      const close = s.indexOf(']', i);
      if (close < 0) return fail('unterminated IPv6 reference in Via');
      host = s.slice(i, close + 1);
      i = close + 1;
    } else {
      const st = i;
      while (i < s.length && s.charCodeAt(i) < 128 && HOST_CHARS[s.charCodeAt(i)] === 1) i++;
      host = s.slice(st, i);
      if (host.length === 0) return fail('missing Via host');
    }
    let port: number | undefined;
    let j = skipWsp(s, i);
    if (s.charCodeAt(j) === 58) {
      j = skipWsp(s, j + 1);
      const st = j;
      while (j < s.length && s.charCodeAt(j) >= 48 && s.charCodeAt(j) <= 57) j++;
      const p = parseBoundedInt(s.slice(st, j), 65535);
      if (p === null) return fail('invalid Via port');
      port = p;
      i = j;
    }
    const pr = parseParams(s, i);
    if (!pr.ok) return fail(`malformed Via parameters: ${pr.reason}`);
    if (pr.end !== s.length) return fail('unexpected characters in Via');
    const params = pr.params;
    // §20.42 / RFC 3581 §3 / §25.1 value constraints.
    const ttl = params.get('ttl');
    if (ttl !== undefined && (ttl === null || parseBoundedInt(ttl, 255) === null)) return fail('invalid Via ttl');
    const rport = params.get('rport');
    if (rport !== undefined && rport !== null && parseBoundedInt(rport, 65535) === null) {
      return fail('invalid Via rport');
    }
    for (const k of ['branch', 'received', 'maddr']) {
      if (params.has(k) && params.get(k) === null) return fail(`Via ${k} without value`);
    }
    return ok(new Via(transport.toUpperCase(), host, port, params, name, version, s));
  }

  /**
   * Parses a Via header field value, which may carry several comma-separated Via values. At most
   * {@link MAX_VIA_VALUES} per field: each hop adds one and Max-Forwards (≤ 255) bounds the hops (§16.6).
   */
  static parseList(value: string): ParseResult<Via[]> {
    const parts = splitList(value);
    if (parts === null) return fail('unterminated quoted string in Via');
    if (parts.length > MAX_VIA_VALUES) return fail('too many Via values');
    const out: Via[] = [];
    for (const p of parts) {
      if (p.length === 0) return fail('empty Via value');
      const v = Via.parse(p);
      if (!v.ok) return v;
      out.push(v.value);
    }
    return ok(out);
  }

  toString(): string {
    if (this.#raw !== undefined) return this.#raw;
    const port = this.port === undefined ? '' : `:${this.port}`;
    this.#raw = `${this.protocolName}/${this.protocolVersion}/${this.transport} ${this.host}${port}${serializeParams(this.params)}`;
    return this.#raw;
  }
}

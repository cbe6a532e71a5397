import {
  type ParseResult, type Params, ok, fail, parseParams, scanQuoted, unquote, quote, serializeParams, splitList,
  skipWsp, isWsp,
} from './grammar.js';
import { type Uri, parseUri } from './uri.js';

/**
 * The value of From, To, Contact, Route, Record-Route and similar headers (RFC 3261 §20.10, §25.1):
 *
 *     ( name-addr / addr-spec ) *( SEMI param )      name-addr = [ display-name ] LAQUOT addr-spec RAQUOT
 *
 * Immutable; `withTag()` / `withParam()` return copies. `toString()` returns the exact wire text of a parsed value.
 */
export class NameAddr {
  #raw: string | undefined;

  constructor(
    readonly uri: Uri,
    /** Display name, unquoted and unescaped; undefined when absent. */
    readonly displayName?: string,
    /** Header parameters (tag, expires, q, ...), not URI parameters. */
    readonly params: Params = new Map(),
    raw?: string,
  ) {
    this.#raw = raw;
  }

  get tag(): string | undefined {
    return this.params.get('tag') ?? undefined;
  }

  param(name: string): string | null | undefined {
    return this.params.get(name.toLowerCase());
  }

  withParam(name: string, value: string | null): NameAddr {
    const params = new Map(this.params);
    params.set(name.toLowerCase(), value);
    return new NameAddr(this.uri, this.displayName, params);
  }

  withTag(tag: string): NameAddr {
    return this.withParam('tag', tag);
  }

  /** Parses one name-addr / addr-spec with parameters. Lenient where RFC 4475 allows (§3.1.2.14, §3.1.2.15). */
  static parse(text: string): ParseResult<NameAddr> {
    const s = text.trim();
    if (s.length === 0) return fail('empty address');
    let display: string | undefined;
    let uriText: string;
    let after: number;
    if (s.charCodeAt(0) === 34) {
      const end = scanQuoted(s, 0);
      // RFC 4475 §3.1.2.6: an unterminated quoted display name makes the message unparseable.
      if (end < 0) return fail('unterminated quoted string');
      display = unquote(s.slice(0, end));
      const lt = skipWsp(s, end);
      if (s.charCodeAt(lt) !== 60) return fail('display name not followed by <');
      const gt = s.indexOf('>', lt);
      if (gt < 0) return fail('missing >');
      uriText = s.slice(lt + 1, gt).trim();
      after = gt + 1;
    } else {
      const lt = s.indexOf('<');
      if (lt >= 0) {
        const d = s.slice(0, lt).trim();
        // A token display name; RFC 4475 §3.1.2.15 lets a lenient parser accept non-token characters, but a quote
        // here means a broken quoted-string.
        if (d.indexOf('"') >= 0) return fail('malformed display name');
        if (d.length > 0) display = d;
        const gt = s.indexOf('>', lt);
        if (gt < 0) return fail('missing >');
        // RFC 4475 §3.1.2.14: spaces inside <> are tolerated by a lenient parser; we trim them.
        uriText = s.slice(lt + 1, gt).trim();
        after = gt + 1;
      } else {
        // §20.10: without <>, the URI ends at the first ";" and what follows are header parameters.
        let j = 0;
        while (j < s.length && s.charCodeAt(j) !== 59 && !isWsp(s.charCodeAt(j))) j++;
        uriText = s.slice(0, j);
        after = j;
      }
    }
    const uri = parseUri(uriText);
    if (!uri.ok) return fail(uri.reason);
    const p = parseParams(s, after);
    if (!p.ok) return fail(p.reason);
    if (p.end !== s.length) return fail('unexpected characters after address');
    return ok(new NameAddr(uri.value, display, p.params, s));
  }

  /** Parses a comma-separated list (Contact, Route, Record-Route). Empty elements are errors. */
  static parseList(value: string): ParseResult<NameAddr[]> {
    const parts = splitList(value);
    if (parts === null) return fail('unterminated quoted string');
    const out: NameAddr[] = [];
    for (const part of parts) {
      const r = NameAddr.parse(part);
      if (!r.ok) return r;
      out.push(r.value);
    }
    return ok(out);
  }

  toString(): string {
    if (this.#raw !== undefined) return this.#raw;
    const d = this.displayName === undefined ? '' : `${quote(this.displayName)} `;
    this.#raw = `${d}<${this.uri.toString()}>${serializeParams(this.params)}`;
    return this.#raw;
  }
}

import { Headers } from './headers.js';
import { Via } from './via.js';
import { CSeq } from './cseq.js';
import { NameAddr } from './name-addr.js';
import { parseBoundedInt, splitList } from './grammar.js';

/** Wire form kept by a parsed message so that an unmodified message serializes byte for byte. */
interface WireForm {
  readonly bytes: Buffer;
  readonly headersVersion: number;
  readonly startLine: string;
  readonly body: Buffer;
}

/** The result of the `Contact` accessor: RFC 3261 §10.2.2 allows `Contact: *` in a REGISTER. */
export type ContactList = { readonly star: true } | { readonly star: false; readonly contacts: readonly NameAddr[] };

/**
 * Common part of requests and responses (RFC 3261 §7):
 *
 *     start-line *message-header CRLF [ message-body ]
 *
 * Typed accessors parse their header lazily and cache the result until the headers change. On a message returned
 * by `parseMessage` the core headers (Via, From, To, CSeq, Call-ID, Max-Forwards, Content-Length, Contact) are known
 * to be well-formed; an accessor returns undefined when its header is absent (or invalid on a locally built message).
 */
export abstract class SipMessage {
  readonly headers: Headers;
  /** The body, passed through untouched (multipart included, §7.4). */
  body: Buffer;
  #cache = new Map<string, { version: number; value: unknown }>();
  #wire: WireForm | undefined;

  protected constructor(headers: Headers, body: Buffer) {
    this.headers = headers;
    this.body = body;
  }

  abstract isRequest(): this is import('./sip-request.js').SipRequest;
  abstract isResponse(): this is import('./sip-response.js').SipResponse;
  /** The start line without its CRLF. */
  abstract startLine(): string;

  /** @internal Used by the parser to remember the exact bytes of the message. */
  attachWire(bytes: Buffer): void {
    this.#wire = { bytes, headersVersion: this.headers.version, startLine: this.startLine(), body: this.body };
  }

  /** @internal Used by the parser to hand over header values it already parsed. */
  prime(key: 'via' | 'from' | 'to' | 'cseq' | 'contact' | 'route' | 'record-route', value: unknown): void {
    this.#cache.set(key, { version: this.headers.version, value });
  }

  protected cached<T>(key: string, compute: () => T): T {
    const hit = this.#cache.get(key);
    if (hit !== undefined && hit.version === this.headers.version) return hit.value as T;
    const value = compute();
    this.#cache.set(key, { version: this.headers.version, value });
    return value;
  }

  get callId(): string | undefined {
    return this.headers.get('call-id');
  }

  get cseq(): CSeq | undefined {
    return this.cached('cseq', () => {
      const v = this.headers.get('cseq');
      if (v === undefined) return undefined;
      const r = CSeq.parse(v);
      return r.ok ? r.value : undefined;
    });
  }

  /** Every Via value, top first, across all Via field lines (§20.42). Empty if absent or invalid. */
  get via(): readonly Via[] {
    return this.cached('via', () => {
      const out: Via[] = [];
      for (const v of this.headers.getAll('via')) {
        const r = Via.parseList(v);
        if (!r.ok) return [];
        out.push(...r.value);
      }
      return out;
    });
  }

  get topVia(): Via | undefined {
    return this.via[0];
  }

  /**
   * Replaces the top Via value (e.g. to add `received`/`rport`, RFC 3261 §18.2.1, RFC 3581 §4), leaving the other
   * values of its field line and every other field untouched.
   */
  setTopVia(via: Via): void {
    const first = this.headers.get('via');
    if (first === undefined) {
      this.headers.append('Via', via.toString());
      return;
    }
    const parts = splitList(first) ?? [first];
    parts[0] = via.toString();
    this.headers.replaceFirst('via', parts.join(', '));
  }

  get from(): NameAddr | undefined {
    return this.cached('from', () => this.nameAddr('from'));
  }

  get to(): NameAddr | undefined {
    return this.cached('to', () => this.nameAddr('to'));
  }

  get contact(): ContactList | undefined {
    return this.cached('contact', () => {
      const values = this.headers.getAll('contact');
      if (values.length === 0) return undefined;
      if (values.length === 1 && values[0] === '*') return { star: true } as const;
      const out: NameAddr[] = [];
      for (const v of values) {
        const r = NameAddr.parseList(v);
        if (!r.ok) return undefined;
        out.push(...r.value);
      }
      return { star: false, contacts: out } as const;
    });
  }

  get routes(): readonly NameAddr[] {
    return this.cached('route', () => this.nameAddrList('route'));
  }

  get recordRoutes(): readonly NameAddr[] {
    return this.cached('record-route', () => this.nameAddrList('record-route'));
  }

  get maxForwards(): number | undefined {
    const v = this.headers.get('max-forwards');
    return v === undefined ? undefined : (parseBoundedInt(v, 255) ?? undefined);
  }

  get contentLength(): number | undefined {
    const v = this.headers.get('content-length');
    return v === undefined ? undefined : (parseBoundedInt(v, Number.MAX_SAFE_INTEGER) ?? undefined);
  }

  /** Media type of the body, lower-case, without parameters (`application/sdp`). */
  get contentType(): string | undefined {
    const v = this.headers.get('content-type');
    if (v === undefined) return undefined;
    const semi = v.indexOf(';');
    return (semi < 0 ? v : v.slice(0, semi)).trim().toLowerCase();
  }

  private nameAddr(name: string): NameAddr | undefined {
    const v = this.headers.get(name);
    if (v === undefined) return undefined;
    const r = NameAddr.parse(v);
    return r.ok ? r.value : undefined;
  }

  private nameAddrList(name: string): NameAddr[] {
    const out: NameAddr[] = [];
    for (const v of this.headers.getAll(name)) {
      const r = NameAddr.parseList(v);
      if (!r.ok) return [];
      out.push(...r.value);
    }
    return out;
  }

  /** Number of bytes `serialize()` will produce. */
  get size(): number {
    return this.serialize().length;
  }

  /**
   * Wire bytes. An unmodified parsed message gives back exactly the bytes it was parsed from (trailing octets after
   * the body excluded). Otherwise Content-Length is set to the body length (§20.14; mandatory on streams) and the
   * message is rebuilt, received header lines keeping their original bytes. Allocates the output once.
   */
  serialize(): Buffer {
    const w = this.#wire;
    const start = this.startLine();
    if (w !== undefined && w.headersVersion === this.headers.version && w.startLine === start && w.body === this.body) {
      return w.bytes;
    }
    if (this.contentLength !== this.body.length) this.headers.set('Content-Length', String(this.body.length));
    // Runs of added fields become one string; received fields keep their raw bytes. Sized first, allocated once.
    const parts: Array<string | Buffer> = [];
    let text = `${start}\r\n`;
    for (const f of this.headers) {
      if (f.raw === undefined) {
        text += `${f.name}: ${f.value}\r\n`;
      } else {
        parts.push(text, f.raw);
        text = '';
      }
    }
    text += '\r\n';
    parts.push(text);
    const body = this.body;
    let size = body.length;
    for (const p of parts) size += typeof p === 'string' ? Buffer.byteLength(p, 'utf8') : p.length;
    const out = Buffer.allocUnsafe(size);
    let offset = 0;
    for (const p of parts) offset += typeof p === 'string' ? out.write(p, offset, 'utf8') : p.copy(out, offset);
    body.copy(out, offset);
    return out;
  }

  toString(): string {
    return this.serialize().toString('utf8');
  }
}

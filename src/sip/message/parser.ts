import { Headers, type HeaderField } from './headers.js';
import { headerKey } from './header-names.js';
import { isToken, isTokenChar, isDigits, parseBoundedInt } from './grammar.js';
import { parseUri } from './uri.js';
import { Via, MAX_VIA_VALUES } from './via.js';
import { NameAddr } from './name-addr.js';
import { CSeq } from './cseq.js';
import { SipRequest } from './sip-request.js';
import { SipResponse } from './sip-response.js';
import type { ContactList } from './sip-message.js';

/** Largest message accepted (64 KiB); bigger datagrams or stream frames are dropped. */
export const MAX_MESSAGE_SIZE = 64 * 1024;
/** Upper bound on header field lines; real messages carry a few dozen. Bounds the work a 64 KiB message can cause. */
export const MAX_HEADER_FIELDS = 1000;
/** RFC 3261 §20.22: Max-Forwards is 0-255 in practice (RFC 4475 §3.1.2.4 rejects 300). */
export const MAX_MAX_FORWARDS = 255;

export interface ParseOptions {
  /** Default {@link MAX_MESSAGE_SIZE}. */
  maxSize?: number;
}

/** What could be recovered from a message that failed to parse, enough to answer it with a 400. */
export interface PartialMessage {
  readonly kind: 'request' | 'response' | 'unknown';
  /** The request method, when the start line yielded one. */
  readonly method: string | undefined;
  /** Every header field line that could be split into name and value. */
  readonly headers: Headers;
}

export type MessageParseResult =
  | {
      readonly ok: true;
      readonly message: SipRequest | SipResponse;
      /** Octets after the body that were ignored (RFC 4475 §3.1.1.8: Content-Length governs in a datagram). */
      readonly trailing: number;
    }
  | {
      readonly ok: false;
      readonly reason: string;
      /**
       * Response the receiver should send (400 for a malformed request), or undefined when the message must be
       * dropped silently: responses, ACKs (§17.1.1.3) and requests without a Via to answer along.
       */
      readonly status: number | undefined;
      readonly partial: PartialMessage;
    };

const SP = 32;
const CR = 13;
const LF = 10;

/**
 * A received header field. Its exact wire bytes are sliced from the message only when asked for (re-serializing a
 * modified message): most messages never need them, and a Buffer view per field is a good part of parsing garbage.
 */
class ReceivedField implements HeaderField {
  constructor(
    readonly name: string,
    readonly key: string,
    readonly value: string,
    private readonly input: Buffer,
    private readonly start: number,
    private readonly end: number,
  ) {}

  get raw(): Buffer {
    return this.input.subarray(this.start, this.end);
  }
}

/** `SIP-Version = "SIP" "/" 1*DIGIT "." 1*DIGIT` (§25.1); "SIP" is case-insensitive. */
function isSipVersion(v: string): boolean {
  if (v.length < 7 || v.slice(0, 4).toUpperCase() !== 'SIP/') return false;
  const dot = v.indexOf('.', 4);
  return dot > 4 && isDigits(v.slice(4, dot)) && isDigits(v.slice(dot + 1));
}

/** Typed values of the core headers, computed once while checking them and handed to the message's cache. */
interface CoreValues {
  via: Via[];
  from: NameAddr | undefined;
  to: NameAddr | undefined;
  cseq: CSeq | undefined;
  contact: ContactList | undefined;
  route: NameAddr[];
  recordRoute: NameAddr[];
}

/**
 * Parses the headers every layer needs (Via, From, To, CSeq, Call-ID, Max-Forwards, Contact, Route, Record-Route);
 * a malformed one makes the message unparseable (RFC 4475 §3.1.2). Returns the values or the reason.
 */
function checkCoreHeaders(headers: Headers): CoreValues | string {
  const core: CoreValues = {
    via: [], from: undefined, to: undefined, cseq: undefined, contact: undefined, route: [], recordRoute: [],
  };
  let contacts: NameAddr[] | undefined;
  let star = false;
  for (const f of headers) {
    switch (f.key) {
      case 'via': {
        const r = Via.parseList(f.value);
        if (!r.ok) return `malformed Via: ${r.reason}`;
        if (core.via.length + r.value.length > MAX_VIA_VALUES) return 'too many Via values';
        core.via.push(...r.value);
        break;
      }
      case 'from':
      case 'to': {
        const r = NameAddr.parse(f.value);
        if (!r.ok) return `malformed ${f.key}: ${r.reason}`;
        if (f.key === 'from') core.from ??= r.value;
        else core.to ??= r.value;
        break;
      }
      case 'contact': {
        if (f.value === '*') {
          star = true; // §10.2.2
          break;
        }
        const r = NameAddr.parseList(f.value);
        if (!r.ok) return `malformed Contact: ${r.reason}`;
        (contacts ??= []).push(...r.value);
        break;
      }
      case 'route':
      case 'record-route': {
        const r = NameAddr.parseList(f.value);
        if (!r.ok) return `malformed ${f.key}: ${r.reason}`;
        (f.key === 'route' ? core.route : core.recordRoute).push(...r.value);
        break;
      }
      case 'cseq': {
        const r = CSeq.parse(f.value);
        if (!r.ok) return `malformed CSeq: ${r.reason}`;
        core.cseq ??= r.value;
        break;
      }
      case 'call-id': {
        // §25.1 callid = word [ "@" word ]: no whitespace, not empty.
        if (f.value.length === 0) return 'empty Call-ID';
        for (let i = 0; i < f.value.length; i++) {
          const c = f.value.charCodeAt(i);
          if (c === 32 || c === 9) return 'malformed Call-ID';
        }
        break;
      }
      case 'max-forwards':
        if (parseBoundedInt(f.value, MAX_MAX_FORWARDS) === null) return 'invalid Max-Forwards';
        break;
      default:
        break;
    }
  }
  // §10.2.2: `*` stands alone; mixed with addresses there is no usable contact list (a registrar answers 400).
  if (star) core.contact = contacts === undefined && headers.count('contact') === 1 ? { star: true } : undefined;
  else if (contacts !== undefined) core.contact = { star: false, contacts };
  return core;
}

/**
 * Parses one SIP message from a datagram or from a stream frame (RFC 3261 §7). Never throws.
 *
 * - CRLFs before the start line are skipped (§7.5).
 * - Header folding is unfolded (§7.3.1); names are case-insensitive and compact forms are understood (§7.3.3).
 * - The body is `Content-Length` octets (§18.3); without Content-Length it is the rest of the datagram. Octets after
 *   the body are ignored and counted in `trailing`. A Content-Length larger than the data is an error (§18.3: 400).
 * - The request line must be exactly `Method SP Request-URI SP SIP-Version` (§7.1; RFC 4475 §3.1.2.7-§3.1.2.10).
 */
export function parseMessage(input: Buffer, options: ParseOptions = {}): MessageParseResult {
  const maxSize = options.maxSize ?? MAX_MESSAGE_SIZE;
  const headers = new Headers();
  let kind: PartialMessage['kind'] = 'unknown';
  let method: string | undefined;
  const failure = (reason: string): MessageParseResult => {
    const partial: PartialMessage = { kind, method, headers };
    const answerable = kind === 'request' && method !== 'ACK' && headers.has('via');
    return { ok: false, reason, status: answerable ? 400 : undefined, partial };
  };
  if (input.length > maxSize) return failure('message too large');

  let pos = 0;
  while (pos < input.length && (input[pos] === CR || input[pos] === LF)) pos++;
  const msgStart = pos;
  let lf = input.indexOf(LF, pos);
  if (lf < 0) return failure('incomplete start line');
  const startEnd = lf > pos && input[lf - 1] === CR ? lf - 1 : lf;
  const startLine = input.toString('utf8', pos, startEnd);
  const isResponse = startLine.length >= 4 && startLine.slice(0, 4).toUpperCase() === 'SIP/';
  kind = isResponse ? 'response' : 'request';
  if (!isResponse) {
    let i = 0;
    while (i < startLine.length && isTokenChar(startLine.charCodeAt(i))) i++;
    if (i > 0) method = startLine.slice(0, i);
  }
  pos = lf + 1;

  // Header fields, with folding (§7.3.1: a line starting with SP or HTAB continues the previous field).
  let headerError: string | undefined;
  let curName: string | undefined;
  let curValue = '';
  /** Continuation lines of the current field, when it is folded (rare). */
  let curFolded: string[] | undefined;
  let curStart = 0;
  const flush = (end: number): void => {
    if (curName === undefined) return;
    const value = curFolded === undefined ? curValue : [curValue, ...curFolded].filter((p) => p.length > 0).join(' ');
    headers.appendField(new ReceivedField(curName, headerKey(curName), value, input, curStart, end));
    curName = undefined;
    curFolded = undefined;
  };
  let bodyStart = -1;
  for (;;) {
    lf = input.indexOf(LF, pos);
    if (lf < 0) {
      flush(pos);
      return failure('header section not terminated');
    }
    const end = lf > pos && input[lf - 1] === CR ? lf - 1 : lf;
    if (end === pos) {
      flush(pos);
      bodyStart = lf + 1;
      break;
    }
    const c = input[pos];
    if (c === SP || c === 9) {
      if (curName === undefined) {
        headerError ??= 'continuation line without a header';
      } else {
        (curFolded ??= []).push(input.toString('utf8', pos, end).trim());
      }
    } else {
      flush(pos);
      const line = input.toString('utf8', pos, end);
      const colon = line.indexOf(':');
      const name = colon < 0 ? '' : line.slice(0, colon).trimEnd();
      if (colon < 0 || !isToken(name)) {
        headerError ??= 'malformed header line';
      } else {
        if (headers.size >= MAX_HEADER_FIELDS) return failure('too many header fields');
        curName = name;
        curStart = pos;
        curValue = line.slice(colon + 1).trim();
      }
    }
    pos = lf + 1;
  }

  // Start line.
  let message: SipRequest | SipResponse;
  if (isResponse) {
    const a = startLine.indexOf(' ');
    if (a < 0) return failure('malformed status line');
    const version = startLine.slice(0, a);
    const b = startLine.indexOf(' ', a + 1);
    const code = b < 0 ? startLine.slice(a + 1) : startLine.slice(a + 1, b);
    const reason = b < 0 ? '' : startLine.slice(b + 1);
    if (!isSipVersion(version)) return failure('malformed SIP version');
    // §7.2 Status-Code = 3DIGIT; §21: classes 1xx to 6xx. RFC 4475 §3.1.2.19: discard anything else.
    if (code.length !== 3 || !isDigits(code)) return failure('invalid status code');
    const status = Number(code);
    if (status < 100 || status > 699) return failure('status code out of range');
    message = new SipResponse({ status, reason, headers, version });
  } else {
    const parts = startLine.split(' ');
    if (parts.length !== 3) return failure('malformed request line');
    const [m, uriText, version] = parts as [string, string, string];
    if (!isToken(m)) return failure('invalid method');
    if (!isSipVersion(version)) return failure('malformed SIP version');
    const uri = parseUri(uriText);
    if (!uri.ok) return failure(`invalid Request-URI: ${uri.reason}`);
    message = new SipRequest({ method: m, uri: uri.value, headers, version });
  }
  if (headerError !== undefined) return failure(headerError);
  const core = checkCoreHeaders(headers);
  if (typeof core === 'string') return failure(core);

  // Body (§18.3, §20.14).
  const lengths = headers.getAll('content-length');
  let bodyEnd = input.length;
  for (const v of lengths) {
    if (parseBoundedInt(v, Number.MAX_SAFE_INTEGER) === null) return failure('invalid Content-Length');
  }
  if (lengths.length === 1) {
    const n = parseBoundedInt(lengths[0] ?? '', Number.MAX_SAFE_INTEGER) ?? 0;
    if (bodyStart + n > input.length) return failure('Content-Length larger than the message');
    bodyEnd = bodyStart + n;
  }
  // Several Content-Length fields: the body is the rest of the datagram; the validator answers 400 (§20.14 allows one).
  message.body = input.subarray(bodyStart, bodyEnd);
  message.attachWire(input.subarray(msgStart, bodyEnd));
  message.prime('via', core.via);
  message.prime('from', core.from);
  message.prime('to', core.to);
  message.prime('cseq', core.cseq);
  message.prime('contact', core.contact);
  message.prime('route', core.route);
  message.prime('record-route', core.recordRoute);
  return { ok: true, message, trailing: input.length - bodyEnd };
}

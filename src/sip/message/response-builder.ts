import { randomBytes } from 'node:crypto';
import { Headers } from './headers.js';
import { NameAddr } from './name-addr.js';
import { Via } from './via.js';
import { CSeq } from './cseq.js';
import { SipResponse } from './sip-response.js';
import type { SipRequest } from './sip-request.js';
import type { PartialMessage } from './parser.js';

export interface ResponseOptions {
  reason?: string;
  /** Tag to add to To when the request had none (§8.2.6.2); a random one is generated when omitted. */
  toTag?: string;
  /** Extra header fields, appended in order. */
  headers?: ReadonlyArray<readonly [string, string]>;
  body?: Buffer;
  /** Content-Type of `body`. */
  contentType?: string;
}

/**
 * Random bytes drawn from a pooled buffer refilled 4 KiB at a time: one CSPRNG call per few hundred tags and branches
 * instead of one per message.
 */
const RANDOM_POOL_SIZE = 4096;
let randomPool = randomBytes(RANDOM_POOL_SIZE);
let randomOffset = 0;

function randomSlice(n: number): Buffer {
  if (randomOffset + n > RANDOM_POOL_SIZE) {
    randomPool = randomBytes(RANDOM_POOL_SIZE);
    randomOffset = 0;
  }
  const slice = randomPool.subarray(randomOffset, randomOffset + n);
  randomOffset += n;
  return slice;
}

/** A random tag with at least 32 bits of randomness (§19.3). */
export function newTag(): string {
  return randomSlice(6).toString('hex');
}

/** A new RFC 3261 branch: magic cookie plus randomness (§8.1.1.7). */
export function newBranch(): string {
  return `z9hG4bK${randomSlice(9).toString('base64url')}`;
}

/**
 * A Via value fit to be copied into a response: the value itself when it parses, else its leading
 * `sent-protocol sent-by` when that parses (RFC 4475 §3.1.2.1 `SIP/2.0/UDP 192.0.2.15;;,;,,`), else nothing.
 */
function salvageVia(value: string): string | undefined {
  if (Via.parseList(value).ok) return value;
  let end = value.length;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c === 59 || c === 44) {
      end = i;
      break;
    }
  }
  const head = value.slice(0, end).trim();
  return Via.parse(head).ok ? head : undefined;
}

/** §25.1 callid = word [ "@" word ]: not empty, no whitespace. */
function isCallId(v: string): boolean {
  if (v.length === 0) return false;
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (c === 32 || c === 9) return false;
  }
  return true;
}

function copyCore(from: Headers, to: Headers, status: number, toTag: string | undefined, sanitize = false): void {
  // §8.2.6.2: Via values in the same order, From, Call-ID and CSeq copied; To copied with a tag added.
  // When answering a message that failed to parse (sanitize), values that do not parse are left out so that the
  // response itself stays well-formed.
  for (const v of from.getAll('via')) {
    const copy = sanitize ? salvageVia(v) : v;
    if (copy !== undefined) to.append('Via', copy);
  }
  const fromValue = from.get('from');
  if (fromValue !== undefined && (!sanitize || NameAddr.parse(fromValue).ok)) to.append('From', fromValue);
  const toValue = from.get('to');
  if (toValue !== undefined && (!sanitize || NameAddr.parse(toValue).ok)) {
    const parsed = NameAddr.parse(toValue);
    // §8.2.6.2: add a tag unless the request had one; a 100 Trying may omit it. Appending `;tag=` to the wire text
    // keeps the original value byte for byte in both name-addr and addr-spec forms (params follow the URI, §20.10).
    const needsTag = status > 100 && parsed.ok && parsed.value.tag === undefined;
    to.append('To', needsTag ? `${toValue};tag=${toTag ?? newTag()}` : toValue);
  }
  const callId = from.get('call-id');
  if (callId !== undefined && (!sanitize || isCallId(callId))) to.append('Call-ID', callId);
  const cseq = from.get('cseq');
  if (cseq !== undefined && (!sanitize || CSeq.parse(cseq).ok)) to.append('CSeq', cseq);
  // §8.2.6.1: a 100 Trying copies Timestamp.
  const ts = from.get('timestamp');
  if (status === 100 && ts !== undefined) to.append('Timestamp', ts);
}

function finish(res: SipResponse, opts: ResponseOptions): SipResponse {
  for (const [n, v] of opts.headers ?? []) res.headers.append(n, v);
  if (opts.body !== undefined && opts.body.length > 0) {
    if (opts.contentType !== undefined) res.headers.set('Content-Type', opts.contentType);
    res.body = opts.body;
  }
  res.headers.set('Content-Length', String(res.body.length));
  return res;
}

/**
 * Builds a response to a request as a UAS must (RFC 3261 §8.2.6): Via, From, To (tag added), Call-ID and CSeq are
 * copied; Record-Route is not (the dialog layer copies it into dialog-creating responses, §12.1.1).
 */
export function createResponse(request: SipRequest, status: number, opts: ResponseOptions = {}): SipResponse {
  const headers = new Headers();
  copyCore(request.headers, headers, status, opts.toTag);
  return finish(new SipResponse({ status, ...(opts.reason !== undefined ? { reason: opts.reason } : {}), headers }), opts);
}

/**
 * Builds the response to a request that failed to parse, from what was recovered (RFC 4475 §3.1.2: "respond with a
 * 400"), or undefined when it must not be answered (see `MessageParseResult.status`).
 */
export function createErrorResponse(
  failure: { readonly status: number | undefined; readonly partial: PartialMessage },
  opts: ResponseOptions = {},
): SipResponse | undefined {
  if (failure.status === undefined) return undefined;
  const headers = new Headers();
  copyCore(failure.partial.headers, headers, failure.status, opts.toTag, true);
  const res = new SipResponse({
    status: failure.status,
    ...(opts.reason !== undefined ? { reason: opts.reason } : {}),
    headers,
  });
  return finish(res, opts);
}

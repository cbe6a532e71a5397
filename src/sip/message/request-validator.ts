import type { SipRequest } from './sip-request.js';
import type { SipResponse } from './sip-response.js';
import type { Via } from './via.js';
import { SIP_VERSION } from './sip-request.js';
import { unquote, splitList } from './grammar.js';

/** What the stack must do with a received message after validation. */
export type Verdict =
  | { readonly action: 'accept' }
  /** Answer with `status` and the extra `headers` (Unsupported, Accept, ...). `detail` is for logs only. */
  | {
      readonly action: 'reject';
      readonly status: number;
      readonly detail: string;
      readonly headers: ReadonlyArray<readonly [string, string]>;
    }
  | { readonly action: 'discard'; readonly detail: string };

/** The capabilities of a UAS, against which requests are validated (RFC 3261 §8.2). */
export interface UasPolicy {
  /** Methods the UAS implements; anything else gets 501 (§8.2.1). */
  readonly methods: ReadonlySet<string>;
  /** Request-URI schemes served; anything else gets 416 (§8.2.2.1). */
  readonly uriSchemes: ReadonlySet<string>;
  /** Option tags understood in Require; anything else gets 420 with Unsupported (§8.2.2.3). */
  readonly extensions: ReadonlySet<string>;
  /** Body types understood for every method; anything else gets 415 with Accept (§8.2.3). */
  readonly contentTypes: ReadonlySet<string>;
  /** Extra body types per method (e.g. MESSAGE: text/plain, RFC 3428 §8). */
  readonly contentTypesByMethod: Readonly<Record<string, ReadonlySet<string>>>;
  /** Body type a response to this method would carry; an Accept that excludes it gets 406 (§21.4.7). */
  readonly answerTypes: Readonly<Record<string, string>>;
}

export const DEFAULT_UAS_POLICY: UasPolicy = {
  methods: new Set(['INVITE', 'ACK', 'CANCEL', 'BYE', 'OPTIONS', 'REGISTER', 'INFO', 'MESSAGE', 'UPDATE', 'PRACK',
    'REFER', 'NOTIFY', 'SUBSCRIBE']),
  uriSchemes: new Set(['sip', 'sips', 'tel']),
  extensions: new Set(['path', 'outbound', 'gruu', 'replaces', 'timer', '100rel', 'norefersub']),
  contentTypes: new Set(['application/sdp', 'multipart/mixed', 'application/dtmf-relay', 'application/dtmf']),
  contentTypesByMethod: { MESSAGE: new Set(['text/plain']) },
  answerTypes: { INVITE: 'application/sdp' },
};

/** Headers that must appear exactly once in a request (§8.1.1) or at most once (§7.3.1: single-valued). */
const EXACTLY_ONCE = ['to', 'from', 'call-id', 'cseq'] as const;
const AT_MOST_ONCE = ['max-forwards', 'content-length', 'content-type'] as const;

function reject(status: number, detail: string, headers: Array<readonly [string, string]> = []): Verdict {
  return { action: 'reject', status, detail, headers };
}

function mediaType(v: string): string {
  const semi = v.indexOf(';');
  return (semi < 0 ? v : v.slice(0, semi)).trim().toLowerCase();
}

function contentTypeParam(v: string, name: string): string | undefined {
  const parts = v.split(';');
  for (let i = 1; i < parts.length; i++) {
    const p = parts[i] ?? '';
    const eq = p.indexOf('=');
    if (eq > 0 && p.slice(0, eq).trim().toLowerCase() === name) return unquote(p.slice(eq + 1).trim());
  }
  return undefined;
}

/** Media types of the parts of a multipart body (RFC 2046 §5.1.1; a part without Content-Type is text/plain). */
export function multipartTypes(body: Buffer, boundary: string): string[] {
  const delim = Buffer.from(`--${boundary}`);
  const out: string[] = [];
  let pos = body.indexOf(delim);
  while (pos >= 0) {
    let start = pos + delim.length;
    if (body[start] === 45 && body[start + 1] === 45) break; // close-delimiter
    const next = body.indexOf(delim, start);
    const end = next < 0 ? body.length : next;
    const nl = body.indexOf('\n', start);
    if (nl < 0 || nl >= end) break;
    start = nl + 1;
    const hdrEnd = body.indexOf('\r\n\r\n', start);
    const headerText = body.toString('latin1', start, hdrEnd < 0 || hdrEnd > end ? end : hdrEnd);
    let type = 'text/plain';
    for (const line of headerText.split(/\r?\n/)) {
      const colon = line.indexOf(':');
      if (colon > 0 && line.slice(0, colon).trim().toLowerCase() === 'content-type') type = mediaType(line.slice(colon + 1));
    }
    out.push(type);
    pos = next;
  }
  return out;
}

function acceptMatches(range: string, type: string): boolean {
  const r = mediaType(range);
  if (r === '*/*' || r === type) return true;
  const slash = type.indexOf('/');
  return r.endsWith('/*') && r.slice(0, -1) === type.slice(0, slash + 1);
}

/**
 * Validates a parsed request as a UAS must before acting on it (RFC 3261 §8.2, in the RFC's order: method, headers,
 * content), and returns the response code to send. Pure: no I/O, no state. ACK is never answered (§17.1.1.3), so a
 * bad ACK is discarded instead.
 */
export function validateRequest(req: SipRequest, policy: UasPolicy = DEFAULT_UAS_POLICY): Verdict {
  const verdict = check(req, policy);
  if (verdict.action === 'reject' && req.method === 'ACK') return { action: 'discard', detail: verdict.detail };
  return verdict;
}

function check(req: SipRequest, policy: UasPolicy): Verdict {
  const h = req.headers;
  // §21.5.6 / RFC 4475 §3.1.2.16: a version other than SIP/2.0 gets 505.
  if (req.version.toUpperCase() !== SIP_VERSION) return reject(505, `unsupported version ${req.version}`);
  // §8.1.1: To, From, CSeq, Call-ID, Max-Forwards and Via are mandatory. A UAS tolerates a missing Max-Forwards
  // (RFC 4475 §3.4.1, RFC 2543 peers) but not the others (RFC 4475 §3.3.1).
  if (req.via.length === 0) return reject(400, 'missing Via');
  for (const name of EXACTLY_ONCE) {
    const n = h.count(name);
    if (n === 0) return reject(400, `missing ${name}`);
    if (n > 1) return reject(400, `duplicate ${name}`); // RFC 4475 §3.3.8
  }
  for (const name of AT_MOST_ONCE) {
    if (h.count(name) > 1) return reject(400, `duplicate ${name}`); // RFC 4475 §3.3.9
  }
  const cseq = req.cseq;
  if (cseq === undefined || req.from === undefined || req.to === undefined) return reject(400, 'malformed header');
  // §8.2 / RFC 4475 §3.1.2.17-18: the CSeq method must match the request method.
  if (cseq.method !== req.method) return reject(400, 'CSeq method does not match the request method');
  // §19.1.5: headers are not allowed in a Request-URI (RFC 4475 §3.1.2.11).
  if (req.uri.kind === 'sip' && req.uri.headers.size > 0) return reject(400, 'headers in Request-URI');

  // §8.2.1 Method inspection.
  if (!policy.methods.has(req.method)) return reject(501, `method ${req.method} not implemented`);
  // §8.2.2.1 To and Request-URI.
  if (!policy.uriSchemes.has(req.uri.scheme)) return reject(416, `unsupported URI scheme ${req.uri.scheme}`);
  // §8.2.2.3 Require (not applied to ACK and CANCEL). Proxy-Require is for proxies only and is ignored here.
  if (req.method !== 'ACK' && req.method !== 'CANCEL') {
    const required = h.list('require') ?? [];
    const unknown = required.filter((t) => !policy.extensions.has(t.toLowerCase()));
    if (unknown.length > 0) return reject(420, 'unsupported extension', [['Unsupported', unknown.join(', ')]]);
  }
  // §8.2.3 Content processing.
  if (req.body.length > 0) {
    const accepted = new Set([...policy.contentTypes, ...(policy.contentTypesByMethod[req.method] ?? [])]);
    const acceptHeader: [string, string] = ['Accept', [...accepted].join(', ')];
    const ctValue = h.get('content-type');
    // §20.15: Content-Type MUST be present if the body is not empty.
    if (ctValue === undefined) return reject(400, 'body without Content-Type');
    const encodings = h.list('content-encoding') ?? [];
    if (encodings.some((e) => e.toLowerCase() !== 'identity')) {
      return reject(415, 'unsupported content encoding', [['Accept-Encoding', 'identity']]);
    }
    const type = mediaType(ctValue);
    if (!accepted.has(type)) return reject(415, `unsupported content type ${type}`, [acceptHeader]);
    if (type.startsWith('multipart/')) {
      const boundary = contentTypeParam(ctValue, 'boundary');
      const types = boundary === undefined ? [] : multipartTypes(req.body, boundary);
      if (!types.some((t) => accepted.has(t))) return reject(415, 'no supported body part', [acceptHeader]);
    }
  }
  // §21.4.7 / RFC 4475 §3.3.15: if the Accept header rules out the only type we can answer in, 406.
  const answer = policy.answerTypes[req.method];
  const acceptValues = h.getAll('accept');
  if (answer !== undefined && acceptValues.length > 0) {
    const ranges: string[] = [];
    for (const v of acceptValues) for (const r of splitList(v) ?? []) if (r.length > 0) ranges.push(r);
    if (!ranges.some((r) => acceptMatches(r, answer))) return reject(406, `cannot answer in an accepted type`);
  }
  return { action: 'accept' };
}

/**
 * Checks a received response before it is matched to a client transaction (RFC 3261 §18.1.2, §8.1.3.3): a response
 * whose top Via is not ours, that carries more than one Via, or that lacks a mandatory header is discarded.
 * `isLocalVia` tells whether a Via sent-by is one this element inserts.
 */
export function validateResponse(res: SipResponse, isLocalVia: (via: Via) => boolean): Verdict {
  const via = res.via;
  const top = via[0];
  if (top === undefined) return { action: 'discard', detail: 'response without Via' };
  if (via.length > 1) return { action: 'discard', detail: 'response with more than one Via' };
  if (!isLocalVia(top)) return { action: 'discard', detail: 'top Via is not ours' };
  if (res.cseq === undefined || res.callId === undefined || res.from === undefined || res.to === undefined) {
    return { action: 'discard', detail: 'missing mandatory header' };
  }
  return { action: 'accept' };
}

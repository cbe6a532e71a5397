import { randomBytes } from 'node:crypto';
import { CSeq, Headers, NameAddr, SipRequest, headerKey, newBranch, newTag, parseUri, type Uri } from '../message/index.js';

export interface LocalIdentity {
  readonly viaTransport: string;
  readonly viaSentBy: string;
  /** Contact header value, e.g. `<sip:patchbay@127.0.0.1:5060>`. */
  readonly contact: string;
  readonly userAgent: string;
}

export interface OutOfDialogRequestOptions {
  readonly method: string;
  readonly uri: string | Uri;
  /** From address (name-addr text); default `<sip:patchbay@{sent-by host}>`. */
  readonly from?: string;
  /** To address; default the Request-URI. */
  readonly to?: string;
  readonly callId?: string;
  readonly cseq?: number;
  readonly fromTag?: string;
  readonly routes?: readonly string[];
  readonly headers?: ReadonlyArray<readonly [string, string]>;
  readonly body?: Buffer;
  readonly contentType?: string;
}

export const ALLOWED_METHODS = 'INVITE, ACK, CANCEL, BYE, OPTIONS, INFO, MESSAGE, REGISTER';

export function parseTargetUri(uri: string | Uri): Uri {
  if (typeof uri !== 'string') return uri;
  const parsed = parseUri(uri);
  if (!parsed.ok) throw new TypeError(`invalid Request-URI ${uri}: ${parsed.reason}`);
  return parsed.value;
}

/** A request outside any dialog (RFC 3261 §8.1.1): the six mandatory headers, Contact for INVITE, a fresh branch. */
export function createOutOfDialogRequest(local: LocalIdentity, options: OutOfDialogRequestOptions): SipRequest {
  const uri = parseTargetUri(options.uri);
  const headers = new Headers();
  // §8.1.1.7 branch with the magic cookie; RFC 3581 rport so responses come back to our source port.
  headers.append('Via', `SIP/2.0/${local.viaTransport} ${local.viaSentBy};branch=${newBranch()};rport`);
  headers.append('Max-Forwards', '70');
  for (const r of options.routes ?? []) headers.append('Route', r);
  const fromText = options.from ?? `<sip:patchbay@${local.viaSentBy.replace(/:\d+$/, '')}>`;
  const from = NameAddr.parse(fromText);
  if (!from.ok) throw new TypeError(`invalid From ${fromText}: ${from.reason}`);
  headers.append('From', from.value.withTag(options.fromTag ?? newTag()).toString());
  headers.append('To', options.to ?? `<${uri.toString()}>`);
  headers.append('Call-ID', options.callId ?? `${randomBytes(12).toString('hex')}`);
  // §8.1.1.5: any initial value below 2**31.
  headers.append('CSeq', new CSeq(options.cseq ?? 1 + Math.floor(Math.random() * 10_000), options.method).toString());
  // A Contact the caller supplies replaces ours: a REGISTER names exactly the bindings it asks for (§10.2.1).
  const ownContact = !(options.headers ?? []).some(([name]) => headerKey(name) === 'contact');
  if (ownContact && (options.method === 'INVITE' || options.method === 'SUBSCRIBE' || options.method === 'REGISTER')) {
    headers.append('Contact', local.contact);
  }
  if (options.method === 'INVITE') headers.append('Allow', ALLOWED_METHODS);
  headers.append('User-Agent', local.userAgent);
  for (const [n, v] of options.headers ?? []) headers.append(n, v);
  const body = options.body ?? Buffer.alloc(0);
  if (body.length > 0 && options.contentType) headers.append('Content-Type', options.contentType);
  headers.append('Content-Length', String(body.length));
  return new SipRequest({ method: options.method, uri, headers, body });
}

/**
 * The same request again with a new branch, the next CSeq and extra headers: used for the retry with credentials
 * after 401/407 (RFC 3261 §22.2: same Call-ID, From tag; CSeq incremented; §8.1.3.5 new transaction).
 */
export function cloneForRetry(request: SipRequest, extra: ReadonlyArray<readonly [string, string]>): SipRequest {
  const headers = new Headers();
  const cseq = request.cseq!;
  for (const field of request.headers) {
    if (field.key === 'via') continue;
    if (field.key === 'cseq') headers.append('CSeq', new CSeq(cseq.seq + 1, cseq.method).toString());
    else if (field.key === 'authorization' || field.key === 'proxy-authorization') continue;
    else headers.append(field.name, field.value);
  }
  const top = request.topVia!;
  headers.prepend('Via', top.withParam('branch', newBranch()).toString());
  for (const [n, v] of extra) headers.append(n, v);
  return new SipRequest({ method: request.method, uri: request.uri, headers, body: request.body });
}

/** §9.1: CANCEL with the INVITE's Request-URI, top Via (same branch), Call-ID, To, From, Route and CSeq number. */
export function createCancel(invite: SipRequest): SipRequest {
  const headers = new Headers();
  headers.append('Via', invite.topVia!.toString());
  headers.append('Max-Forwards', '70');
  for (const r of invite.headers.getAll('route')) headers.append('Route', r);
  headers.append('From', invite.headers.get('from')!);
  headers.append('To', invite.headers.get('to')!);
  headers.append('Call-ID', invite.callId!);
  headers.append('CSeq', new CSeq(invite.cseq!.seq, 'CANCEL').toString());
  headers.append('Content-Length', '0');
  return new SipRequest({ method: 'CANCEL', uri: invite.uri, headers });
}

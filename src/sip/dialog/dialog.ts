import {
  CSeq, Headers, NameAddr, SipRequest, newBranch, type SipResponse, type Uri,
} from '../message/index.js';

export type DialogState = 'early' | 'confirmed' | 'terminated';

/** RFC 3261 §12: a dialog is identified by Call-ID, local tag and remote tag. */
export interface DialogId {
  readonly callId: string;
  readonly localTag: string;
  readonly remoteTag: string;
}

export function dialogKey(id: DialogId): string {
  return `${id.callId}\u0000${id.localTag}\u0000${id.remoteTag}`;
}

/** Local parameters a dialog needs to build requests: our Via sent-by, transport, and Contact. */
export interface DialogLocal {
  readonly viaTransport: string;
  readonly viaSentBy: string;
  readonly contact: string;
}

export interface DialogInit {
  readonly id: DialogId;
  readonly state: 'early' | 'confirmed';
  readonly localUri: NameAddr;
  readonly remoteUri: NameAddr;
  readonly remoteTarget: Uri;
  /** Route set, in the order Route headers will be written. */
  readonly routeSet: readonly NameAddr[];
  readonly localSeq: number;
  readonly remoteSeq: number | undefined;
  readonly secure: boolean;
  readonly local: DialogLocal;
}

/** A reason to refuse an in-dialog request (§12.2.2). */
export type DialogRequestCheck = { ok: true } | { ok: false; status: 500; reason: string };

const TRANSITIONS: Readonly<Record<DialogState, readonly DialogState[]>> = {
  early: ['confirmed', 'terminated'],
  confirmed: ['terminated'],
  terminated: [],
};

/** Target refresh requests (§12.2, RFC 3311 UPDATE) replace the remote target with their Contact. */
const TARGET_REFRESH = new Set(['INVITE', 'UPDATE']);

/**
 * Dialog state of RFC 3261 §12: identifiers, sequence numbers, route set and remote target, and the construction of
 * requests within the dialog (§12.2.1.1). It does no I/O; the user agent core sends what it builds.
 */
export class Dialog {
  readonly id: DialogId;
  readonly localUri: NameAddr;
  readonly remoteUri: NameAddr;
  readonly secure: boolean;
  private current: DialogState;
  private target: Uri;
  private routes: readonly NameAddr[];
  private localSequence: number;
  private remoteSequence: number | undefined;
  private readonly local: DialogLocal;

  constructor(init: DialogInit) {
    this.id = init.id;
    this.current = init.state;
    this.localUri = init.localUri;
    this.remoteUri = init.remoteUri;
    this.target = init.remoteTarget;
    this.routes = init.routeSet;
    this.localSequence = init.localSeq;
    this.remoteSequence = init.remoteSeq;
    this.secure = init.secure;
    this.local = init.local;
  }

  /**
   * §12.1.1 UAS side: route set = Record-Route of the request in order, remote target = its Contact, remote sequence
   * = its CSeq; the local sequence number starts empty (we use a random start when we first send, §8.1.1.5).
   * RFC 2543 peers (RFC 4475 §3.4.1) may send no From tag — the remote tag is then empty, as §12.1.1 allows — and no
   * Contact, in which case the From URI is the best remote target there is.
   */
  static fromUasRequest(request: SipRequest, localTag: string, state: 'early' | 'confirmed', local: DialogLocal): Dialog | undefined {
    const from = request.from;
    const to = request.to;
    const cseq = request.cseq;
    const callId = request.callId;
    const contact = request.contact;
    if (!from || !to || !cseq || !callId || contact?.star) return undefined;
    const target = contact && contact.contacts[0] ? contact.contacts[0].uri : from.uri;
    return new Dialog({
      id: { callId, localTag, remoteTag: from.tag ?? '' },
      state,
      localUri: to.withTag(localTag),
      remoteUri: from,
      remoteTarget: target,
      routeSet: [...request.recordRoutes],
      localSeq: initialSequence(),
      remoteSeq: cseq.seq,
      secure: request.uri.scheme === 'sips',
      local,
    });
  }

  /**
   * §12.1.2 UAC side: route set = Record-Route of the response in reverse order, remote target = its Contact, local
   * sequence = the request's CSeq, remote sequence empty. Early for a 1xx with a To tag, confirmed for a 2xx.
   */
  static fromUacResponse(request: SipRequest, response: SipResponse, local: DialogLocal): Dialog | undefined {
    const from = request.from;
    const to = response.to;
    const cseq = request.cseq;
    const callId = request.callId;
    if (!from?.tag || !to?.tag || !cseq || !callId) return undefined;
    const contact = response.contact;
    // A 1xx without Contact still makes an early dialog; its target is fixed when one arrives (§12.1.2).
    const target = contact && !contact.star && contact.contacts[0] ? contact.contacts[0].uri : request.uri;
    return new Dialog({
      id: { callId, localTag: from.tag, remoteTag: to.tag },
      state: response.status >= 200 ? 'confirmed' : 'early',
      localUri: from,
      remoteUri: to,
      remoteTarget: target,
      routeSet: [...response.recordRoutes].reverse(),
      localSeq: cseq.seq,
      remoteSeq: undefined,
      secure: request.uri.scheme === 'sips',
      local,
    });
  }

  get state(): DialogState {
    return this.current;
  }

  get key(): string {
    return dialogKey(this.id);
  }

  get remoteTarget(): Uri {
    return this.target;
  }

  get routeSet(): readonly NameAddr[] {
    return this.routes;
  }

  get localSeq(): number {
    return this.localSequence;
  }

  get remoteSeq(): number | undefined {
    return this.remoteSequence;
  }

  /** The one place the dialog state changes; the from→to pair is checked against the table. */
  private transition(to: DialogState): void {
    if (!TRANSITIONS[this.current].includes(to)) throw new Error(`Dialog: illegal transition ${this.current} -> ${to}`);
    this.current = to;
  }

  /**
   * §13.2.2.4: a 2xx confirms an early dialog and recomputes the route set from its Record-Route (§12.2.1.2);
   * on any 2xx to a target refresh the remote target becomes the 2xx's Contact.
   */
  receiveResponse(response: SipResponse, method: string): void {
    if (response.status >= 200 && response.status < 300 && this.current === 'early') {
      this.transition('confirmed');
      this.routes = [...response.recordRoutes].reverse();
    }
    if (response.status >= 200 && response.status < 300 && TARGET_REFRESH.has(method.toUpperCase())) this.refreshTarget(response);
  }

  /**
   * §12.2.2: an in-dialog request with a CSeq lower than the remote sequence number is out of order → 500. Otherwise
   * the remote sequence number is updated, and a target refresh replaces the remote target.
   */
  receiveRequest(request: SipRequest): DialogRequestCheck {
    const cseq = request.cseq;
    if (!cseq) return { ok: false, status: 500, reason: 'missing CSeq' };
    // ACK and CANCEL carry the CSeq number of the request they belong to (§13.2.2.4, §9.1).
    if (request.method !== 'ACK' && request.method !== 'CANCEL') {
      if (this.remoteSequence !== undefined && cseq.seq <= this.remoteSequence) {
        return { ok: false, status: 500, reason: 'CSeq out of order' };
      }
      this.remoteSequence = cseq.seq;
    }
    if (TARGET_REFRESH.has(request.method)) this.refreshTarget(request);
    return { ok: true };
  }

  private refreshTarget(message: SipRequest | SipResponse): void {
    const contact = message.contact;
    if (contact && !contact.star && contact.contacts[0]) this.target = contact.contacts[0].uri;
  }

  /** Ends the dialog (BYE sent or received, 2xx never ACKed, final failure of an early dialog). Idempotent. */
  terminate(): void {
    if (this.current !== 'terminated') this.transition('terminated');
  }

  /**
   * §12.2.1.1: a request within the dialog. To = remote URI with remote tag, From = local URI with local tag,
   * CSeq = next local sequence number (ACK reuses the INVITE's, §13.2.2.4), Request-URI and Route from the route set
   * (loose routing as in §12.2.1.1; a strict first route becomes the Request-URI and the remote target goes last).
   */
  createRequest(method: string, options: { cseq?: number; body?: Buffer; contentType?: string; headers?: ReadonlyArray<readonly [string, string]> } = {}): SipRequest {
    if (this.current === 'terminated' && method !== 'ACK') throw new Error(`Dialog terminated: cannot send ${method}`);
    let seq: number;
    if (options.cseq !== undefined) seq = options.cseq;
    else seq = ++this.localSequence;
    const headers = new Headers();
    headers.append('Via', `SIP/2.0/${this.local.viaTransport} ${this.local.viaSentBy};branch=${newBranch()};rport`);
    headers.append('Max-Forwards', '70');
    let requestUri: Uri = this.target;
    let routes = this.routes.map((r) => r.toString());
    const first = this.routes[0];
    if (first && first.uri.kind === 'sip' && first.uri.param('lr') === undefined) {
      // §12.2.1.1 strict routing: the first route is the Request-URI, the remote target is appended as last route.
      requestUri = first.uri;
      routes = [...this.routes.slice(1).map((r) => r.toString()), `<${this.target.toString()}>`];
    }
    for (const r of routes) headers.append('Route', r);
    headers.append('From', this.localUri.toString());
    headers.append('To', this.remoteUri.toString());
    headers.append('Call-ID', this.id.callId);
    headers.append('CSeq', new CSeq(seq, method).toString());
    if (method !== 'ACK' && method !== 'CANCEL' && method !== 'BYE') headers.append('Contact', this.local.contact);
    for (const [n, v] of options.headers ?? []) headers.append(n, v);
    const body = options.body ?? Buffer.alloc(0);
    if (body.length > 0 && options.contentType) headers.append('Content-Type', options.contentType);
    headers.append('Content-Length', String(body.length));
    return new SipRequest({ method, uri: requestUri, headers, body });
  }
}

/** §8.1.1.5: the initial CSeq is arbitrary but below 2**31; a small random start keeps room for re-INVITEs. */
function initialSequence(): number {
  return 1 + Math.floor(Math.random() * 10_000);
}

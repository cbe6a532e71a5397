import { type AdmissionControl, alwaysAdmit, silentLogger, systemClock, type Clock, type Logger } from '../../core/index.js';
import { DigestClient } from '../auth/index.js';
import { dialogKey, type Dialog, type DialogLocal } from '../dialog/index.js';
import {
  DEFAULT_UAS_POLICY, SipRequest, createErrorResponse, parseMessage, validateRequest, validateResponse,
  type SipResponse, type UasPolicy, type Uri,
} from '../message/index.js';
import {
  InviteServerTransaction, TransactionLayer, createNon2xxAck, type InviteClientTransaction,
  type InviteClientTransactionUser, type NonInviteClientTransaction, type NonInviteClientTransactionUser,
  type ServerTransaction, type TimerSettings, type TimerTable, type TransactionTransport,
} from '../transaction/index.js';
import { IncomingLeg } from './incoming-leg.js';
import { IncomingRequest } from './incoming-request.js';
import { nextHop, requestKeyView, responseEvent, type ResponseEvent } from './message-views.js';
import { OutgoingLeg, type Credentials } from './outgoing-leg.js';
import {
  ALLOWED_METHODS, cloneForRetry, createOutOfDialogRequest, type LocalIdentity,
} from './request-factory.js';
import { InvalidStateError, SipError } from './sip-error.js';
import type { DialogUsage, ServerTransactionHandle, UaCore } from './ua-core.js';
import { UasResponder } from './uas-responder.js';
import { replyDestination, type Source } from '../transport/index.js';
import type { Endpoint, UaTransport } from './ua-transport.js';

/** Methods that exist only within a dialog (§15.1.2, §12.2.2): out of one they get 481. */
const IN_DIALOG_ONLY = new Set(['BYE', 'INFO', 'UPDATE', 'PRACK']);

/** Out-of-dialog requests, dispatched by method (RFC 3261 §8.2). Every method optional (STYLE §4). */
export interface UserAgentDelegate {
  /** A new call. Without this method calls are rejected 480. */
  onInvite?(leg: IncomingLeg): void;
  /** Without this method REGISTER gets 405 (no registrar here). */
  onRegister?(request: IncomingRequest): void;
  /** Without this method OPTIONS gets 200 with Allow, Accept and Supported (§11.2). */
  onOptions?(request: IncomingRequest): void;
  /** Without this method MESSAGE gets 405. */
  onMessage?(request: IncomingRequest): void;
  /** Any other out-of-dialog method; without it, 405. */
  onRequest?(request: IncomingRequest): void;
}

export interface UserAgentOptions {
  readonly transport: UaTransport;
  readonly clock?: Clock;
  readonly logger?: Logger;
  /** T1/T2/T4 (§17.1.1.1); every timer A–M derives from them. */
  readonly timers?: Partial<TimerSettings>;
  readonly delegate?: UserAgentDelegate;
  /**
   * Host written into Via sent-by and Contact (§18.1.1), default the transport's local address. Set it when the
   * transport is bound to a wildcard address (0.0.0.0) or sits behind a known public address.
   */
  readonly host?: string;
  /**
   * An incoming call neither answered nor rejected within this time is rejected 480, and an outgoing one without its
   * own timeoutMs is CANCELled, so that no INVITE transaction lives forever. Default 180 000 ms (Timer C, §16.6).
   */
  readonly maxUnansweredMs?: number;
  /** User part of our Contact, default "patchbay". */
  readonly contactUser?: string;
  /** User-Agent / Server header value. */
  readonly userAgent?: string;
  /** What the UAS accepts (§8.2); default the message layer's DEFAULT_UAS_POLICY. */
  readonly policy?: UasPolicy;
  /** Asked before an out-of-dialog request starts new work; a refusal is answered 503 with Retry-After. */
  readonly admission?: AdmissionControl;
}

export interface InviteOptions {
  /** Request-URI, e.g. `sip:alice@127.0.0.1:5070`. */
  readonly uri: string | Uri;
  /** SDP offer. */
  readonly sdp: string;
  readonly from?: string;
  readonly to?: string;
  readonly headers?: ReadonlyArray<readonly [string, string]>;
  /** Pre-loaded Route set (outbound proxy), name-addr strings with ;lr. */
  readonly routes?: readonly string[];
  /** Answer one 401/407 with these (§22.2). */
  readonly credentials?: Credentials;
  /** CANCEL when not answered within this many ms; default the user agent's maxUnansweredMs. */
  readonly timeoutMs?: number;
  readonly delegate?: OutgoingLeg['delegate'];
}

export interface RequestOptions {
  readonly method: string;
  readonly uri: string | Uri;
  readonly from?: string;
  readonly to?: string;
  readonly headers?: ReadonlyArray<readonly [string, string]>;
  readonly routes?: readonly string[];
  readonly body?: Buffer;
  readonly contentType?: string;
  readonly credentials?: Credentials;
}

/**
 * The user agent core of RFC 3261 §8, §12–§15 over one transport: validates and dispatches requests, keeps the
 * dialog table, retransmits 2xx until ACK, builds ACKs for 2xx, and exposes call legs to the voice layer.
 */
export class UserAgent {
  private readonly transport: UaTransport;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly layer: TransactionLayer<ResponseEvent>;
  private readonly policy: UasPolicy;
  private readonly local: LocalIdentity & DialogLocal;
  private readonly dialogs = new Map<string, { dialog: Dialog; usage: DialogUsage }>();
  private readonly responder: UasResponder;
  /** Incoming calls not yet answered or rejected, by INVITE server transaction, for CANCEL (§9.2). */
  private readonly unanswered = new Map<InviteServerTransaction, IncomingLeg>();
  private readonly outgoing = new Set<OutgoingLeg>();
  private readonly pendingRequests = new Set<(error: Error) => void>();
  private readonly core: UaCore;
  delegate: UserAgentDelegate;
  private readonly advertisedHost: string;
  private readonly maxUnansweredMs: number;
  private readonly admission: AdmissionControl;
  private retransmissions = 0;
  private closed = false;

  constructor(options: UserAgentOptions) {
    this.transport = options.transport;
    this.clock = options.clock ?? systemClock;
    this.logger = options.logger ?? silentLogger();
    this.layer = new TransactionLayer<ResponseEvent>({ clock: this.clock, logger: this.logger, ...(options.timers ? { timers: options.timers } : {}) });
    this.policy = options.policy ?? DEFAULT_UAS_POLICY;
    this.delegate = options.delegate ?? {};
    const { port } = options.transport.local;
    const host = options.host ?? options.transport.local.host;
    this.advertisedHost = host.startsWith('[') ? host.slice(1, -1).toLowerCase() : host.toLowerCase();
    this.maxUnansweredMs = options.maxUnansweredMs ?? 180_000;
    this.admission = options.admission ?? alwaysAdmit;
    const hostPart = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
    const sentBy = `${hostPart}:${port}`;
    const transportParam = options.transport.protocol.toUpperCase() === 'UDP' ? '' : `;transport=${options.transport.protocol.toLowerCase()}`;
    this.local = {
      viaTransport: options.transport.protocol.toUpperCase(),
      viaSentBy: sentBy,
      contact: `<sip:${options.contactUser ?? 'patchbay'}@${sentBy}${transportParam}>`,
      userAgent: options.userAgent ?? 'Patchbay',
    };
    const timers = this.layer.timers(options.transport.reliable);
    this.responder = new UasResponder(this.clock, timers, options.transport.reliable, this.local.userAgent, this.logger);
    this.core = {
      clock: this.clock,
      logger: this.logger,
      timers,
      local: this.local,
      sendInvite: (request, user) => this.sendInvite(request, user),
      sendNonInvite: (request, user) => this.sendNonInvite(request, user),
      sendStateless: (request) => this.sendStateless(request),
      peerRetransmitted: () => {
        this.retransmissions++;
      },
      addDialog: (dialog, usage) => this.dialogs.set(dialog.key, { dialog, usage }),
      removeDialog: (dialog) => {
        if (this.dialogs.get(dialog.key)?.dialog === dialog) this.dialogs.delete(dialog.key);
      },
    };
  }

  get timers(): TimerTable {
    return this.core.timers;
  }

  /** Live transactions and dialogs, for tests and metrics. */
  /**
   * Messages peers sent again because our answer was late or lost: requests absorbed by their server transaction
   * (§17.2.1, §17.2.2) and retransmitted 2xx answered with the same ACK (§13.2.2.4). A busy node whose peers keep
   * retransmitting is answering too late: the evidence of overload that busy alone is not.
   */
  get retransmissionsReceived(): number {
    return this.retransmissions;
  }

  get stats(): { transactions: number; dialogs: number; pending2xx: number; outgoingLegs: number } {
    return {
      transactions: this.layer.size, dialogs: this.dialogs.size, pending2xx: this.responder.size, outgoingLegs: this.outgoing.size,
    };
  }

  // Outgoing -----------------------------------------------------------------------------------------------------

  /** Place a call: INVITE with an SDP offer (§13.2.1). Watch `leg.answer` and `leg.delegate`. */
  invite(options: InviteOptions): OutgoingLeg {
    this.assertOpen();
    const request = createOutOfDialogRequest(this.local, {
      method: 'INVITE',
      uri: options.uri,
      ...(options.from !== undefined ? { from: options.from } : {}),
      ...(options.to !== undefined ? { to: options.to } : {}),
      ...(options.routes ? { routes: options.routes } : {}),
      headers: options.headers ?? [],
      body: Buffer.from(options.sdp),
      contentType: 'application/sdp',
    });
    const leg: OutgoingLeg = new OutgoingLeg(this.core, request, {
      ...(options.credentials ? { credentials: options.credentials } : {}),
      // Bounded lifetime: an INVITE client transaction in Proceeding has no timer of its own (§17.1.1.2).
      timeoutMs: options.timeoutMs ?? this.maxUnansweredMs,
      // Tracked (for close) until it ends, whether it failed or was answered and hung up later.
      release: () => this.outgoing.delete(leg),
    });
    if (options.delegate) leg.delegate = options.delegate;
    this.outgoing.add(leg);
    leg.start();
    return leg;
  }

  /**
   * Send a request outside any dialog (OPTIONS, MESSAGE, REGISTER, …) and resolve with its final response, whatever
   * the status. One 401/407 is answered with the credentials if given (§22.2). Rejects SipError 408/503 on timeout or
   * transport error.
   */
  request(options: RequestOptions): Promise<SipResponse> {
    this.assertOpen();
    const method = options.method.toUpperCase();
    if (method === 'INVITE' || method === 'ACK' || method === 'CANCEL') {
      return Promise.reject(new TypeError(`${method} is not sent through request(); use invite()`));
    }
    const first = createOutOfDialogRequest(this.local, {
      method,
      uri: options.uri,
      ...(options.from !== undefined ? { from: options.from } : {}),
      ...(options.to !== undefined ? { to: options.to } : {}),
      ...(options.routes ? { routes: options.routes } : {}),
      headers: options.headers ?? [],
      ...(options.body ? { body: options.body } : {}),
      ...(options.contentType ? { contentType: options.contentType } : {}),
    });
    return new Promise<SipResponse>((resolve, reject) => {
      const done = (): void => {
        this.pendingRequests.delete(reject);
      };
      this.pendingRequests.add(reject);
      const attempt = (request: SipRequest, authTried: boolean): void => {
        this.sendNonInvite(request, {
          onResponse: ({ message }) => {
            if (message.status < 200) return;
            if ((message.status === 401 || message.status === 407) && options.credentials && !authTried) {
              const answer = new DigestClient(options.credentials).answer({
                challenges: message.headers.getAll(message.status === 401 ? 'www-authenticate' : 'proxy-authenticate'),
                method,
                uri: request.uri.toString(),
              });
              if (answer.ok) {
                attempt(cloneForRetry(request, [[message.status === 401 ? 'Authorization' : 'Proxy-Authorization', answer.value]]), true);
                return;
              }
            }
            done();
            resolve(message);
          },
          onTimeout: () => {
            done();
            reject(new SipError(408, 'Request Timeout'));
          },
          onTransportError: () => {
            done();
            reject(new SipError(503, 'Service Unavailable'));
          },
        });
      };
      attempt(first, false);
    });
  }

  private transportTo(destination: Endpoint): TransactionTransport {
    return new TransportTo(this.transport, destination);
  }

  private destinationOf(request: SipRequest): Endpoint {
    const hop = nextHop(request);
    if (!hop) throw new SipError(416, `cannot route to ${request.uri.toString()}`);
    return hop;
  }

  private sendInvite(request: SipRequest, user: InviteClientTransactionUser<ResponseEvent>): InviteClientTransaction<ResponseEvent> {
    this.assertOpen();
    return this.layer.sendInvite({
      branch: request.topVia!.branch!,
      request: request.serialize(),
      transport: this.transportTo(this.destinationOf(request)),
      buildAck: (event) => createNon2xxAck(request, event.message).serialize(),
      user,
    });
  }

  private sendNonInvite(request: SipRequest, user: NonInviteClientTransactionUser<ResponseEvent>): NonInviteClientTransaction<ResponseEvent> {
    this.assertOpen();
    return this.layer.sendNonInvite({
      branch: request.topVia!.branch!,
      method: request.method,
      request: request.serialize(),
      transport: this.transportTo(this.destinationOf(request)),
      user,
    });
  }

  private sendStateless(request: SipRequest): void {
    if (this.closed) return;
    this.transport.send(request.serialize(), this.destinationOf(request)).catch((error: unknown) => {
      this.logger.warn({ err: error, method: request.method }, 'sip stateless send failed');
    });
  }

  // Incoming -----------------------------------------------------------------------------------------------------

  /** Raw bytes from a transport: parse, answer unparseable requests with 400 (RFC 4475 §3.1.2), then {@link receive}. */
  receiveBytes(bytes: Buffer, source: Endpoint): void {
    if (this.closed) return;
    const parsed = parseMessage(bytes);
    if (parsed.ok) {
      this.receive(parsed.message, source);
      return;
    }
    this.logger.debug({ reason: parsed.reason, source }, 'sip message dropped as unparseable');
    const response = createErrorResponse(parsed);
    if (response) this.transport.send(response.serialize(), source).catch(() => undefined);
  }

  /**
   * A parsed message from the transport and where it came from: the transport layer's `Source` (this makes the user
   * agent a `TransportUser`), or a plain host/port. Responses go back to that address and connection (§18.2.2, RFC
   * 3581 symmetric response routing).
   */
  receive(message: SipRequest | SipResponse, source: Source | Endpoint): void {
    if (this.closed) return;
    try {
      if (message instanceof SipRequest) this.receiveRequest(message, 'address' in source ? replyDestination(source) : source);
      else this.receiveResponse(message);
    } catch (error) {
      // One bad message never takes the user agent down (DESIGN: a crash of one call never takes down another).
      this.logger.error({ err: error }, 'sip message handling failed');
    }
  }

  private receiveResponse(response: SipResponse): void {
    const verdict = validateResponse(response, (via) => this.isLocalVia(via.hostname, via.port));
    if (verdict.action !== 'accept') {
      this.logger.debug({ detail: verdict.action === 'discard' ? verdict.detail : '' }, 'sip response discarded');
      return;
    }
    if (!this.layer.receiveResponse(responseEvent(response))) this.logger.debug({ status: response.status }, 'stray sip response');
  }

  /** §18.1.2: a response whose top Via is not the one we write is discarded. */
  private isLocalVia(hostname: string, port: number | undefined): boolean {
    return hostname === this.advertisedHost && (port ?? 5060) === this.transport.local.port;
  }

  private receiveRequest(request: SipRequest, source: Endpoint): void {
    const verdict = validateRequest(request, this.policy);
    if (verdict.action === 'discard') return;
    const view = requestKeyView(request);
    const back = this.transportTo(source);
    const disposition = this.layer.receiveRequest(view, back);
    switch (disposition.kind) {
      case 'absorbed':
        if (view.method.toUpperCase() !== 'ACK') this.retransmissions++;
        return;
      case 'ack':
        if (verdict.action === 'accept') this.receiveAck(request);
        return;
      case 'merged': {
        // §8.2.2.2: the same request arrived twice by different paths.
        this.handle(request, disposition.transaction, back).respond(482);
        return;
      }
      case 'invite':
      case 'non-invite': {
        const handle = this.handle(request, disposition.transaction, back);
        if (verdict.action === 'reject') {
          // §8.2: 400/405/415/416/420/505 with the headers the RFC asks for (Unsupported, Accept, …).
          handle.respond(verdict.status, { headers: verdict.headers });
          return;
        }
        this.dispatch(request, handle, disposition.transaction);
        return;
      }
      default: {
        const never: never = disposition;
        throw new Error(`unknown disposition ${String(never)}`);
      }
    }
  }

  private dispatch(request: SipRequest, handle: ServerTransactionHandle, transaction: ServerTransaction): void {
    const method = request.method;
    if (method === 'CANCEL') {
      // §9.2: find the INVITE server transaction; none → 481; else 200 for the CANCEL, 487 for the INVITE.
      const invite = this.layer.findInviteForCancel(requestKeyView(request));
      if (!invite) {
        handle.respond(481);
        return;
      }
      handle.respond(200);
      this.unanswered.get(invite)?.receiveCancel();
      return;
    }
    const toTag = request.to?.tag;
    if (toTag !== undefined) {
      // §12.2.2: a request within a dialog.
      const key = dialogKey({ callId: request.callId ?? '', localTag: toTag, remoteTag: request.from?.tag ?? '' });
      const entry = this.dialogs.get(key);
      if (!entry) {
        handle.respond(481);
        return;
      }
      // §12.2.2, §13.3.1.4: a request from the peer within the dialog shows that our 2xx arrived even when its ACK
      // was lost: stop retransmitting that 2xx and settle it (accept() resolves) before handling the request.
      this.responder.receiveInDialogRequest(key, request.cseq?.seq ?? 0);
      // §17.2.1: a re-INVITE's answer may wait for the voice layer; a 100 Trying stops the retransmissions meanwhile.
      if (method === 'INVITE') handle.respond(100);
      const check = entry.dialog.receiveRequest(request);
      if (!check.ok) {
        handle.respond(check.status, { reason: check.reason });
        return;
      }
      entry.usage.receiveRequest(request, handle);
      return;
    }
    if (IN_DIALOG_ONLY.has(method)) {
      // §15.1.2 / §12.2.2: these only exist within a dialog, whatever the load.
      handle.respond(481);
      return;
    }
    // Out of dialog, new work: refused whole while overloaded, before any of it is done. §21.5.4: 503 with a
    // Retry-After; a proxy upstream tries another server (RFC 3263 §4.3). OPTIONS gets the answer an INVITE would
    // (§11.2), which tells a trunk's keepalive that this server takes no calls now.
    const retryAfter = this.admission.refuse();
    if (retryAfter !== undefined) {
      handle.respond(503, { headers: [['Retry-After', String(retryAfter)]] });
      return;
    }
    switch (method) {
      case 'INVITE': {
        // §17.2.1: a 100 Trying quenches INVITE retransmissions, needed only when the TU does not answer at once (the
        // RFC allows 200 ms). It goes out at the end of this turn — before any I/O, so no later than before — unless
        // the delegate already answered synchronously with a provisional or final response: one datagram less.
        if (transaction instanceof InviteServerTransaction) queueMicrotask(() => {
          if (!this.closed && transaction.state === 'proceeding' && transaction.lastStatus === undefined) handle.respond(100);
        });
        else handle.respond(100);
        // The CANCEL lookup holds the leg only while it is unanswered: the INVITE server transaction outlives the
        // answer by Timer L (32 s, RFC 6026 §8.7) and must not keep the leg, its request and dialog alive meanwhile.
        const invite = transaction instanceof InviteServerTransaction ? transaction : undefined;
        const leg = new IncomingLeg(this.core, handle, this.maxUnansweredMs, invite ? () => this.unanswered.delete(invite) : undefined);
        if (invite) this.unanswered.set(invite, leg);
        if (!this.delegate.onInvite) {
          leg.reject(480);
          return;
        }
        const onInvite = this.delegate.onInvite;
        this.safely(() => onInvite.call(this.delegate, leg));
        return;
      }
      case 'OPTIONS':
        this.dispatchTo(this.delegate.onOptions, handle, () =>
          // §11.2: the capabilities, as a 200.
          handle.respond(200, {
            headers: [
              ['Allow', ALLOWED_METHODS],
              ['Accept', 'application/sdp'],
              ['Accept-Encoding', 'identity'],
              ['Accept-Language', 'en'],
            ],
          }),
        );
        return;
      case 'REGISTER':
        this.dispatchTo(this.delegate.onRegister, handle, () => handle.respond(405, { headers: [['Allow', ALLOWED_METHODS]] }));
        return;
      case 'MESSAGE':
        this.dispatchTo(this.delegate.onMessage, handle, () => handle.respond(405, { headers: [['Allow', ALLOWED_METHODS]] }));
        return;
      default:
        this.dispatchTo(this.delegate.onRequest, handle, () => handle.respond(405, { headers: [['Allow', ALLOWED_METHODS]] }));
    }
  }

  private dispatchTo(
    method: ((request: IncomingRequest) => void) | undefined,
    handle: ServerTransactionHandle,
    fallback: () => void,
  ): void {
    if (!method) {
      fallback();
      return;
    }
    const incoming = new IncomingRequest(handle);
    const ok = this.safely(() => {
      method.call(this.delegate, incoming);
      return true;
    });
    if (!ok && !incoming.responded) handle.respond(500);
  }

  /** §13.3.1.4 / §17.2.3: the ACK for a 2xx reaches the core, stops the 2xx retransmission, goes to the dialog. */
  private receiveAck(request: SipRequest): void {
    this.responder.receiveAck(request);
    const key = dialogKey({ callId: request.callId ?? '', localTag: request.to?.tag ?? '', remoteTag: request.from?.tag ?? '' });
    this.dialogs.get(key)?.usage.receiveAck(request);
  }

  private handle(request: SipRequest, transaction: ServerTransaction, back: TransactionTransport): ServerTransactionHandle {
    return this.responder.handle(request, transaction, back);
  }

  private safely<T>(fn: () => T): T | undefined {
    try {
      return fn();
    } catch (error) {
      this.logger.error({ err: error }, 'user agent delegate threw');
      return undefined;
    }
  }

  private assertOpen(): void {
    if (this.closed) throw new InvalidStateError('UserAgent is closed');
  }

  /**
   * Close (STYLE §8): synchronous and idempotent. Every leg ends with reason 'closed', pending promises reject with
   * InvalidStateError, every transaction is aborted; nothing more is sent.
   */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const { usage } of [...this.dialogs.values()]) usage.parentClosed();
    for (const leg of [...this.outgoing]) leg.parentClosed();
    this.dialogs.clear();
    this.outgoing.clear();
    this.unanswered.clear();
    this.responder.close();
    for (const reject of [...this.pendingRequests]) reject(new InvalidStateError('UserAgent closed'));
    this.pendingRequests.clear();
    this.layer.close();
  }
}

/**
 * The way back to one address, as a transaction holds it for its lifetime (up to 32 s after its final response): a
 * plain object with a method rather than a closure per transaction.
 */
class TransportTo implements TransactionTransport {
  readonly reliable: boolean;

  constructor(
    private readonly transport: UaTransport,
    private readonly destination: Endpoint,
  ) {
    this.reliable = transport.reliable;
  }

  send(bytes: Uint8Array): Promise<void> {
    return this.transport.send(bytes, this.destination);
  }
}

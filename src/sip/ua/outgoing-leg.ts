import { DigestClient } from '../auth/index.js';
import { Dialog } from '../dialog/index.js';
import type { SipRequest, SipResponse } from '../message/index.js';
import type { InviteClientTransaction } from '../transaction/index.js';
import { CallLeg, type CallLegDelegate, type CallLegEndReason } from './call-leg.js';
import type { ResponseEvent } from './message-views.js';
import { cloneForRetry, createCancel } from './request-factory.js';
import { InvalidStateError, SipError } from './sip-error.js';
import type { UaCore } from './ua-core.js';

export interface Credentials {
  readonly username: string;
  readonly password: string;
}

export interface OutgoingLegDelegate extends CallLegDelegate {
  /** A provisional response (180, 183, …) with its early-media SDP if any. 100 Trying is not reported. */
  onProgress?(progress: { status: number; reason: string; sdp: string | undefined }): void;
}

/** The outcome of an answered call. */
export interface CallAnswer {
  readonly status: number;
  /** SDP answer of the 2xx. */
  readonly sdp: string;
  readonly response: SipResponse;
}

/**
 * A call placed by INVITE (the UAC side of RFC 3261 §13.2): reports provisional responses, answers one 401/407
 * digest challenge with the given credentials (§22.2), CANCELs on request or timeout (§9.1), and turns failures into
 * a {@link SipError} (3xx carrying its contacts).
 */
export class OutgoingLeg extends CallLeg<OutgoingLegDelegate> {
  /** Resolves on 2xx; rejects with SipError on 3xx–6xx, 408 on timeout, 503 on transport error, 487 when cancelled. */
  readonly answer: Promise<CallAnswer>;
  private request: SipRequest;
  private transaction: InviteClientTransaction<ResponseEvent> | undefined;
  private readonly credentials: Credentials | undefined;
  private authAttempted = false;
  private provisionalReceived = false;
  private cancelRequested = false;
  private cancelSent = false;
  private settle!: { resolve: (a: CallAnswer) => void; reject: (e: Error) => void };
  private settled = false;
  private timeout: ReturnType<UaCore['clock']['setTimeout']> | undefined;

  /** Called once when the leg ends, so the user agent stops tracking it. */
  private release: (() => void) | undefined;

  /** @internal Created by UserAgent.invite(). */
  constructor(
    core: UaCore,
    request: SipRequest,
    options: { credentials?: Credentials; timeoutMs?: number; release?: () => void },
  ) {
    super(core);
    this.release = options.release;
    this.request = request;
    this.credentials = options.credentials;
    this.localSdp = request.body.length > 0 ? request.body.toString('utf8') : undefined;
    this.answer = new Promise<CallAnswer>((resolve, reject) => {
      this.settle = { resolve, reject };
    });
    // The caller may never look at the answer (fire-and-forget hangups); do not crash the process on rejection.
    this.answer.catch(() => undefined);
    if (options.timeoutMs !== undefined) this.timeout = this.setTimer(options.timeoutMs, () => this.cancel());
  }

  get callId(): string {
    return this.request.callId ?? '';
  }

  /** The INVITE as last sent (after a digest retry, the one with credentials). */
  get invite(): SipRequest {
    return this.request;
  }

  /** @internal */
  start(): void {
    this.send();
  }

  private send(): void {
    const request = this.request;
    this.transaction = this.core.sendInvite(request, {
      onResponse: (event) => this.receiveResponse(request, event.message),
      onTimeout: () => this.fail(new SipError(408, 'Request Timeout')),
      onTransportError: () => this.fail(new SipError(503, 'Service Unavailable')),
    });
  }

  private receiveResponse(request: SipRequest, response: SipResponse): void {
    if (request !== this.request) return; // a late response to a superseded INVITE
    const status = response.status;
    if (status < 200) {
      if (status === 100) return;
      this.provisionalReceived = true;
      if (this.state === 'initial') this.transition('early');
      if (this.cancelRequested && !this.cancelSent) this.sendCancel();
      const sdp = response.body.length > 0 ? response.body.toString('utf8') : undefined;
      if (sdp) this.remoteSdpValue = sdp;
      this.safely(() => this.delegate.onProgress?.({ status, reason: response.reason, sdp }));
      return;
    }
    if (status < 300) {
      this.receive2xx(request, response);
      return;
    }
    // §22.2: one retry with credentials on 401 (WWW-Authenticate) or 407 (Proxy-Authenticate).
    if ((status === 401 || status === 407) && this.credentials && !this.authAttempted && !this.cancelRequested) {
      this.authAttempted = true;
      const challengeHeader = status === 401 ? 'www-authenticate' : 'proxy-authenticate';
      const answer = new DigestClient(this.credentials).answer({
        challenges: response.headers.getAll(challengeHeader),
        method: 'INVITE',
        uri: request.uri.toString(),
        body: request.body,
      });
      if (answer.ok) {
        this.request = cloneForRetry(request, [[status === 401 ? 'Authorization' : 'Proxy-Authorization', answer.value]]);
        this.provisionalReceived = false;
        this.send();
        return;
      }
    }
    const contacts = status < 400 && response.contact && !response.contact.star ? response.contact.contacts : [];
    this.fail(new SipError(status, response.reason, contacts));
  }

  private receive2xx(request: SipRequest, response: SipResponse): void {
    const toTag = response.to?.tag;
    if (this.dialog && this.dialog.id.remoteTag === toTag) {
      // §13.2.2.4: a retransmitted 2xx is ACKed again.
      this.ack2xx(response);
      return;
    }
    const dialog = Dialog.fromUacResponse(request, response, this.core.local);
    if (!dialog) return;
    if (this.dialog || this.state === 'ended') {
      // §13.2.2.4: a 2xx from another fork (or after we gave up): ACK it, then BYE it.
      const ack = dialog.createRequest('ACK', { cseq: response.cseq?.seq ?? dialog.localSeq });
      this.core.sendStateless(ack);
      this.core.sendNonInvite(dialog.createRequest('BYE'), {});
      return;
    }
    this.dialog = dialog;
    this.core.addDialog(dialog, this);
    this.ack2xx(response);
    this.transition('answered');
    this.clearTimer(this.timeout);
    const sdp = response.body.toString('utf8');
    if (sdp) this.remoteSdpValue = sdp;
    if (this.cancelRequested) {
      // The 2xx crossed our CANCEL (§9.1): the call exists, end it with BYE and report it as cancelled.
      this.finish(new SipError(487, 'Request Terminated'));
      void this.sendBye('cancelled');
      return;
    }
    this.finish(undefined, { status: response.status, sdp, response });
  }

  private sendCancel(): void {
    this.cancelSent = true;
    this.core.sendNonInvite(createCancel(this.request), {});
    // §9.1: without a final response 64*T1 after the CANCEL, the INVITE client transaction is given up.
    this.setTimer(64 * this.core.timers.T1, () => {
      this.transaction?.abort();
      this.fail(new SipError(487, 'Request Terminated'));
    });
  }

  private finish(error: Error | undefined, answer?: CallAnswer): void {
    if (this.settled) return;
    this.settled = true;
    if (error) this.settle.reject(error);
    else this.settle.resolve(answer!);
  }

  private fail(error: SipError): void {
    this.finish(error);
    if (this.state !== 'ended') this.end(error.status === 487 ? 'cancelled' : 'failed');
  }

  /**
   * CANCEL the INVITE (§9.1). Before any provisional response the CANCEL waits for one (§9.1: SHOULD NOT send before);
   * after the call is answered this does nothing — use hangup().
   */
  cancel(): void {
    if (this.state !== 'initial' && this.state !== 'early') return;
    if (this.cancelRequested) return;
    this.cancelRequested = true;
    if (this.provisionalReceived) this.sendCancel();
  }

  /** BYE an answered call (§15.1.1); CANCEL one that is not answered yet. Idempotent. */
  hangup(): Promise<void> {
    if (this.state === 'ended') return Promise.resolve();
    if (this.state !== 'answered') {
      this.cancel();
      return this.answer.then(
        () => undefined,
        () => undefined,
      );
    }
    return this.sendBye('bye-sent');
  }

  protected override onEnd(reason: CallLegEndReason): void {
    this.clearTimer(this.timeout);
    if (!this.settled) this.finish(reason === 'closed' ? new InvalidStateError('user agent closed') : new SipError(487, 'Request Terminated'));
    if (reason === 'closed') this.transaction?.abort();
    const release = this.release;
    this.release = undefined;
    release?.();
  }
}

import { Dialog } from '../dialog/index.js';
import { newTag, type NameAddr, type SipRequest } from '../message/index.js';
import { CallLeg, type CallLegDelegate } from './call-leg.js';
import { InvalidStateError, SipError } from './sip-error.js';
import type { RespondOptions, ServerTransactionHandle, UaCore } from './ua-core.js';

export interface IncomingLegDelegate extends CallLegDelegate {
  /** The caller cancelled before the call was answered (§9.2); the leg already answered the INVITE with 487. */
  onCancel?(): void;
}

/**
 * A call arriving by INVITE (the UAS side of RFC 3261 §13.3): progress with 180/183 (early media SDP allowed),
 * accept with an SDP answer, or reject; then the in-dialog behaviour of {@link CallLeg}.
 */
export class IncomingLeg extends CallLeg<IncomingLegDelegate> {
  readonly request: SipRequest;
  private readonly handle: ServerTransactionHandle;
  private readonly localTag = newTag();
  private cancelled = false;
  private readonly unansweredTimer: ReturnType<UaCore['clock']['setTimeout']>;

  /** Called once when the INVITE got its final response: CANCEL can no longer reach this leg. */
  private release: (() => void) | undefined;

  /** @internal Created by the UserAgent for each new INVITE outside a dialog. */
  constructor(core: UaCore, handle: ServerTransactionHandle, maxUnansweredMs: number, release?: () => void) {
    super(core);
    this.handle = handle;
    this.release = release;
    this.request = handle.request;
    this.remoteSdpValue = this.request.body.length > 0 ? this.request.body.toString('utf8') : undefined;
    // Bounded lifetime of the INVITE server transaction: an unanswered call is rejected 480 in the end.
    this.unansweredTimer = this.setTimer(maxUnansweredMs, () => {
      if (this.state === 'initial' || this.state === 'early') this.reject(480);
    });
  }

  get callId(): string {
    return this.request.callId ?? '';
  }

  /** The SDP offer of the INVITE, if it carried one (an offerless INVITE expects the offer in our 2xx, §13.2.1). */
  get offer(): string | undefined {
    return this.request.body.length > 0 ? this.request.body.toString('utf8') : undefined;
  }

  get from(): NameAddr | undefined {
    return this.request.from;
  }

  get to(): NameAddr | undefined {
    return this.request.to;
  }

  private responseOptions(status: number, extra: RespondOptions = {}): RespondOptions {
    const headers: Array<readonly [string, string]> = [];
    if (status < 300) {
      // §12.1.1: dialog-creating responses copy Record-Route and carry our Contact. (In a 3xx, Contact is the
      // redirection target list, §8.1.3.4, so only the caller's own Contacts go there.)
      headers.push(...this.request.headers.getAll('record-route').map((v) => ['Record-Route', v] as const));
      headers.push(['Contact', this.core.local.contact]);
    }
    headers.push(['Allow', 'INVITE, ACK, CANCEL, BYE, OPTIONS, INFO']);
    headers.push(...(extra.headers ?? []));
    return { ...extra, toTag: this.localTag, headers };
  }

  /** Send 180 Ringing or 183 Session Progress, the latter usually with early-media SDP. */
  progress(status: 180 | 183, sdp?: string): void {
    if (this.state !== 'initial' && this.state !== 'early') throw new InvalidStateError(`cannot send ${status} in state ${this.state}`);
    if (this.state === 'initial') this.transition('early');
    if (sdp !== undefined) this.localSdp = sdp;
    this.handle.respond(status, this.responseOptions(status, sdp !== undefined ? { body: Buffer.from(sdp), contentType: 'application/sdp' } : {}));
  }

  /**
   * Answer with 200 and the SDP answer. Resolves when the ACK arrives; rejects with SipError 408 when it never does
   * (the leg then sends BYE, §13.3.1.4).
   */
  accept(sdp: string): Promise<void> {
    if (this.state !== 'initial' && this.state !== 'early') return Promise.reject(new InvalidStateError(`cannot accept in state ${this.state}`));
    const dialog = Dialog.fromUasRequest(this.request, this.localTag, 'confirmed', this.core.local);
    if (!dialog) {
      // Without From tag or Contact no dialog can be formed (§12.1.1); the request was not valid for a call.
      this.reject(400, 'Missing Contact or From tag');
      return Promise.reject(new SipError(400, 'Missing Contact or From tag'));
    }
    this.transition('answered');
    this.settled();
    this.clearTimer(this.unansweredTimer);
    this.dialog = dialog;
    this.localSdp = sdp;
    this.core.addDialog(dialog, this);
    return this.track<void>((resolve, reject) => {
      this.handle.respondReliably(
        200,
        this.responseOptions(200, { body: Buffer.from(sdp), contentType: 'application/sdp' }),
        dialog,
        () => resolve(),
        () => {
          reject(new SipError(408, 'No ACK received'));
          void this.sendBye('no-ack');
        },
      );
    });
  }

  /**
   * Reject with a final response 300–699 (§13.3.1.3, e.g. 486 Busy Here, 603 Decline). Extra headers carry e.g. a
   * WWW-Authenticate challenge (401, §22.1) or the Contacts of a 3xx.
   */
  reject(status: number, reason?: string, headers: ReadonlyArray<readonly [string, string]> = []): void {
    if (status < 300 || status > 699) throw new RangeError(`reject needs a 3xx-6xx status, got ${status}`);
    if (this.state !== 'initial' && this.state !== 'early') throw new InvalidStateError(`cannot reject in state ${this.state}`);
    this.handle.respond(status, this.responseOptions(status, { ...(reason !== undefined ? { reason } : {}), headers }));
    this.end('rejected');
  }

  /** BYE an answered call; before answer it rejects with 480 Temporarily Unavailable. Idempotent. */
  hangup(): Promise<void> {
    if (this.state === 'ended') return Promise.resolve();
    if (this.state !== 'answered') {
      this.reject(480);
      return Promise.resolve();
    }
    return this.sendBye('bye-sent');
  }

  /** @internal §9.2: a CANCEL matched the INVITE; answer it 487 if still unanswered. */
  receiveCancel(): void {
    if (this.state !== 'initial' && this.state !== 'early') return;
    this.cancelled = true;
    this.handle.respond(487, this.responseOptions(487));
    this.end('cancelled');
    this.safely(() => this.delegate.onCancel?.());
  }

  protected override onEnd(): void {
    this.settled();
  }

  private settled(): void {
    const release = this.release;
    this.release = undefined;
    release?.();
  }

  get wasCancelled(): boolean {
    return this.cancelled;
  }
}

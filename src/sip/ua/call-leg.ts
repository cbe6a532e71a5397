import type { TimerHandle } from '../../core/index.js';
import type { Dialog } from '../dialog/index.js';
import type { SipRequest, SipResponse } from '../message/index.js';
import type { ResponseEvent } from './message-views.js';
import { InvalidStateError, SipError } from './sip-error.js';
import type { DialogUsage, ServerTransactionHandle, UaCore } from './ua-core.js';

export type CallLegState = 'initial' | 'early' | 'answered' | 'ended';

export type CallLegEndReason =
  | 'bye-received' | 'bye-sent' | 'cancelled' | 'rejected' | 'failed' | 'no-ack' | 'closed';

/** Events common to both legs; every method optional (STYLE §4). A throwing delegate is logged, never fatal. */
export interface CallLegDelegate {
  /**
   * A re-INVITE (hold, unhold, codec change, §14.2) with the new offer (undefined for an offerless re-INVITE); return
   * the SDP answer. Without this method the leg answers with its current local SDP.
   */
  onReinvite?(offer: string | undefined): Promise<string> | string;
  /** The remote party sent BYE (§15.1.2). */
  onBye?(): void;
  /** An INFO request within the dialog (RFC 6086), e.g. application/dtmf-relay. */
  onInfo?(info: { contentType: string | undefined; body: string }): void;
  /** The leg ended, whatever the cause. Called once. */
  onEnded?(reason: CallLegEndReason): void;
}

const TRANSITIONS: Readonly<Record<CallLegState, readonly CallLegState[]>> = {
  initial: ['early', 'answered', 'ended'],
  early: ['answered', 'ended'],
  answered: ['ended'],
  ended: [],
};

/**
 * The dialog-level behaviour shared by incoming and outgoing call legs (RFC 3261 §12–§15): BYE, re-INVITE sent and
 * received, INFO, and the ACK bookkeeping for 2xx responses.
 */
export abstract class CallLeg<D extends CallLegDelegate> implements DialogUsage {
  delegate: D = {} as D;
  protected dialog: Dialog | undefined;
  /** The SDP this side last sent in an offer or answer. */
  protected localSdp: string | undefined;
  /** The SDP the other side last sent. */
  protected remoteSdpValue: string | undefined;
  private current: CallLegState = 'initial';
  private endNotified = false;
  /** An outgoing re-INVITE in progress (§14.1: one at a time). */
  private reinviting = false;
  /** An incoming re-INVITE not yet ACKed (§14.2). */
  private reinvited = false;
  /** ACKs we sent for 2xx responses, by INVITE CSeq, to re-send on 2xx retransmissions (§13.2.2.4). */
  private readonly acks = new Map<number, SipRequest>();
  private readonly pendingRejects = new Set<(error: Error) => void>();
  private readonly timers = new Set<TimerHandle>();

  protected constructor(protected readonly core: UaCore) {}

  get state(): CallLegState {
    return this.current;
  }

  get remoteSdp(): string | undefined {
    return this.remoteSdpValue;
  }

  /** Call-ID of the call, for logs. */
  abstract get callId(): string;

  protected transition(to: CallLegState): void {
    if (!TRANSITIONS[this.current].includes(to)) throw new InvalidStateError(`call leg: illegal transition ${this.current} -> ${to}`);
    this.current = to;
  }

  /** Move to Ended, drop the dialog, cancel timers, reject pending requests, notify once. */
  protected end(reason: CallLegEndReason): void {
    if (this.current !== 'ended') this.transition('ended');
    if (this.dialog) {
      this.dialog.terminate();
      this.core.removeDialog(this.dialog);
    }
    for (const t of this.timers) this.core.clock.clearTimeout(t);
    this.timers.clear();
    for (const reject of [...this.pendingRejects]) reject(new InvalidStateError(`call leg ended (${reason})`));
    this.pendingRejects.clear();
    this.onEnd(reason);
    if (!this.endNotified) {
      this.endNotified = true;
      this.safely(() => this.delegate.onEnded?.(reason));
    }
  }

  /** Hook for subclasses to settle their own promises when the leg ends. */
  protected onEnd(_reason: CallLegEndReason): void {}

  protected safely<T>(fn: () => T): T | undefined {
    try {
      return fn();
    } catch (error) {
      this.core.logger.error({ err: error, callId: this.callId }, 'call leg delegate threw');
      return undefined;
    }
  }

  protected setTimer(ms: number, fn: () => void): TimerHandle {
    const handle = this.core.clock.setTimeout(() => {
      this.timers.delete(handle);
      fn();
    }, ms);
    this.timers.add(handle);
    return handle;
  }

  protected clearTimer(handle: TimerHandle | undefined): void {
    if (!handle) return;
    this.core.clock.clearTimeout(handle);
    this.timers.delete(handle);
  }

  /** A promise whose rejection the leg controls on close (STYLE §8: pending requests reject with InvalidStateError). */
  protected track<T>(executor: (resolve: (v: T) => void, reject: (e: Error) => void) => void): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const settle = (): void => {
        this.pendingRejects.delete(reject);
      };
      this.pendingRejects.add(reject);
      executor(
        (v) => {
          settle();
          resolve(v);
        },
        (e) => {
          settle();
          reject(e);
        },
      );
    });
  }

  /** §13.2.2.4: ACK a 2xx within the dialog (same CSeq number, new branch), remember it for retransmitted 2xx. */
  protected ack2xx(response: SipResponse): void {
    const dialog = this.dialog;
    const cseq = response.cseq?.seq;
    if (!dialog || cseq === undefined) return;
    let ack = this.acks.get(cseq);
    if (!ack) {
      ack = dialog.createRequest('ACK', { cseq });
      this.acks.set(cseq, ack);
    } else this.core.peerRetransmitted();
    this.core.sendStateless(ack);
  }

  /** Send BYE (§15.1.1) and end the leg at once; resolves when the BYE transaction completes. */
  protected sendBye(reason: CallLegEndReason): Promise<void> {
    const dialog = this.dialog;
    if (!dialog || dialog.state === 'terminated') {
      this.end(reason);
      return Promise.resolve();
    }
    const bye = dialog.createRequest('BYE');
    this.end(reason);
    return new Promise<void>((resolve) => {
      this.core.sendNonInvite(bye, {
        onResponse: (r) => {
          if (r.status >= 200) resolve();
        },
        onTimeout: () => resolve(),
        onTransportError: () => resolve(),
      });
    });
  }

  /** Send INFO within the dialog (RFC 6086), e.g. DTMF as application/dtmf-relay. Resolves on 2xx. */
  info(contentType: string, body: string): Promise<void> {
    const dialog = this.dialog;
    if (!dialog || this.current !== 'answered') return Promise.reject(new InvalidStateError('INFO needs an answered call'));
    const request = dialog.createRequest('INFO', { body: Buffer.from(body), contentType });
    return this.track<void>((resolve, reject) => {
      this.core.sendNonInvite(request, {
        onResponse: (r) => {
          if (r.status < 200) return;
          if (r.status < 300) resolve();
          else reject(new SipError(r.status, r.message.reason));
        },
        onTimeout: () => reject(new SipError(408, 'Request Timeout')),
        onTransportError: () => reject(new SipError(503, 'Service Unavailable')),
      });
    });
  }

  /**
   * Send a re-INVITE with a new offer (§14.1), e.g. hold (a=sendonly) or unhold. Resolves with the answer SDP.
   * A 491 (glare) or any other failure rejects with a SipError and leaves the session as it was (§14.1).
   */
  reinvite(sdp: string): Promise<string> {
    const dialog = this.dialog;
    if (!dialog || this.current !== 'answered') return Promise.reject(new InvalidStateError('re-INVITE needs an answered call'));
    if (this.reinviting || this.reinvited) return Promise.reject(new SipError(491, 'Request Pending'));
    this.reinviting = true;
    const request = dialog.createRequest('INVITE', { body: Buffer.from(sdp), contentType: 'application/sdp' });
    return this.track<string>((resolve, reject) => {
      let settled = false;
      const finish = (error: Error | undefined, answer?: string): void => {
        if (settled) return;
        settled = true;
        this.reinviting = false;
        if (error) reject(error);
        else resolve(answer ?? '');
      };
      this.core.sendInvite(request, {
        onResponse: (event: ResponseEvent) => {
          const r = event.message;
          if (r.status < 200) return;
          if (r.status < 300) {
            this.dialog?.receiveResponse(r, 'INVITE');
            this.ack2xx(r);
            if (settled) return;
            this.localSdp = sdp;
            const answer = r.body.toString('utf8');
            if (answer) this.remoteSdpValue = answer;
            finish(undefined, answer);
            return;
          }
          finish(new SipError(r.status, r.reason));
          // §14.1: a 408 or 481 to a re-INVITE ends the dialog.
          if (r.status === 408 || r.status === 481) void this.sendBye('failed');
        },
        onTimeout: () => {
          finish(new SipError(408, 'Request Timeout'));
          void this.sendBye('failed');
        },
        onTransportError: () => finish(new SipError(503, 'Service Unavailable')),
      });
    });
  }

  // DialogUsage -------------------------------------------------------------------------------------------------

  receiveRequest(request: SipRequest, handle: ServerTransactionHandle): void {
    const respond = (status: number, options?: { headers?: ReadonlyArray<readonly [string, string]> }): void => {
      handle.respond(status, options);
    };
    switch (request.method) {
      case 'BYE':
        // §15.1.2: answer 200 and end the session.
        respond(200);
        this.end('bye-received');
        this.safely(() => this.delegate.onBye?.());
        return;
      case 'INFO':
        respond(200);
        this.safely(() => this.delegate.onInfo?.({ contentType: request.contentType, body: request.body.toString('utf8') }));
        return;
      case 'OPTIONS':
        respond(200);
        return;
      case 'INVITE':
        this.receiveReinvite(request, handle);
        return;
      default:
        respond(405, { headers: [['Allow', 'INVITE, ACK, CANCEL, BYE, OPTIONS, INFO']] });
    }
  }

  private receiveReinvite(request: SipRequest, handle: ServerTransactionHandle): void {
    // §14.2: our own re-INVITE pending → 491; a previous incoming one not yet answered/ACKed → 500 with Retry-After.
    if (this.reinviting) {
      handle.respond(491);
      return;
    }
    const dialog = this.dialog;
    if (this.reinvited || !dialog || this.current !== 'answered') {
      handle.respond(500, { headers: [['Retry-After', '1']] });
      return;
    }
    this.reinvited = true;
    const offer = request.body.length > 0 ? request.body.toString('utf8') : undefined;
    if (offer) this.remoteSdpValue = offer;
    const handler = this.delegate.onReinvite;
    let answer: Promise<string>;
    try {
      answer = Promise.resolve(handler ? handler.call(this.delegate, offer) : (this.localSdp ?? ''));
    } catch (error) {
      answer = Promise.reject(error);
    }
    answer.then(
      (sdp) => {
        if (this.current !== 'answered') return;
        this.localSdp = sdp;
        handle.respondReliably(
          200,
          { body: Buffer.from(sdp), contentType: 'application/sdp' },
          dialog,
          () => {
            this.reinvited = false;
          },
          () => {
            this.reinvited = false;
            void this.sendBye('no-ack');
          },
        );
      },
      (error: unknown) => {
        this.reinvited = false;
        const status = error instanceof SipError ? error.status : 488;
        // §14.2: a rejected re-INVITE leaves the session unchanged.
        if (this.current === 'answered') handle.respond(status);
      },
    );
  }

  receiveAck(request: SipRequest): void {
    // §13.2.1 / RFC 3264 §5: after an offerless INVITE our 2xx carried the offer and the ACK carries the answer.
    if (request.body.length > 0) this.remoteSdpValue = request.body.toString('utf8');
  }

  parentClosed(): void {
    if (this.current === 'ended') return;
    this.end('closed');
  }
}

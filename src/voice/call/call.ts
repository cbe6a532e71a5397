/**
 * One inbound call (DESIGN voice/call): its status machine (reference §2.2), timestamps and record, its status
 * callbacks (§2.3), and the `CallControl` the TwiML interpreter drives — over one SIP `IncomingLeg` and one
 * `MediaSession`.
 *
 * Every status change is written to the store (in order, one write after another) before its status callback is
 * queued. A failure inside one call is logged with its CallSid and ends that call only.
 */
import type { Clock, Logger } from '../../core/index.js';
import { type MediaSession, parseDtmfInfo } from '../../media/index.js';
import { type IncomingLeg, SipError } from '../../sip/index.js';
import type { CallStatus, Store } from '../../store/index.js';
import type {
  AudioSource, CallControl, CallState, DialRequest, DialResult, PlayResult, RecordOptions, RecordResult,
} from '../twiml/call-control.js';
import type { DialParent } from '../dial/dialer.js';
import type { StandardCallParameters } from '../webhook/params.js';
import type { CallStatusCallbacks } from '../webhook/status-callback-sender.js';
import { type CallMediaServices, playSource, recordCaller } from './call-media.js';
import { CallRecordWriter } from './call-record-writer.js';

export type TerminalStatus = Extract<CallStatus, 'completed' | 'busy' | 'failed' | 'no-answer' | 'canceled'>;
type CallPhase = Extract<CallStatus, 'ringing' | 'in-progress'> | TerminalStatus;

const TRANSITIONS: Readonly<Record<CallPhase, readonly CallPhase[]>> = {
  ringing: ['in-progress', 'completed', 'busy', 'failed', 'no-answer', 'canceled'],
  'in-progress': ['completed', 'failed'],
  completed: [],
  busy: [],
  failed: [],
  'no-answer': [],
  canceled: [],
};

export class InvalidCallTransitionError extends Error {
  constructor(from: CallPhase, to: CallPhase) {
    super(`call: illegal transition ${from} -> ${to}`);
    this.name = 'InvalidCallTransitionError';
  }
}

export interface CallIdentity {
  sid: string;
  accountSid: string;
  from: string;
  to: string;
  phoneNumberSid: string | null;
  /** Who forwarded the call (SIP Diversion), when known. */
  forwardedFrom?: string | null;
}

/** What observers (the bus, metrics, the console) hear after each stored status change (STYLE item 7). */
export interface CallStatusEvent {
  callSid: string;
  accountSid: string;
  status: CallStatus;
  direction: 'inbound';
  /** Milliseconds since the epoch. */
  timestamp: number;
}

export interface CallOptions extends CallIdentity {
  leg: IncomingLeg;
  media: MediaSession;
  /** Our SDP sent in the 200 OK: the answer, or our offer when the INVITE had none (the ACK then answers it). */
  answerSdp: string;
  services: CallMediaServices;
  /** The number's or application's status callbacks; null when none is configured. */
  callbacks: CallStatusCallbacks | null;
  logger: Logger;
  /** Told after every stored status change; off the control path, a throwing observer is only logged. */
  observer?: (event: CallStatusEvent) => void;
  /** Places `<Dial>` child calls; absent: `<Dial>` is reported as unavailable. */
  dialer?: CallDialer;
}

/** What a call needs of the dialer (voice/dial): ring the targets and bridge this call to the one that answers. */
export interface CallDialer {
  dial(parent: DialParent, request: DialRequest): Promise<DialResult>;
}

export class Call implements CallControl {
  readonly sid: string;
  readonly accountSid: string;
  private phase: CallPhase = 'ringing';
  private answering: Promise<void> | null = null;
  private readonly endController = new AbortController();
  private startTime: number | null = null;
  private readonly createdAt: number;
  private readonly records: CallRecordWriter;
  private readonly store: Store;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private finishedResolve!: () => void;
  /** Resolves once the final status is stored and its callback queued. */
  readonly finished: Promise<void>;

  constructor(private readonly options: CallOptions) {
    this.sid = options.sid;
    this.accountSid = options.accountSid;
    this.store = options.services.store;
    this.clock = options.services.clock;
    this.logger = options.logger;
    this.createdAt = this.clock.now();
    this.finished = new Promise((resolve) => (this.finishedResolve = resolve));
    this.records = new CallRecordWriter({
      sid: this.sid, store: this.store, clock: this.clock, logger: this.logger,
      observe: (status, timestamp) => options.observer?.({ callSid: this.sid, accountSid: this.accountSid, status, direction: 'inbound', timestamp }),
    });
    const { leg, media } = options;
    media.onInactive = () => this.mediaTimedOut();
    leg.delegate = {
      onBye: () => this.finish('completed', null),
      onCancel: () => this.finish('no-answer', 487),
      // The leg reports its end before onBye/onCancel, so the reason decides the status here.
      onEnded: (reason) => {
        if (reason === 'cancelled') this.finish('no-answer', 487);
        else if (reason === 'no-ack' || reason === 'failed') this.finish('failed', reason === 'no-ack' ? 408 : null);
        else this.finish(this.phase === 'in-progress' ? 'completed' : 'no-answer', null);
      },
      onInfo: ({ contentType, body }) => {
        const key = parseDtmfInfo(contentType, body);
        if (key !== null) media.receiveSignalledDtmf(key);
      },
      onReinvite: (offer) => {
        if (offer === undefined) return options.answerSdp;
        try {
          return media.reanswer(offer);
        } catch (err) {
          this.logger.warn({ err }, 're-INVITE offer not acceptable');
          throw new SipError(488, 'Not Acceptable Here');
        }
      },
    };
  }

  /** Writes the call record (status `ringing`) and sends the `initiated` and `ringing` callbacks. Call once, first. */
  async create(): Promise<void> {
    const o = this.options;
    // As of creation, even if a CANCEL ends the call while the row is written.
    const ringing: StandardCallParameters = { ...this.parameters(), CallStatus: 'ringing' };
    // Part of the write chain: a CANCEL arriving meanwhile updates the row only after it exists.
    await this.records.run(() => this.store.calls.create({
      sid: this.sid, accountSid: this.accountSid, parentCallSid: null, to: o.to, from: o.from, phoneNumberSid: o.phoneNumberSid,
      status: 'ringing', startTime: null, endTime: null, duration: null, price: null, priceUnit: 'USD', direction: 'inbound',
      answeredBy: null, apiVersion: '2010-04-01', forwardedFrom: o.forwardedFrom ?? null, groupSid: null, callerName: null, queueTime: 0, trunkSid: null,
      dateCreated: this.createdAt, dateUpdated: this.createdAt,
    }));
    this.records.observe('ringing', this.createdAt);
    o.callbacks?.progress({ ...ringing, CallStatus: 'initiated' });
    o.callbacks?.progress(ringing);
  }

  /** The standard webhook parameters as they are now (reference §2.1). */
  parameters(): StandardCallParameters {
    const o = this.options;
    return {
      CallSid: this.sid, AccountSid: this.accountSid, From: o.from, To: o.to, Caller: o.from, Called: o.to,
      CallStatus: this.phase, ApiVersion: '2010-04-01', Direction: 'inbound',
      ...(o.forwardedFrom ? { ForwardedFrom: o.forwardedFrom } : {}),
    };
  }

  get status(): CallStatus {
    return this.phase;
  }

  get from(): string {
    return this.options.from;
  }

  get media(): MediaSession {
    return this.options.media;
  }

  get state(): CallState {
    if (this.phase === 'ringing') return 'ringing';
    return this.phase === 'in-progress' ? 'in-progress' : 'ended';
  }

  get ended(): AbortSignal {
    return this.endController.signal;
  }

  private transition(to: CallPhase): void {
    if (!TRANSITIONS[this.phase].includes(to)) throw new InvalidCallTransitionError(this.phase, to);
    this.phase = to;
  }

  // CallControl ------------------------------------------------------------------------------------------------

  answer(): Promise<void> {
    if (this.answering) return this.answering;
    if (this.phase !== 'ringing') return Promise.resolve();
    this.transition('in-progress');
    this.startTime = this.clock.now();
    const startTime = this.startTime;
    // Parameters as of this change: the callback runs after the store write, when the call may have moved on.
    const params = this.parameters();
    this.records.status({ status: 'in-progress', startTime }, () => this.options.callbacks?.progress(params));
    const { leg, media } = this.options;
    this.answering = leg.accept(this.options.answerSdp).then(
      () => {
        // Delayed offer (RFC 3261 §13.2.1): our 2xx carried the offer, the ACK carries the answer.
        if (!media.awaitingAnswer) return;
        try {
          media.completeOffer(leg.remoteSdp ?? '');
        } catch (err) {
          this.logger.warn({ err }, 'the ACK did not answer our offer usably');
          this.fail();
        }
      },
      (err: unknown) => {
        // No ACK (the leg sends BYE itself) or the leg ended meanwhile: the leg's onEnded settles the status.
        this.logger.warn({ err }, 'answer was not acknowledged');
        if (this.phase === 'in-progress') this.finish('failed', err instanceof SipError ? err.status : null);
      },
    );
    return this.answering;
  }

  async ringing(): Promise<void> {
    if (this.options.leg.state === 'initial') this.options.leg.progress(180);
  }

  async earlyMedia(): Promise<void> {
    const leg = this.options.leg;
    if (leg.state === 'initial' || leg.state === 'early') leg.progress(183, this.options.answerSdp);
  }

  async reject(reason: 'busy' | 'rejected'): Promise<void> {
    if (this.phase !== 'ringing') return this.hangup();
    const code = reason === 'busy' ? 486 : 603;
    // Final status first: the leg's own onEnded must not decide it.
    this.finish(reason === 'busy' ? 'busy' : 'no-answer', code);
    this.safeLeg(() => this.options.leg.reject(code));
  }

  /**
   * Ends the call: BYE when answered. An unanswered call is answered first and then hung up (reference §3.2 Reject:
   * every response other than `<Reject>` answers the call).
   */
  async hangup(): Promise<void> {
    if (this.phase === 'ringing') await this.answer();
    if (this.phase !== 'in-progress') return;
    this.finish('completed', null);
    await this.options.leg.hangup().catch((err: unknown) => this.logger.warn({ err }, 'BYE failed'));
  }

  /** REST `Status=canceled` (or `completed` before answer): refuse the unanswered call with 487. */
  cancel(): void {
    if (this.phase !== 'ringing') return;
    this.finish('canceled', 487);
    this.safeLeg(() => this.options.leg.reject(487, 'Request Terminated'));
  }

  play(source: AudioSource, options: { signal: AbortSignal }): Promise<PlayResult> {
    return playSource(this.options.media, source, this.options.services, options.signal);
  }

  onDtmf(listener: (key: string) => void): () => void {
    return this.options.media.onDtmf((key) => listener(key));
  }

  record(options: RecordOptions): Promise<RecordResult> {
    return recordCaller(this.options.media, options, this.options.services, {
      accountSid: this.accountSid, callSid: this.sid, ended: this.ended, logger: this.logger,
    });
  }

  dial(request: DialRequest): Promise<DialResult> {
    if (!this.options.dialer) return Promise.reject(new Error('no dialer is configured'));
    return this.options.dialer.dial(this, request);
  }

  // Ending -----------------------------------------------------------------------------------------------------

  /** Moves to a final status once: media closed, `ended` fired, the record closed, the `completed` callback queued. */
  finish(status: TerminalStatus, sipResponseCode: number | null): void {
    if (!TRANSITIONS[this.phase].includes(status)) return; // already final
    this.transition(status);
    const endTime = this.clock.now();
    const duration = this.startTime === null ? 0 : Math.max(0, Math.round((endTime - this.startTime) / 1000));
    this.options.media.close();
    this.endController.abort(new Error(`call ${status}`));
    const params = this.parameters();
    // An answered call that ended normally reports the 200 of its answer.
    const code = sipResponseCode ?? (status === 'completed' && this.startTime !== null ? 200 : null);
    this.records.status({ status, endTime, duration, startTime: this.startTime ?? this.createdAt }, () => {
      this.options.callbacks?.progress(params, { callDurationSeconds: duration, ...(code !== null ? { sipResponseCode: code } : {}) });
    });
    void this.records.idle().then(() => this.finishedResolve());
  }

  /**
   * Ends the call at shutdown: 480 before answer (status failed), else BYE (status completed). Resolves when the BYE
   * transaction is over, so that the transports are not closed under it.
   */
  shutdown(): Promise<void> {
    if (this.phase === 'ringing') {
      this.finish('failed', 480);
      this.safeLeg(() => this.options.leg.reject(480));
      return Promise.resolve();
    }
    if (this.phase !== 'in-progress') return Promise.resolve();
    this.finish('completed', null);
    return this.options.leg.hangup().catch((err: unknown) => this.logger.warn({ err }, 'BYE failed'));
  }

  /** An internal error ended the call: refused with `status` before answer, BYE after; the call ends `failed`. */
  fail(status = 500): void {
    if (this.phase === 'ringing') {
      this.finish('failed', status);
      this.safeLeg(() => this.options.leg.reject(status));
    } else if (this.phase === 'in-progress') {
      this.finish('failed', null);
      void this.options.leg.hangup().catch((err: unknown) => this.logger.warn({ err }, 'BYE failed'));
    }
  }

  /** No RTP or RTCP for the configured time: the far end is gone without a BYE; hang up so the call ends (and bills) now. */
  private mediaTimedOut(): void {
    if (this.phase !== 'in-progress') return;
    this.logger.warn('no RTP or RTCP from the caller: hanging up');
    void this.hangup();
  }

  /** Synchronous variant of `shutdown()` for error paths: the BYE is sent, not waited for. */
  close(): void {
    void this.shutdown();
  }

  private safeLeg(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.logger.warn({ err }, 'SIP leg refused the operation');
    }
  }
}

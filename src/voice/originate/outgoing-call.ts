/**
 * One call we place: through the REST API (direction `outbound-api`, reference §1.2 Calls create) or as a `<Dial>`
 * child leg (`outbound-dial`, with its `ParentCallSid`; never queued). Its status machine from `queued` to a final
 * status (reference §2.2), the record updated before each status callback (§2.3), and the `CallControl` the TwiML
 * interpreter drives once the far end has answered — over one SIP `OutgoingLeg` and one `MediaSession` whose offer
 * went in the INVITE.
 */
import type { Logger } from '../../core/index.js';
import { type AmdDecision, type MediaSession, parseDtmfInfo } from '../../media/index.js';
import { type OutgoingLeg, SipError } from '../../sip/index.js';
import type { CallStatus } from '../../store/index.js';
import { type CallMediaServices, playSource, recordCaller } from '../call/call-media.js';
import type {
  AudioSource, CallControl, CallState, DialRequest, DialResult, MachineDetectionRequest, PlayResult, RecordOptions, RecordResult,
} from '../twiml/call-control.js';
import type { CallDialer } from '../call/call.js';
import { CallRecording, type CallRecordingOptions, type CallRecordingResult } from '../call/call-recording.js';
import { CallRecordWriter } from '../call/call-record-writer.js';
import type { RecordingStatusEvent } from '../twiml/types.js';
import type { StandardCallParameters } from '../webhook/params.js';
import type { CallStatusCallbacks } from '../webhook/status-callback-sender.js';
import { detectAnsweringMachine, machineDetectionParams } from './machine-detection.js';

export type OutgoingTerminal = Extract<CallStatus, 'completed' | 'busy' | 'failed' | 'no-answer' | 'canceled'>;
export type OutgoingPhase = Extract<CallStatus, 'queued' | 'initiated' | 'ringing' | 'in-progress'> | OutgoingTerminal;

const FINAL: readonly OutgoingPhase[] = ['completed', 'busy', 'failed', 'no-answer', 'canceled'];
const TRANSITIONS: Readonly<Record<OutgoingPhase, readonly OutgoingPhase[]>> = {
  queued: ['initiated', 'failed', 'canceled'],
  initiated: ['ringing', 'in-progress', 'busy', 'failed', 'no-answer', 'canceled'],
  ringing: ['in-progress', 'busy', 'failed', 'no-answer', 'canceled'],
  'in-progress': ['completed', 'failed'],
  completed: [],
  busy: [],
  failed: [],
  'no-answer': [],
  canceled: [],
};

export class InvalidOutgoingTransitionError extends Error {
  constructor(from: OutgoingPhase, to: OutgoingPhase) {
    super(`outgoing call: illegal transition ${from} -> ${to}`);
    this.name = 'InvalidOutgoingTransitionError';
  }
}

export type OutgoingDirection = 'outbound-api' | 'outbound-dial';

/** `Record=true` on an outbound-api call: recorded from answer to end (reference §1.2 Calls create). */
export interface OutgoingCallRecording {
  options: CallRecordingOptions;
  /** A recording status event (reference §2.4); `durationSeconds` is null while in progress. */
  onStatus(event: RecordingStatusEvent, recording: CallRecordingResult, durationSeconds: number | null): void;
}

export interface OutgoingCallStatusEvent {
  callSid: string;
  accountSid: string;
  status: CallStatus;
  direction: OutgoingDirection;
  /** Milliseconds since the epoch. */
  timestamp: number;
}

export interface OutgoingCallOptions {
  sid: string;
  accountSid: string;
  from: string;
  to: string;
  /** Default `outbound-api`. */
  direction?: OutgoingDirection;
  /** The call whose `<Dial>` placed this one. */
  parentCallSid?: string;
  /** When the record (status `queued`) was written. */
  createdAt: number;
  services: CallMediaServices;
  callbacks: CallStatusCallbacks | null;
  logger: Logger;
  /** Told after every stored status change; off the control path, a throwing observer is only logged. */
  observer?: (event: OutgoingCallStatusEvent) => void;
  recording?: OutgoingCallRecording;
  /** Places `<Dial>` child calls from this call's TwiML; absent for `<Dial>` legs themselves. */
  dialer?: CallDialer;
  /** A provisional response from the far end, with its early-media SDP if any (already applied to the media). */
  onProgress?: (progress: { status: number; earlyMedia: boolean }) => void;
}

/**
 * The SIP response status of a failed attempt → the call's final status (reference §2.3 examples: 486 busy, 487
 * timeout). `timedOut` is our own `Timeout` expiring (we sent CANCEL).
 */
export function finalStatusOf(status: number, timedOut: boolean): OutgoingTerminal {
  if (timedOut) return 'no-answer';
  if (status === 486 || status === 600) return 'busy';
  if (status === 408 || status === 480 || status === 487) return 'no-answer';
  return 'failed';
}

export class OutgoingCall implements CallControl {
  readonly sid: string;
  readonly accountSid: string;
  private phase: OutgoingPhase = 'queued';
  private leg: OutgoingLeg | null = null;
  private media_: MediaSession | null = null;
  private startTime: number | null = null;
  private endTime: number | null = null;
  private recording: Promise<CallRecording | null> | null = null;
  /** Answering machine detection's result, once there is one. */
  private machine: AmdDecision | null = null;
  private readonly records: CallRecordWriter;
  private readonly endController = new AbortController();
  private finishedResolve!: () => void;
  /** Resolves once the final status is stored and its callback queued. */
  readonly finished: Promise<void>;

  constructor(private readonly options: OutgoingCallOptions) {
    this.sid = options.sid;
    this.accountSid = options.accountSid;
    this.finished = new Promise((resolve) => (this.finishedResolve = resolve));
    this.records = new CallRecordWriter({
      sid: this.sid, store: options.services.store, clock: options.services.clock, logger: options.logger,
      observe: (status, timestamp) => options.observer?.({ callSid: this.sid, accountSid: this.accountSid, status, direction: this.direction, timestamp }),
    });
  }

  get status(): OutgoingPhase {
    return this.phase;
  }

  get isFinal(): boolean {
    return FINAL.includes(this.phase);
  }

  get state(): CallState {
    if (this.phase === 'in-progress') return 'in-progress';
    return this.isFinal ? 'ended' : 'ringing';
  }

  get ended(): AbortSignal {
    return this.endController.signal;
  }

  get from(): string {
    return this.options.from;
  }

  get direction(): OutgoingDirection {
    return this.options.direction ?? 'outbound-api';
  }

  /** The media of the current attempt; null before the INVITE goes out. */
  get media(): MediaSession | null {
    return this.media_;
  }

  /** Seconds since the far end answered (so far, or until the end); 0 when it never answered. */
  get durationSeconds(): number {
    if (this.startTime === null) return 0;
    return Math.max(0, Math.round(((this.endTime ?? this.options.services.clock.now()) - this.startTime) / 1000));
  }

  parameters(): StandardCallParameters {
    const o = this.options;
    return {
      CallSid: this.sid, AccountSid: this.accountSid, From: o.from, To: o.to, Caller: o.from, Called: o.to,
      CallStatus: this.phase, ApiVersion: '2010-04-01', Direction: this.direction,
      ...(o.parentCallSid ? { ParentCallSid: o.parentCallSid } : {}),
      ...(this.machine ? machineDetectionParams(this.machine) : {}),
    };
  }

  private transition(to: OutgoingPhase): void {
    if (!TRANSITIONS[this.phase].includes(to)) throw new InvalidOutgoingTransitionError(this.phase, to);
    this.phase = to;
  }

  /**
   * `queued` → `initiated`: the call leaves the queue and its INVITE is about to go. `stored`: the record says
   * `initiated` already (`CallRepository.initiateQueued`), so only the callback and observers follow.
   */
  initiated(options: { stored?: boolean } = {}): void {
    if (this.phase !== 'queued') return;
    this.transition('initiated');
    const params = this.parameters();
    this.records.status({ status: 'initiated' }, () => this.options.callbacks?.progress(params), options.stored);
  }

  /** The leg placing the call; its provisional responses, BYE and INFO now drive this call. */
  attach(leg: OutgoingLeg, media: MediaSession): void {
    this.leg = leg;
    this.media_ = media;
    // No RTP or RTCP for the configured time: the far end is gone without a BYE; hang up so the call ends now.
    media.onInactive = () => {
      if (this.phase !== 'in-progress') return;
      this.options.logger.warn('no RTP or RTCP from the far end: hanging up');
      void this.hangup();
    };
    leg.delegate = {
      onProgress: ({ status, sdp }) => {
        this.ringingReceived();
        // Early media (RFC 3960): a 183's SDP answers our offer, so its audio can be heard before the 2xx.
        let earlyMedia = false;
        if (sdp !== undefined && media.awaitingAnswer) {
          try {
            media.completeOffer(sdp);
            earlyMedia = true;
          } catch (err) {
            this.options.logger.warn({ err }, 'early-media SDP not usable');
          }
        }
        try {
          this.options.onProgress?.({ status, earlyMedia: earlyMedia || (sdp !== undefined && !media.awaitingAnswer) });
        } catch (err) {
          this.options.logger.error({ err }, 'progress listener threw');
        }
      },
      onBye: () => this.finish('completed', null),
      onEnded: (reason) => {
        if (this.phase === 'in-progress') this.finish(reason === 'failed' ? 'failed' : 'completed', null);
      },
      onInfo: ({ contentType, body }) => {
        const key = parseDtmfInfo(contentType, body);
        if (key !== null) media.receiveSignalledDtmf(key);
      },
      onReinvite: (offer) => {
        if (offer === undefined) return leg.invite.body.toString('utf8');
        try {
          return media.reanswer(offer);
        } catch (err) {
          this.options.logger.warn({ err }, 're-INVITE offer not acceptable');
          throw new SipError(488, 'Not Acceptable Here');
        }
      },
    };
  }

  /** 180/183 from the far end (the first one only moves the status). */
  ringingReceived(): void {
    if (this.phase !== 'initiated') return;
    this.transition('ringing');
    const params = this.parameters();
    this.records.status({ status: 'ringing' }, () => this.options.callbacks?.progress(params));
  }

  /** 2xx with its SDP answer: the call is `in-progress`. Throws when the answer is unusable (caller fails the call). */
  answered(sdp: string): void {
    if (this.phase !== 'initiated' && this.phase !== 'ringing') return;
    // After early media the offer is answered already; RFC 3261 §13.2.1 wants the same answer in the 2xx.
    if (this.media_?.awaitingAnswer) this.media_.completeOffer(sdp);
    this.transition('in-progress');
    this.startTime = this.options.services.clock.now();
    const params = this.parameters();
    this.records.status({ status: 'in-progress', startTime: this.startTime }, () => this.options.callbacks?.progress(params));
    if (this.options.recording && this.media_) this.startRecording(this.options.recording, this.media_);
  }

  private startRecording(spec: OutgoingCallRecording, media: MediaSession): void {
    const { services, logger } = this.options;
    this.recording = CallRecording.start((l) => media.onAudio(l), spec.options, {
      services, accountSid: this.accountSid, callSid: this.sid, logger,
    }).then(
      (recording) => {
        recording.attachOutbound((l) => media.onSentAudio(l));
        this.reportRecording(spec, 'in-progress', recording, null);
        return recording;
      },
      (err: unknown) => {
        logger.error({ err }, 'the call recording could not start');
        return null;
      },
    );
  }

  private reportRecording(spec: OutgoingCallRecording, event: RecordingStatusEvent, r: CallRecordingResult | CallRecording, duration: number | null): void {
    try {
      spec.onStatus(event, { recordingSid: r.recordingSid, url: r.url, startTime: r.startTime, channels: r.channels, durationSeconds: duration ?? 0 }, duration);
    } catch (err) {
      this.options.logger.error({ err }, 'recording status listener threw');
    }
  }

  /**
   * Answering machine detection on what the far end sends from now on (see `machine-detection.ts`). The result is
   * written to the record (`answered_by`) before this resolves, and every later webhook of the call carries it;
   * null when the call ends first or was never answered.
   */
  async detectMachine(request: MachineDetectionRequest): Promise<AmdDecision | null> {
    const media = this.media_;
    if (!media || this.phase !== 'in-progress') return null;
    const { services, logger } = this.options;
    const decision = await detectAnsweringMachine(media, request, services.clock, this.ended);
    if (!decision) return null;
    this.machine = decision;
    logger.info({ answeredBy: decision.answeredBy, reason: decision.reason, durationMs: decision.durationMs }, 'answering machine detection');
    await this.records.run(() => services.store.calls.update(this.sid, { answeredBy: decision.answeredBy, dateUpdated: services.clock.now() }))
      .catch((err: unknown) => logger.error({ err }, 'answered_by not stored'));
    return decision;
  }

  /** REST `Status=canceled` while queued: final at once, and no status callback fires (reference §2.2). */
  canceledWhileQueued(): void {
    if (this.phase !== 'queued') return;
    this.finish('canceled', null, { silent: true });
  }

  // CallControl ------------------------------------------------------------------------------------------------

  /** The call is answered by the far end before any TwiML runs. */
  async answer(): Promise<void> {}

  async ringing(): Promise<void> {}

  async reject(): Promise<void> {
    return this.hangup();
  }

  async hangup(): Promise<void> {
    if (this.phase === 'in-progress') {
      this.finish('completed', null);
      await this.leg?.hangup().catch((err: unknown) => this.options.logger.warn({ err }, 'BYE failed'));
      return;
    }
    if (this.phase === 'initiated' || this.phase === 'ringing') this.cancel();
  }

  /** REST `Status=canceled` (or `completed`) before answer: CANCEL the INVITE, final status `canceled`. */
  cancel(): void {
    if (this.phase === 'queued') return this.canceledWhileQueued();
    if (this.phase !== 'initiated' && this.phase !== 'ringing') return;
    this.finish('canceled', 487);
    this.leg?.cancel();
  }

  play(source: AudioSource, options: { signal: AbortSignal }): Promise<PlayResult> {
    if (!this.media_) return Promise.resolve({ kind: 'interrupted' });
    return playSource(this.media_, source, this.options.services, options.signal);
  }

  onDtmf(listener: (key: string) => void): () => void {
    return this.media_ ? this.media_.onDtmf((key) => listener(key)) : () => undefined;
  }

  record(options: RecordOptions): Promise<RecordResult> {
    if (!this.media_) return Promise.reject(new Error('the call has no media session'));
    return recordCaller(this.media_, options, this.options.services, {
      accountSid: this.accountSid, callSid: this.sid, ended: this.ended, logger: this.options.logger,
    });
  }

  dial(request: DialRequest): Promise<DialResult> {
    if (!this.options.dialer) return Promise.reject(new Error('no dialer is configured'));
    return this.options.dialer.dial(this, request);
  }

  // Ending -----------------------------------------------------------------------------------------------------

  /** Moves to a final status once: media closed, `ended` fired, the record closed, the `completed` callback queued. */
  finish(status: OutgoingTerminal, sipResponseCode: number | null, opts: { silent?: boolean } = {}): void {
    if (!TRANSITIONS[this.phase].includes(status)) return;
    this.transition(status);
    const clock = this.options.services.clock;
    const endTime = clock.now();
    this.endTime = endTime;
    const duration = this.durationSeconds;
    this.media_?.close();
    this.endController.abort(new Error(`call ${status}`));
    const params = this.parameters();
    const code = sipResponseCode ?? (status === 'completed' && this.startTime !== null ? 200 : null);
    // The recording is durable and listed before the `completed` callback names it (reference §2.3).
    let recorded: CallRecordingResult | null = null;
    const recording = this.recording;
    const spec = this.options.recording;
    if (recording && spec) {
      void this.records.run(async () => {
        const r = await recording;
        if (!r) return;
        try {
          recorded = await r.stop();
          this.reportRecording(spec, recorded.durationSeconds > 0 ? 'completed' : 'absent', recorded, recorded.durationSeconds);
        } catch (err) {
          this.options.logger.error({ err }, 'the call recording could not be stored');
        }
      });
    }
    this.records.status({ status, endTime, duration, ...(this.startTime !== null ? { startTime: this.startTime } : {}) }, () => {
      if (opts.silent) return;
      const r: CallRecordingResult | null = recorded;
      this.options.callbacks?.progress(params, {
        callDurationSeconds: duration, ...(code !== null ? { sipResponseCode: code } : {}),
        ...(r ? { recording: { url: r.url, sid: r.recordingSid, durationSeconds: r.durationSeconds } } : {}),
      });
    });
    void this.records.idle().then(() => this.finishedResolve());
  }

  /** At shutdown: CANCEL before answer (failed), BYE after (completed). */
  shutdown(): Promise<void> {
    if (this.phase === 'in-progress') return this.hangup();
    if (this.phase === 'initiated' || this.phase === 'ringing') {
      this.finish('failed', 480);
      this.leg?.cancel();
    }
    return Promise.resolve();
  }
}

/**
 * One `<Dial>` from ringing to the end of its bridge (reference §3.2 Dial, §2.5 action parameters):
 *
 * 1. Ringing. The targets ring all at once (the first to answer wins, the rest are canceled) or, with
 *    `sequential`, one after another. An answered caller hears ringback (`ringTone`) — or the first callee's early
 *    media when one sends 183 with SDP. With `answerOnBridge` the caller stays unanswered: 180, or 183 carrying the
 *    callee's early media, and the 200 OK only once the callee answers.
 * 2. The callee answered. Its `url` TwiML (the whisper) runs on it alone, then its `sendDigits`; a whisper that
 *    hangs up drops the callee and the caller goes on.
 * 3. Bridged. Media flows both ways (transcoded when the laws differ, DTMF relayed) until either side hangs up,
 *    `timeLimit`, `*` with `hangupOnStar`, a live redirect of either leg, or the caller's step signal.
 *
 * Recording follows `record`: from ringing or from answer, mono or dual channel.
 */
import type { Logger, TimerHandle } from '../../core/index.js';
import { type MediaBridge, type MediaSession, ringbackTone } from '../../media/index.js';
import type { Account } from '../../store/index.js';
import { createCallTwiml } from '../call-twiml.js';
import type { Destination } from '../originate/destinations.js';
import type { OutgoingCall } from '../originate/outgoing-call.js';
import { runMachineDetection } from '../originate/machine-detection.js';
import { placeCall } from '../originate/place-call.js';
import type { CallControl, DialCallStatus, DialRequest, DialResult, DialTarget } from '../twiml/call-control.js';
import { gather, hangup, pause, play, say } from '../twiml/verbs/index.js';
import type { VerbRegistry } from '../twiml/verb.js';
import { CallRecording, type CallRecordingResult } from '../call/call-recording.js';
import type { DialParent, DialerOptions } from './dialer.js';

export interface ResolvedTarget {
  target: DialTarget;
  destinations: Destination[];
  trunkSid: string | null;
}

/** Reference §3.2 Number `url`: the whisper may only Play, Say, Gather and Hang up (Pause is harmless silence). */
const WHISPER_VERBS: VerbRegistry = { Say: say, Play: play, Pause: pause, Gather: gather, Hangup: hangup };

export interface DialAttemptOptions {
  parent: DialParent;
  parentMedia: MediaSession;
  request: DialRequest;
  targets: readonly ResolvedTarget[];
  services: DialerOptions;
  account: Account;
  logger: Logger;
  /** Writes a child call's record and builds it; `onProgress` hears its provisional responses. */
  createChild(target: ResolvedTarget, onProgress: (child: OutgoingCall, progress: { status: number; earlyMedia: boolean }) => void): Promise<OutgoingCall>;
  /** Live control registry of the children: added when created, removed when the attempt is done with them. */
  live: { add(child: OutgoingCall, attempt: DialAttempt): void; remove(child: OutgoingCall): void };
}

/** What became of an answered callee that was never bridged (a whisper refused, the caller left meanwhile). */
function dialStatusOf(child: OutgoingCall): DialCallStatus {
  const status = child.status;
  return status === 'busy' || status === 'no-answer' || status === 'failed' || status === 'canceled' ? status : 'completed';
}

type BridgeEnd = 'parent-ended' | 'child-ended' | 'star' | 'time-limit' | 'signal' | 'child-redirected';

export class DialAttempt {
  private readonly children: OutgoingCall[] = [];
  /** Fires when the caller hangs up or the Dial's step signal fires: ringing children are canceled. */
  private readonly stop = new AbortController();
  private winner: OutgoingCall | null = null;
  private ringback: AbortController | null = null;
  private earlyBridge: { child: OutgoingCall; bridge: MediaBridge } | null = null;
  private recording: CallRecording | null = null;
  private redirected: OutgoingCall | null = null;
  private endBridge: ((why: BridgeEnd) => void) | null = null;
  /** Ends the winner's whisper early (a REST redirect of the child while it runs). */
  private endWhisper: (() => void) | null = null;

  constructor(private readonly options: DialAttemptOptions) {}

  async run(): Promise<DialResult> {
    const { parent, request } = this.options;
    const onStop = () => this.stop.abort();
    parent.ended.addEventListener('abort', onStop, { once: true });
    request.signal.addEventListener('abort', onStop, { once: true });
    if (parent.ended.aborted || request.signal.aborted) this.stop.abort();
    try {
      if (this.stop.signal.aborted) return this.result('canceled', null, false);
      // Reference §3.2: answerOnBridge keeps the caller unanswered until the callee answers; otherwise answer now.
      if (request.answerOnBridge && parent.state === 'ringing') await parent.ringing();
      else await parent.answer();
      if (request.record.startsWith('record-from-ringing')) await this.startRecording();
      this.startRingback();
      const winner = await this.ring();
      this.stopRingback();
      if (!winner) return this.unanswered();
      return await this.connect(winner);
    } finally {
      this.stopRingback();
      this.closeEarlyBridge();
      parent.ended.removeEventListener('abort', onStop);
      request.signal.removeEventListener('abort', onStop);
      for (const child of this.children) if (child !== this.redirected) this.options.live.remove(child);
    }
  }

  /**
   * Live control: the child leaves its whisper or the bridge to run other TwiML; the caller goes on after the Dial.
   * False when the child is neither in its whisper nor bridged by this attempt.
   */
  redirectChild(child: OutgoingCall): boolean {
    if (this.winner !== child || this.redirected !== null) return false;
    if (this.endBridge !== null) {
      this.redirected = child;
      this.endBridge('child-redirected');
      return true;
    }
    if (this.endWhisper !== null) {
      this.redirected = child;
      this.endWhisper();
      return true;
    }
    return false;
  }

  // Ringing ------------------------------------------------------------------------------------------------------

  private ring(): Promise<OutgoingCall | null> {
    return this.options.request.sequential ? this.ringInTurn() : this.ringAll();
  }

  private async ringInTurn(): Promise<OutgoingCall | null> {
    for (const target of this.options.targets) {
      if (this.stop.signal.aborted) return null;
      const child = await this.newChild(target);
      if (await this.place(child, target)) return child;
    }
    return null;
  }

  private async ringAll(): Promise<OutgoingCall | null> {
    const children = await Promise.all(this.options.targets.map((t) => this.newChild(t)));
    return new Promise((resolve) => {
      let pending = children.length;
      let chosen: OutgoingCall | null | undefined;
      const decide = (winner: OutgoingCall | null) => {
        if (chosen !== undefined) return;
        chosen = winner;
        // First answer wins; the others are canceled (reference §3.2 Dial).
        for (const other of children) if (other !== winner) void other.hangup();
        resolve(winner);
      };
      children.forEach((child, i) => {
        void this.place(child, this.options.targets[i]!).then((answered) => {
          if (answered && chosen === undefined && !this.stop.signal.aborted) decide(child);
          else if (answered && chosen !== child) void child.hangup(); // answered too late
          if (--pending === 0) decide(null);
        });
      });
    });
  }

  private async newChild(target: ResolvedTarget): Promise<OutgoingCall> {
    const child = await this.options.createChild(target, (c, progress) => this.progress(c, progress));
    this.children.push(child);
    this.options.live.add(child, this);
    return child;
  }

  /** Rings one child; a caller who hangs up or is redirected meanwhile cancels it. */
  private async place(child: OutgoingCall, target: ResolvedTarget): Promise<boolean> {
    const { request, services, logger } = this.options;
    const onStop = () => void child.hangup();
    this.stop.signal.addEventListener('abort', onStop, { once: true });
    try {
      if (this.stop.signal.aborted) {
        child.cancel();
        return false;
      }
      const answered = await placeCall(child, services, {
        destinations: target.destinations, caller: request.callerId ?? this.options.parent.from, timeoutMs: request.timeoutMs,
        headers: target.target.sipHeaders, logger: logger.child({ callSid: child.sid }),
      });
      // Reference §3.2 Number: detection on the callee runs beside the Dial and reports to amdStatusCallback.
      const amd = target.target.machineDetection;
      if (answered && amd) {
        void runMachineDetection(child, amd, services.webhooks.callbacks, this.options.account.authToken)
          .catch((err: unknown) => logger.error({ err, callSid: child.sid }, 'answering machine detection failed'));
      }
      return answered;
    } finally {
      this.stop.signal.removeEventListener('abort', onStop);
      if (this.earlyBridge?.child === child && child.isFinal) {
        this.closeEarlyBridge();
        this.startRingback();
      }
    }
  }

  /** A provisional response of a child: pass ringing on to an unanswered caller, or bridge its early media. */
  private progress(child: OutgoingCall, progress: { status: number; earlyMedia: boolean }): void {
    const { parent, parentMedia } = this.options;
    if (this.winner || this.stop.signal.aborted || child.isFinal) return;
    if (!progress.earlyMedia || this.earlyBridge || !child.media) return;
    // RFC 3960: the caller hears the callee's own early media (announcements, its ringback) instead of ours.
    this.stopRingback();
    if (parent.state === 'ringing') void parent.earlyMedia?.();
    this.earlyBridge = { child, bridge: parentMedia.bridgeWith(child.media) };
    this.recording?.attachOutbound((l) => child.media!.onAudio(l), child.media);
  }

  private startRingback(): void {
    const { parent, parentMedia, request } = this.options;
    if (this.ringback || this.earlyBridge || parent.state !== 'in-progress' || this.stop.signal.aborted) return;
    const ringback = new AbortController();
    this.ringback = ringback;
    void parentMedia.play(ringbackTone(request.ringTone ?? 'US'), ringback.signal);
  }

  private stopRingback(): void {
    this.ringback?.abort();
    this.ringback = null;
  }

  private closeEarlyBridge(): void {
    this.earlyBridge?.bridge.close();
    this.earlyBridge = null;
  }

  private unanswered(): Promise<DialResult> {
    if (this.stop.signal.aborted) return this.result('canceled', this.children.at(-1) ?? null, false);
    const statuses = this.children.map((c) => c.status);
    // Mixed outcomes of several callees: "nobody picked up" says most; busy only when someone was busy.
    const status: DialCallStatus = statuses.includes('no-answer') ? 'no-answer' : statuses.includes('busy') ? 'busy' : 'failed';
    return this.result(status, this.children.at(-1) ?? null, false);
  }

  // Answered -----------------------------------------------------------------------------------------------------

  private async connect(child: OutgoingCall): Promise<DialResult> {
    const { parent, parentMedia, request } = this.options;
    this.winner = child;
    if (this.earlyBridge?.child !== child) this.closeEarlyBridge();
    const target = this.options.targets[this.children.indexOf(child)] ?? this.options.targets[0]!;
    const childMedia = child.media!;

    if (target.target.whisper) {
      this.closeEarlyBridge();
      const stayed = await this.whisper(child, target.target.whisper);
      // Redirected away during its whisper: the callee answered but was never bridged, and is no longer ours.
      if (this.redirected === child) return this.result('completed', child, false, { redirected: true });
      if (!stayed) return this.result(dialStatusOf(child), child, false);
    }
    if (target.target.sendDigits && !child.isFinal) await child.play({ kind: 'digits', digits: target.target.sendDigits }, { signal: child.ended });
    if (parent.ended.aborted || this.stop.signal.aborted || child.isFinal) {
      await child.hangup();
      return this.result(dialStatusOf(child), child, false);
    }
    if (parent.state !== 'in-progress') await parent.answer();
    if (!this.recording && request.record.startsWith('record-from-answer')) await this.startRecording();
    this.recording?.attachOutbound((l) => childMedia.onAudio(l), childMedia);
    let bridge: MediaBridge;
    if (this.earlyBridge?.child === child) {
      bridge = this.earlyBridge.bridge; // the early-media bridge simply carries on
      this.earlyBridge = null;
    } else {
      this.closeEarlyBridge();
      bridge = parentMedia.bridgeWith(childMedia);
    }
    const why = await this.bridged(child);
    bridge.close();
    if (why === 'child-redirected') return this.result('completed', child, true, { redirected: true });
    if (!child.isFinal) await child.hangup();
    return this.result('completed', child, true);
  }

  /** Runs the whisper on the callee; true when the callee is still there to be bridged. */
  private async whisper(child: OutgoingCall, target: NonNullable<DialTarget['whisper']>): Promise<boolean> {
    const { services, account, logger } = this.options;
    // The interpreter hangs up at the end of a document; for a whisper that end means "bridge now", so the
    // whisper's own view of the call ignores it and the result tells a <Hangup> from the end of the document.
    const control: CallControl = {
      get state() {
        return child.state;
      },
      get ended() {
        return child.ended;
      },
      answer: async () => undefined,
      ringing: async () => undefined,
      reject: async () => undefined,
      hangup: async () => undefined,
      play: (source, o) => child.play(source, o),
      onDtmf: (listener) => child.onDtmf(listener),
      record: (o) => child.record(o),
    };
    const twiml = createCallTwiml({ ...services.webhooks, registry: WHISPER_VERBS, logger: logger.child({ callSid: child.sid }) }, {
      call: control, accountSid: child.accountSid, callSid: child.sid, authToken: account.authToken,
      parameters: () => child.parameters(), voice: target,
    });
    const onStop = () => twiml.interpreter.redirect({ kind: 'twiml', twiml: '<Response><Hangup/></Response>' });
    this.stop.signal.addEventListener('abort', onStop, { once: true });
    // A REST redirect ends the whisper where it is, leaving the callee up for its new TwiML.
    this.endWhisper = () => twiml.interpreter.redirect({ kind: 'twiml', twiml: '<Response/>' });
    try {
      const result = await twiml.run();
      if (result.kind === 'call-ended' || child.isFinal) return false;
      if (result.kind === 'hangup' && result.reason !== 'end-of-document' && result.reason !== 'played-response') {
        await child.hangup();
        return false;
      }
      return !this.stop.signal.aborted;
    } finally {
      this.endWhisper = null;
      this.stop.signal.removeEventListener('abort', onStop);
    }
  }

  /** Waits until the bridge ends and says why. */
  private bridged(child: OutgoingCall): Promise<BridgeEnd> {
    const { parent, parentMedia, request, services } = this.options;
    return new Promise((resolve) => {
      const cleanups: Array<() => void> = [];
      const end = (why: BridgeEnd) => {
        this.endBridge = null;
        for (const c of cleanups) c();
        resolve(why);
      };
      this.endBridge = end;
      const on = (signal: AbortSignal, why: BridgeEnd) => {
        const listener = () => end(why);
        signal.addEventListener('abort', listener, { once: true });
        cleanups.push(() => signal.removeEventListener('abort', listener));
      };
      on(parent.ended, 'parent-ended');
      on(child.ended, 'child-ended');
      on(request.signal, 'signal');
      const timer: TimerHandle = services.clock.setTimeout(() => end('time-limit'), request.timeLimitMs);
      cleanups.push(() => services.clock.clearTimeout(timer));
      if (request.hangupOnStar) cleanups.push(parentMedia.onDtmf((key) => key === '*' && end('star')));
      if (parent.ended.aborted) end('parent-ended');
      else if (child.ended.aborted) end('child-ended');
      else if (request.signal.aborted) end('signal');
    });
  }

  // Result -------------------------------------------------------------------------------------------------------

  private async startRecording(): Promise<void> {
    const { parent, parentMedia, request, services, logger } = this.options;
    this.recording = await CallRecording.start((l) => parentMedia.onAudio(l), {
      channels: request.record.endsWith('-dual') ? 2 : 1, track: request.recordingTrack, trim: request.trim, source: 'DialVerb',
    }, { services: services.media, accountSid: parent.accountSid, callSid: parent.sid, logger });
    const r = this.recording;
    try {
      request.onRecordingStarted?.({ recordingSid: r.recordingSid, url: r.url, startTime: r.startTime, channels: r.channels });
    } catch (err) {
      logger.error({ err }, 'recording listener threw');
    }
  }

  private async result(status: DialCallStatus, child: OutgoingCall | null, bridged: boolean, opts: { redirected?: boolean } = {}): Promise<DialResult> {
    let recording: CallRecordingResult | null = null;
    if (this.recording) recording = await this.recording.stop();
    // The child's record is final before the parent's action is requested.
    if (child?.isFinal) await child.finished;
    return {
      status,
      childCallSid: child?.sid ?? null,
      durationSeconds: opts.redirected || !child ? null : child.durationSeconds,
      bridged,
      recording,
      errors: [],
    };
  }
}

/**
 * Sending side of RFC 4733 DTMF (§2.5.1), driven by the shared playout clock: the owner calls `tick()` once per packet
 * interval (ptime) and suppresses its audio for that interval when `tick()` returns true.
 *
 * Per key press:
 *  - every packet carries the event's start timestamp — the media timestamp current when the key went down (§2.5.1.2);
 *  - the first packet has the marker bit set (§2.5.1.1), later ones extend the duration by one packet interval;
 *  - the final packet has the E bit and the total duration, and is sent three times, one per interval (§2.5.1.4);
 *  - each packet gets its own sequence number, as for any RTP data packet (RFC 3550 §5.1);
 *  - a gap (default 100 ms) of normal audio follows before the next key. `w` in the digit string pauses 500 ms and
 *    `W` one second (the `<Play digits>` convention).
 */
import { TelephoneEvent, digitToEvent } from './telephone-event.js';

/** What the sender needs from an RTP session. */
export interface TelephoneEventSink {
  /** The RTP timestamp the next media packet would carry. */
  readonly currentTimestamp: number;
  /** Send one telephone-event packet with the session's SSRC and next sequence number. */
  sendTelephoneEvent(payload: Uint8Array, timestamp: number, marker: boolean): void;
}

export interface DtmfSenderOptions {
  /** Tone duration per key, ms (default 100). */
  toneMs?: number;
  /** Gap after each key, ms (default 100). */
  gapMs?: number;
  /** Power level in -dBm0 (0-63, default 10). */
  volume?: number;
  /** Packet interval, ms (default 20). */
  ptimeMs?: number;
  clockRate?: number;
}

type Step = { kind: 'tone'; event: number } | { kind: 'pause'; ticks: number };

export class DtmfSender {
  private readonly samplesPerTick: number;
  private readonly toneSamples: number;
  private readonly gapTicks: number;
  private readonly volume: number;
  private readonly ticksPerMs: number;
  private readonly payload = new Uint8Array(4);
  private readonly ev = new TelephoneEvent();
  private queue: Step[] = [];
  private current: Step | undefined;
  private eventTimestamp = 0;
  private elapsed = 0;
  private endsSent = 0;
  private pauseLeft = 0;
  private waiters: Array<{ resolve: () => void; remaining: number }> = [];
  private stepsDone = 0;
  private stepsQueued = 0;

  constructor(private readonly sink: TelephoneEventSink, options: DtmfSenderOptions = {}) {
    const ptime = options.ptimeMs ?? 20;
    const rate = options.clockRate ?? 8000;
    this.samplesPerTick = (ptime * rate) / 1000;
    this.toneSamples = Math.max(this.samplesPerTick, Math.round(((options.toneMs ?? 100) * rate) / 1000));
    this.gapTicks = Math.max(0, Math.round((options.gapMs ?? 100) / ptime));
    this.volume = options.volume ?? 10;
    this.ticksPerMs = 1 / ptime;
  }

  /**
   * Queue digits (0-9, *, #, A-D, w, W). Resolves when the last of them has been sent. Throws a RangeError on a
   * character that is not a DTMF digit.
   */
  send(digits: string): Promise<void> {
    const steps: Step[] = [];
    for (const ch of digits) {
      if (ch === 'w' || ch === 'W') {
        steps.push({ kind: 'pause', ticks: Math.round((ch === 'w' ? 500 : 1000) * this.ticksPerMs) });
        continue;
      }
      const event = digitToEvent(ch);
      if (event === undefined) throw new RangeError(`not a DTMF digit: ${JSON.stringify(ch)}`);
      steps.push({ kind: 'tone', event });
      if (this.gapTicks > 0) steps.push({ kind: 'pause', ticks: this.gapTicks });
    }
    this.queue.push(...steps);
    this.stepsQueued += steps.length;
    const target = this.stepsQueued;
    if (this.stepsDone >= target) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ resolve, remaining: target }));
  }

  /** Drop everything queued; a key in progress is ended properly (its end packets still go out). */
  cancel(): void {
    this.stepsDone += this.queue.length;
    this.queue = [];
    if (this.current?.kind === 'pause') this.completeStep();
    this.settle();
  }

  /** Whether anything is queued or in progress. */
  get busy(): boolean {
    return this.current !== undefined || this.queue.length > 0;
  }

  /** Advance one packet interval. Returns true when an event packet went out (the caller skips its audio). */
  tick(): boolean {
    if (this.current === undefined) {
      const next = this.queue.shift();
      if (next === undefined) return false;
      this.current = next;
      if (next.kind === 'tone') {
        this.eventTimestamp = this.sink.currentTimestamp;
        this.elapsed = 0;
        this.endsSent = 0;
      } else {
        this.pauseLeft = next.ticks;
      }
    }
    const step = this.current;
    if (step.kind === 'pause') {
      this.pauseLeft--;
      if (this.pauseLeft <= 0) this.completeStep();
      return false;
    }
    const ev = this.ev;
    ev.event = step.event;
    ev.volume = this.volume;
    const first = this.elapsed === 0 && this.endsSent === 0;
    if (this.elapsed < this.toneSamples) {
      this.elapsed = Math.min(this.toneSamples, this.elapsed + this.samplesPerTick);
    }
    ev.duration = Math.min(this.elapsed, 0xffff);
    ev.end = this.elapsed >= this.toneSamples;
    if (ev.end) this.endsSent++;
    ev.serializeInto(this.payload);
    this.sink.sendTelephoneEvent(this.payload, this.eventTimestamp, first);
    if (this.endsSent >= 3) this.completeStep();
    return true;
  }

  private completeStep(): void {
    this.current = undefined;
    this.stepsDone++;
    this.settle();
  }

  private settle(): void {
    if (this.waiters.length === 0) return;
    const still: typeof this.waiters = [];
    for (const w of this.waiters) {
      if (this.stepsDone >= w.remaining) w.resolve();
      else still.push(w);
    }
    this.waiters = still;
  }
}

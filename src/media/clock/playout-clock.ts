/**
 * The one shared packet clock that drives every outgoing stream (DESIGN: "one shared 20 ms clock … no timer per
 * call"). Streams subscribe a tick handler; each tick they send one frame.
 *
 * Drift-free: deadline n is `start + n × interval`, computed from the start time, never "previous fire + interval",
 * so timer lateness does not accumulate. When the event loop was busy and deadlines were missed, the missed ticks are
 * fired back-to-back (receivers' jitter buffers absorb a short burst better than a gap) up to `maxCatchUpTicks`; beyond
 * that the clock resynchronises to the grid and counts the skipped ticks.
 *
 * Accuracy: Node timers work in whole milliseconds of loop time, so they fire up to about a millisecond early or late.
 * With `earlyWakeMs` > 0 the timer is armed that much before the deadline. A remainder of at most `blockWaitMs` is
 * then slept out exactly with `Atomics.wait` (default 1 ms on the real clock): the thread blocks for under a
 * millisecond per tick, which costs no CPU, where the earlier way, re-polling with setImmediate until the deadline,
 * spun a core for 1-2 ms of every 20 ms tick (~10 % of a core with no stream at all, `bench/media.ts` measures it). A
 * longer remainder (or `blockWaitMs: 0`) is waited out with `poll` (setImmediate by default on the real clock). With
 * an injected test clock (FakeClock) neither is used unless passed.
 *
 * Lateness (actual fire time − deadline, per tick) is accumulated for mean and max, which the media benchmark
 * reports against its targets (mean ≤ 1 ms, worst ≤ 5 ms).
 */
import type { Clock, Logger, TimerHandle } from '../../core/index.js';
import { highResolutionClock } from './high-resolution-clock.js';

/** Called once per tick. `tick` counts from 1; `deadline` is the tick's scheduled time on the clock's scale. */
export type TickHandler = (tick: number, deadline: number) => void;

export interface PlayoutClockOptions {
  /** Time source (default: the high-resolution real clock). */
  clock?: Clock;
  /** Tick interval in ms (default 20, the usual G.711 ptime). */
  intervalMs?: number;
  /** Most missed ticks fired back-to-back before resynchronising (default 5). */
  maxCatchUpTicks?: number;
  /** Arm the timer this long before the deadline and poll the rest (default 1 on the real clock, 0 otherwise). */
  earlyWakeMs?: number;
  /**
   * Longest remainder before a deadline to sleep out by blocking the thread (`Atomics.wait`, sub-millisecond exact)
   * instead of polling (default 1 on the real clock, 0 otherwise).
   */
  blockWaitMs?: number;
  /** How to wait out a longer last part before a deadline (default setImmediate on the real clock). */
  poll?: (callback: () => void) => void;
  logger?: Logger;
}

export interface PlayoutClockStats {
  ticks: number;
  /** Ticks fired late enough to be part of a back-to-back catch-up. */
  caughtUp: number;
  /** Ticks skipped by resynchronisation. */
  skipped: number;
  resyncs: number;
  meanLatenessMs: number;
  maxLatenessMs: number;
  subscribers: number;
}

export class PlayoutClock {
  readonly intervalMs: number;
  private readonly clock: Clock;
  private readonly maxCatchUp: number;
  private readonly earlyWakeMs: number;
  private readonly poll: ((callback: () => void) => void) | undefined;
  private readonly blockWaitMs: number;
  /** A cell nobody notifies: `Atomics.wait` on it is a precise sleep. */
  private readonly sleepCell = new Int32Array(new SharedArrayBuffer(4));
  private readonly logger: Logger | undefined;
  private handlers: Array<TickHandler | null> = [];
  private live = 0;
  private dirty = false;
  private running = false;
  private timer: TimerHandle | undefined;
  private startTime = 0;
  private tickIndex = 0;
  private nextDeadline = 0;
  private ticks = 0;
  private caughtUp = 0;
  private skipped = 0;
  private resyncs = 0;
  private latenessSum = 0;
  private latenessMax = 0;
  private readonly onTimerBound = (): void => this.onTimer();

  constructor(options: PlayoutClockOptions = {}) {
    const real = options.clock === undefined;
    this.clock = options.clock ?? highResolutionClock;
    this.intervalMs = options.intervalMs ?? 20;
    this.maxCatchUp = options.maxCatchUpTicks ?? 5;
    this.earlyWakeMs = options.earlyWakeMs ?? (real ? 0.5 : 0);
    this.blockWaitMs = options.blockWaitMs ?? (real ? 1 : 0);
    this.poll = options.poll ?? (real ? (cb: () => void) => { setImmediate(cb); } : undefined);
    this.logger = options.logger;
    if (!(this.intervalMs > 0)) throw new RangeError('PlayoutClock interval must be positive');
  }

  /** Add a handler; the clock starts with its first subscriber. */
  subscribe(handler: TickHandler): void {
    this.handlers.push(handler);
    this.live++;
    if (!this.running) this.start();
  }

  /** Remove a handler (safe from inside a tick); the clock stops when none is left. */
  unsubscribe(handler: TickHandler): void {
    const i = this.handlers.indexOf(handler);
    if (i < 0) return;
    this.handlers[i] = null;
    this.dirty = true;
    this.live--;
    if (this.live === 0) this.stop();
  }

  get subscriberCount(): number {
    return this.live;
  }

  get isRunning(): boolean {
    return this.running;
  }

  stats(): PlayoutClockStats {
    return {
      ticks: this.ticks,
      caughtUp: this.caughtUp,
      skipped: this.skipped,
      resyncs: this.resyncs,
      meanLatenessMs: this.ticks === 0 ? 0 : this.latenessSum / this.ticks,
      maxLatenessMs: this.latenessMax,
      subscribers: this.live,
    };
  }

  resetStats(): void {
    this.ticks = 0;
    this.caughtUp = 0;
    this.skipped = 0;
    this.resyncs = 0;
    this.latenessSum = 0;
    this.latenessMax = 0;
  }

  /** Stop ticking and drop every handler. Idempotent. */
  close(): void {
    this.handlers = [];
    this.live = 0;
    this.stop();
  }

  private start(): void {
    this.running = true;
    this.startTime = this.clock.now();
    this.tickIndex = 1;
    this.nextDeadline = this.startTime + this.intervalMs;
    this.arm();
  }

  private stop(): void {
    this.running = false;
    this.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }

  private arm(): void {
    const delay = this.nextDeadline - this.earlyWakeMs - this.clock.now();
    this.timer = this.clock.setTimeout(this.onTimerBound, delay > 0 ? delay : 0);
  }

  private onTimer(): void {
    this.timer = undefined;
    if (!this.running) return;
    let now = this.clock.now();
    if (now < this.nextDeadline && this.nextDeadline - now <= this.blockWaitMs) {
      Atomics.wait(this.sleepCell, 0, 0, this.nextDeadline - now);
      now = this.clock.now();
    }
    if (now < this.nextDeadline && this.poll !== undefined) {
      this.poll(this.onTimerBound);
      return;
    }
    let fired = 0;
    while (this.nextDeadline <= now && fired < this.maxCatchUp && this.running) {
      const lateness = now - this.nextDeadline;
      this.ticks++;
      this.latenessSum += lateness;
      if (lateness > this.latenessMax) this.latenessMax = lateness;
      if (fired > 0) this.caughtUp++;
      this.fire(this.tickIndex, this.nextDeadline);
      fired++;
      this.tickIndex++;
      this.nextDeadline = this.startTime + this.tickIndex * this.intervalMs;
      now = this.clock.now();
    }
    if (!this.running) return;
    if (fired === 0) {
      // Woken early without a poll function (a coarse or fake clock): fire now, the grid is kept by the deadline.
      this.ticks++;
      this.fire(this.tickIndex, this.nextDeadline);
      this.tickIndex++;
      this.nextDeadline = this.startTime + this.tickIndex * this.intervalMs;
    } else if (this.nextDeadline <= now) {
      // Still behind after the catch-up cap: skip to the next deadline in the future, on the same grid.
      const behind = Math.floor((now - this.nextDeadline) / this.intervalMs) + 1;
      this.skipped += behind;
      this.resyncs++;
      this.tickIndex += behind;
      this.nextDeadline = this.startTime + this.tickIndex * this.intervalMs;
      this.logger?.warn({ skipped: behind }, 'playout clock fell behind and resynchronised');
    }
    this.arm();
  }

  private fire(tick: number, deadline: number): void {
    const handlers = this.handlers;
    const n = handlers.length;
    for (let i = 0; i < n; i++) {
      const h = handlers[i];
      if (h === null) continue;
      try {
        h(tick, deadline);
      } catch (err) {
        this.logger?.error({ err }, 'playout tick handler threw');
      }
    }
    if (this.dirty) {
      this.handlers = this.handlers.filter((h) => h !== null);
      this.dirty = false;
    }
  }
}

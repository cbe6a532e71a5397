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
 * Phases: the handlers are spread over `phases` groups, phase p ticking at `start + n × interval + p × interval /
 * phases` (each stream keeps its exact cadence), and a new handler joins the phase with the fewest. A tick sends one
 * packet per handler back to back, so the last packet of a tick leaves `handlers × cost per packet` after the
 * deadline; one burst of 2,000 streams at ~8 µs a packet would make the last ones 16 ms late. Twenty phases of 1 ms
 * keep each burst under a millisecond, and the event loop gets a turn (incoming packets, timers) between phases, as
 * media servers pace their output. Phases with no handler are not woken for. A remainder before a deadline shorter
 * than `blockWaitMs` (between busy phases, always) is not given to a timer, which cannot wait less than a
 * millisecond: the loop gets one turn through `poll`, then the rest is slept out.
 *
 * Lateness (when a phase's handlers started − its deadline) is accumulated for mean and max; `observe` sees each
 * phase's start and finish, from which the media benchmark derives every packet's lateness.
 */
import type { Clock, Logger, TimerHandle } from '../../core/index.js';
import { highResolutionClock } from './high-resolution-clock.js';

/**
 * Called once per tick. `tick` counts from 1; `deadline` is the tick's scheduled time on the clock's scale (that of
 * the handler's phase).
 */
export type TickHandler = (tick: number, deadline: number) => void;

/** Sees each phase's tick after its handlers ran: when it was due, when it started and finished, how many ran. */
export type TickObserver = (deadline: number, startedAt: number, finishedAt: number, handlers: number) => void;

export interface PlayoutClockOptions {
  /** Time source (default: the high-resolution real clock). */
  clock?: Clock;
  /** Tick interval in ms (default 20, the usual G.711 ptime). */
  intervalMs?: number;
  /** Phase groups per interval (default 20 on the real clock, 1 otherwise). */
  phases?: number;
  /** Most missed ticks (per phase) fired back-to-back before resynchronising (default 5). */
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
  /** Instrumentation: called after every phase's tick (the media benchmark's lateness per packet). */
  observe?: TickObserver;
  logger?: Logger;
}

export interface PlayoutClockStats {
  ticks: number;
  /** Ticks fired late enough to be part of a back-to-back catch-up. */
  caughtUp: number;
  /** Ticks (of a phase with handlers) skipped by resynchronisation. */
  skipped: number;
  resyncs: number;
  meanLatenessMs: number;
  maxLatenessMs: number;
  subscribers: number;
}

/** Node timers count whole milliseconds of loop time. */
const TIMER_RESOLUTION_MS = 1;

export class PlayoutClock {
  readonly intervalMs: number;
  readonly phases: number;
  private readonly clock: Clock;
  private readonly maxCatchUp: number;
  private readonly earlyWakeMs: number;
  private readonly poll: ((callback: () => void) => void) | undefined;
  private readonly blockWaitMs: number;
  /** A cell nobody notifies: `Atomics.wait` on it is a precise sleep. */
  private readonly sleepCell = new Int32Array(new SharedArrayBuffer(4));
  private readonly observe: TickObserver | undefined;
  private readonly logger: Logger | undefined;
  /** Handlers per phase; an unsubscribed one is nulled and the array compacted after its tick. */
  private groups: Array<Array<TickHandler | null>>;
  /** Live handlers per phase. */
  private readonly groupLive: number[];
  private readonly dirty: boolean[];
  private live = 0;
  private running = false;
  private timer: TimerHandle | undefined;
  /** A `poll` callback is outstanding (it cannot be cancelled: a restart while one is pending waits for it). */
  private polling = false;
  private startTime = 0;
  /** The next phase tick to fire, counted in phase steps (interval / phases) from the start; phase = slot % phases. */
  private slot = 0;
  /** The slot `advance()` last moved on from. */
  private scannedFrom = 0;
  private nextDeadline = 0;
  private ticks = 0;
  private caughtUp = 0;
  private skipped = 0;
  private resyncs = 0;
  private latenessSum = 0;
  private latenessMax = 0;
  private blocked = 0;
  private readonly onTimerBound = (): void => this.onTimer();

  constructor(options: PlayoutClockOptions = {}) {
    const real = options.clock === undefined;
    this.clock = options.clock ?? highResolutionClock;
    this.intervalMs = options.intervalMs ?? 20;
    this.phases = options.phases ?? (real ? 20 : 1);
    this.maxCatchUp = options.maxCatchUpTicks ?? 5;
    this.earlyWakeMs = options.earlyWakeMs ?? (real ? 0.5 : 0);
    this.blockWaitMs = options.blockWaitMs ?? (real ? 1 : 0);
    this.poll = options.poll ?? (real ? (cb: () => void) => { setImmediate(cb); } : undefined);
    this.observe = options.observe;
    this.logger = options.logger;
    if (!(this.intervalMs > 0)) throw new RangeError('PlayoutClock interval must be positive');
    if (!Number.isInteger(this.phases) || this.phases < 1) throw new RangeError('PlayoutClock phases must be a positive integer');
    this.groups = Array.from({ length: this.phases }, () => []);
    this.groupLive = new Array<number>(this.phases).fill(0);
    this.dirty = new Array<boolean>(this.phases).fill(false);
  }

  /** Add a handler to the phase with the fewest; the clock starts with its first subscriber. */
  subscribe(handler: TickHandler): void {
    let phase = 0;
    for (let p = 1; p < this.phases; p++) if (this.groupLive[p] < this.groupLive[phase]) phase = p;
    this.groups[phase].push(handler);
    this.groupLive[phase]++;
    this.live++;
    if (!this.running) this.start();
    else if (this.groupLive[phase] === 1) this.wake(phase);
  }

  /** Remove a handler (safe from inside a tick); the clock stops when none is left. */
  unsubscribe(handler: TickHandler): void {
    for (let p = 0; p < this.phases; p++) {
      const i = this.groups[p].indexOf(handler);
      if (i < 0) continue;
      this.groups[p][i] = null;
      this.dirty[p] = true;
      this.groupLive[p]--;
      this.live--;
      if (this.live === 0) this.stop();
      return;
    }
  }

  get subscriberCount(): number {
    return this.live;
  }

  get isRunning(): boolean {
    return this.running;
  }

  /** Milliseconds the thread has slept in `Atomics.wait` so far: busy for the event loop, but idle for the CPU. */
  get blockedMs(): number {
    return this.blocked;
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
    this.groups = Array.from({ length: this.phases }, () => []);
    this.groupLive.fill(0);
    this.dirty.fill(false);
    this.live = 0;
    this.stop();
  }

  private start(): void {
    this.running = true;
    this.startTime = this.clock.now();
    this.slot = 0;
    this.advance();
    if (!this.polling) this.arm();
  }

  private stop(): void {
    this.running = false;
    this.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Move to the next slot whose phase has handlers (there is one: the clock runs only while some are live). */
  private advance(): void {
    this.scannedFrom = this.slot;
    do this.slot++;
    while (this.groupLive[this.slot % this.phases] === 0 && this.live > 0);
    this.nextDeadline = this.deadlineOf(this.slot);
  }

  /**
   * A handler joined an empty phase, which `advance()` passed over: if that phase's next tick comes before the one the
   * timer waits for, wait for it instead. (Inside a tick or while polling, `this.timer` is unset and the next
   * `advance()` finds the phase by itself.)
   */
  private wake(phase: number): void {
    if (this.timer === undefined) return;
    let slot = this.scannedFrom + 1;
    while (slot % this.phases !== phase) slot++;
    if (slot >= this.slot || this.deadlineOf(slot) <= this.clock.now()) return;
    this.clock.clearTimeout(this.timer);
    this.slot = slot;
    this.nextDeadline = this.deadlineOf(slot);
    this.arm();
  }

  private deadlineOf(slot: number): number {
    return this.startTime + (slot * this.intervalMs) / this.phases;
  }

  private arm(): void {
    const now = this.clock.now();
    if (this.nextDeadline - now <= this.blockWaitMs && this.poll !== undefined) {
      this.pollAgain(this.poll);
      return;
    }
    const delay = this.nextDeadline - this.earlyWakeMs - now;
    this.timer = this.clock.setTimeout(this.onTimerBound, delay > 0 ? delay : 0);
  }

  private pollAgain(poll: (callback: () => void) => void): void {
    this.polling = true;
    poll(this.onTimerBound);
  }

  private onTimer(): void {
    this.timer = undefined;
    this.polling = false;
    if (!this.running) return;
    let now = this.clock.now();
    if (now < this.nextDeadline && this.nextDeadline - now <= this.blockWaitMs) {
      const before = now;
      Atomics.wait(this.sleepCell, 0, 0, this.nextDeadline - now);
      now = this.clock.now();
      this.blocked += now - before;
    }
    if (now < this.nextDeadline && this.poll !== undefined) {
      // Polled through the last stretch; woken much earlier (a restart while a poll was pending), a timer again.
      if (this.nextDeadline - now > this.earlyWakeMs + TIMER_RESOLUTION_MS) this.arm();
      else this.pollAgain(this.poll);
      return;
    }
    // At most maxCatchUp ticks of each phase back-to-back in one wake-up.
    const lastSlot = this.slot + this.maxCatchUp * this.phases;
    let fired = 0;
    while (this.nextDeadline <= now && this.slot < lastSlot && this.running) {
      if (fired > 0) this.caughtUp++;
      now = this.fire(now);
      fired++;
      this.advance();
    }
    if (!this.running) return;
    if (fired === 0) {
      // Woken early without a poll function (a coarse or fake clock): fire now, the grid is kept by the deadline.
      this.fire(now);
      this.advance();
    } else if (this.nextDeadline <= now) {
      // Still behind after the catch-up cap: skip to the next deadline in the future, on the same grid.
      let behind = 0;
      while (this.nextDeadline <= now && this.live > 0) {
        behind++;
        this.advance();
      }
      this.skipped += behind;
      this.resyncs++;
      this.logger?.warn({ skipped: behind }, 'playout clock fell behind and resynchronised');
    }
    this.arm();
  }

  /** Run the current slot's handlers, started at `now`; returns the time they finished. */
  private fire(now: number): number {
    const deadline = this.nextDeadline;
    const lateness = now > deadline ? now - deadline : 0;
    this.ticks++;
    this.latenessSum += lateness;
    if (lateness > this.latenessMax) this.latenessMax = lateness;
    const phase = this.slot % this.phases;
    const tick = Math.ceil(this.slot / this.phases);
    const handlers = this.groups[phase];
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
    if (this.dirty[phase]) {
      this.groups[phase] = this.groups[phase].filter((h) => h !== null);
      this.dirty[phase] = false;
    }
    const finished = this.clock.now();
    this.observe?.(deadline, now, finished, this.groupLive[phase]);
    return finished;
  }
}

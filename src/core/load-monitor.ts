import { performance } from 'node:perf_hooks';
import type { Clock, TimerHandle } from './clock.js';
import type { Logger } from './logger.js';

/**
 * Whether new work may start now. Overload control in its simplest form (RFC 5390 §5, RFC 7339 §1): work a server
 * cannot finish is refused at the edge, cheaply and early, so that what it already holds keeps its service.
 */
export interface AdmissionControl {
  /** Undefined: admit. A number: refuse, and ask the sender to retry after this many seconds (Retry-After). */
  refuse(): number | undefined;
  /** Whether work that can wait (queued outbound calls) should wait. Does not count as a refusal. */
  readonly overloaded: boolean;
}

/** Admits everything: overload control switched off. */
export const alwaysAdmit: AdmissionControl = { refuse: () => undefined, overloaded: false };

export interface LoadMonitorOptions {
  /**
   * Share of time (0–1] the event loop may be busy, smoothed over about `smoothingMs`, before new work is refused;
   * it is admitted again once the share falls below `threshold - hysteresis`.
   */
  threshold: number;
  /** Default 0.1. */
  hysteresis?: number;
  /** How often the loop is sampled (default 100 ms). */
  sampleMs?: number;
  /** Time constant of the exponential smoothing (default 1 s): a stall this long moves the average by 63 %. */
  smoothingMs?: number;
  /**
   * Milliseconds the thread spent blocked on purpose so far (the playout clock sleeps out sub-millisecond waits with
   * `Atomics.wait`): busy for the event loop, but not work. Subtracted from the busy time.
   */
  blockedMs?: () => number;
  /**
   * Messages peers have sent again so far because our answers were late (`SipEndpoint.retransmissionsReceived`).
   * When given, a busy loop counts as overloaded only while peers retransmit at least `retransmissionsPerSecond`
   * (smoothed like the busy share): busy alone can be a node at capacity that still answers in time, and
   * retransmissions alone can be a lossy network.
   */
  retransmissions?: () => number;
  /** Default 5; 0 ignores retransmissions (busy alone decides). */
  retransmissionsPerSecond?: number;
  /** Shortest overload episode (default 2 s): refusing quickly stops the retransmissions that started it. */
  minEpisodeMs?: number;
  /** Retry-After range, in whole seconds (default 1–4): spread, so refused senders do not all return at once. */
  retryAfterSeconds?: { min: number; max: number };
  clock: Clock;
  logger: Logger;
  random?: () => number;
}

/**
 * Watches how busy the one event loop is. Everything Patchbay does for a call runs on it: when it is saturated, SIP
 * responses go out late (the peers' Timer A/E retransmissions add to the load, RFC 3261 §17.1.1.2) and every playing
 * stream stutters, so admitting more calls then harms the ones already up. Two signals, both smoothed: event-loop
 * utilization (the share of time not spent waiting for I/O) and, when a source is given, the rate of retransmissions
 * peers send us. A node at capacity reads 100 % busy while it still answers in time (measured: 500 bridged calls,
 * all completed), so busy alone would refuse calls it can carry; peers retransmitting to a busy node is the sign it
 * answers too late.
 */
export class LoadMonitor implements AdmissionControl {
  private readonly threshold: number;
  private readonly resume: number;
  private readonly sampleMs: number;
  private readonly smoothingMs: number;
  private readonly retry: { min: number; max: number };
  private readonly random: () => number;
  private readonly retransmissionFloor: number;
  private readonly minEpisodeMs: number;
  private timer: TimerHandle | undefined;
  private last = performance.eventLoopUtilization();
  private lastBlocked = 0;
  private lastRetransmissions = 0;
  private busy = 0;
  private retransmitting = 0;
  /** Time observed so far (ms): the episode clock, independent of the wall clock. */
  private elapsed = 0;
  private since = 0;
  private state = false;
  private refusals = 0;
  private episodes = 0;

  constructor(private readonly options: LoadMonitorOptions) {
    if (!(options.threshold > 0 && options.threshold <= 1)) throw new RangeError('LoadMonitor threshold must be in (0, 1]');
    this.threshold = options.threshold;
    this.resume = options.threshold - (options.hysteresis ?? 0.1);
    this.sampleMs = options.sampleMs ?? 100;
    this.smoothingMs = options.smoothingMs ?? 1_000;
    this.retry = options.retryAfterSeconds ?? { min: 1, max: 4 };
    this.random = options.random ?? Math.random;
    this.retransmissionFloor = options.retransmissions ? options.retransmissionsPerSecond ?? 5 : 0;
    this.minEpisodeMs = options.minEpisodeMs ?? 2_000;
  }

  /** Begins sampling the event loop. */
  start(): void {
    if (this.timer) return;
    this.last = performance.eventLoopUtilization();
    this.lastBlocked = this.options.blockedMs?.() ?? 0;
    this.lastRetransmissions = this.options.retransmissions?.() ?? 0;
    this.arm();
  }

  close(): void {
    this.options.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }

  get overloaded(): boolean {
    return this.state;
  }

  /** The smoothed busy share of the event loop, 0–1. */
  get busyRatio(): number {
    return this.busy;
  }

  /** The smoothed rate of retransmissions peers sent us, per second. */
  get retransmissionRate(): number {
    return this.retransmitting;
  }

  get stats(): { refusals: number; episodes: number } {
    return { refusals: this.refusals, episodes: this.episodes };
  }

  refuse(): number | undefined {
    if (!this.state) return undefined;
    this.refusals++;
    const { min, max } = this.retry;
    return min + Math.floor(this.random() * (max - min + 1));
  }

  /**
   * Folds one measurement in: over the last `elapsedMs` the loop was busy `ratio` (0–1) of the time and peers sent
   * `retransmissions` messages again. Exponential smoothing with a time constant, so a long gap between samples (the
   * loop stalled) weighs as much as the time it covered.
   */
  observe(ratio: number, elapsedMs: number, retransmissions = 0): void {
    if (!(elapsedMs > 0)) return;
    const weight = 1 - Math.exp(-elapsedMs / this.smoothingMs);
    this.busy += weight * (Math.min(1, Math.max(0, ratio)) - this.busy);
    this.retransmitting += weight * ((retransmissions * 1000) / elapsedMs - this.retransmitting);
    this.elapsed += elapsedMs;
    const late = this.retransmitting >= this.retransmissionFloor;
    if (!this.state && this.busy >= this.threshold && late) {
      this.state = true;
      this.since = this.elapsed;
      this.episodes++;
      this.options.logger.warn({ busy: round(this.busy), retransmissionsPerSecond: round(this.retransmitting) },
        'overloaded: refusing new calls (503) and holding queued outbound calls');
    } else if (this.state && this.elapsed - this.since >= this.minEpisodeMs
      && (this.busy < this.resume || this.retransmitting < this.retransmissionFloor / 2)) {
      this.state = false;
      this.options.logger.info({ busy: round(this.busy), refused: this.refusals }, 'load back to normal: admitting new calls');
    }
  }

  private arm(): void {
    this.timer = this.options.clock.setTimeout(() => this.sample(), this.sampleMs);
  }

  private sample(): void {
    const current = performance.eventLoopUtilization();
    const delta = performance.eventLoopUtilization(current, this.last);
    const blocked = this.options.blockedMs?.() ?? 0;
    const retransmissions = this.options.retransmissions?.() ?? 0;
    // Both in ms of wall time since the last sample (a stalled loop makes this window long).
    const window = delta.idle + delta.active;
    if (window > 0) this.observe((delta.active - (blocked - this.lastBlocked)) / window, window, retransmissions - this.lastRetransmissions);
    this.last = current;
    this.lastBlocked = blocked;
    this.lastRetransmissions = retransmissions;
    this.arm();
  }
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}

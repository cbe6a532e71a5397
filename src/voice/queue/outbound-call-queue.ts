import type { Registry } from 'prom-client';
import type { Clock, Logger, TimerHandle } from '../../core/index.js';
import type { Store } from '../../store/index.js';
import { QueueMetrics } from './queue-metrics.js';

/**
 * The per-account outbound call queue (a Patchbay invention; not TwiML `<Queue>`). Calls created through the REST
 * API wait here until their account's limits and the platform's capacity let them out:
 *
 * - **calls per second** per account (Twilio's default CPS is 1): consecutive releases of one account are at least
 *   1/CPS seconds apart;
 * - **concurrent calls** per account: released calls not yet ended (default: no cap);
 * - **global capacity**: released calls not yet ended, over all accounts (default: no cap);
 * - **overload**: nothing is released while the node is overloaded.
 *
 * Order is FIFO per account and fair across accounts: each account is paced by its own limits only, and when the
 * global capacity is short the account with the fewest calls in progress goes first (round robin among equals), so
 * one account's backlog never delays another account's calls. Waiting calls are rows in the store, written before
 * `submit` resolves; `start()` reloads them in their original order after a restart. A call that can go at once is
 * released without touching the store.
 */

export interface QueuedCall {
  callSid: string;
  accountSid: string;
  /** Opaque to the queue: what the originator needs to place the call (kept across a restart). */
  data: string | null;
  enqueuedAt: number;
}

export interface ReleasedCall extends QueuedCall {
  /** How long the call waited, in ms. */
  waitedMs: number;
}

export interface CallLimits {
  callsPerSecond: number;
  /** `Infinity` when the account has no cap. */
  maxConcurrentCalls: number;
}

export interface OutboundCallQueueOptions {
  store: Pick<Store, 'outboundCallQueue' | 'accountCallLimits'>;
  clock: Clock;
  logger: Logger;
  /**
   * Places a released call. The queue counts it against its account's concurrency and the global capacity until
   * `callEnded(accountSid)`; if `release` throws or rejects, the queue frees the slot itself.
   */
  release: (call: ReleasedCall) => void | Promise<void>;
  /** Calls released and not yet ended, over all accounts (default: no limit). */
  globalCapacity?: number;
  /** For accounts without a stored limit (default 1, as on Twilio). */
  defaultCallsPerSecond?: number;
  /** For accounts without a stored limit (default: no cap). */
  defaultMaxConcurrentCalls?: number;
  /**
   * How long stored limits are trusted (default 5 s): `submit` rereads older ones, and while calls wait their
   * accounts' limits are reread this often, so a change made through the API applies within that time.
   * `limitsChanged` applies one at once.
   */
  limitsTtlMs?: number;
  /** Queue depth and waiting time go here when given. */
  metrics?: Registry;
  /**
   * True while the node is overloaded (`AdmissionControl.overloaded`): no call is released meanwhile, so that placing
   * more calls cannot feed the overload (their INVITEs would be answered late and retransmitted); they wait, stored.
   */
  overloaded?: () => boolean;
}

/** How often a queue held back by overload looks again. */
const OVERLOAD_RECHECK_MS = 250;

interface Entry extends QueuedCall {
  seq: number;
  /** Settles when the row is in the store (at once for calls reloaded from it). */
  persisted: Promise<void>;
}

interface AccountState {
  readonly accountSid: string;
  limits: CallLimits;
  limitsReadAt: number;
  readonly waiting: Entry[];
  active: number;
  /** Earliest time the next call of this account may go (CPS spacing). */
  nextAllowedAt: number;
}

export type SubmitResult = 'released' | 'queued';

export class OutboundCallQueue {
  private readonly accounts = new Map<string, AccountState>();
  /** Accounts with waiting calls, in turn order: the next to be served first. */
  private readonly turns = new Map<string, AccountState>();
  private readonly byCall = new Map<string, { state: AccountState; entry: Entry }>();
  private readonly writes = new Set<Promise<unknown>>();
  private readonly metrics: QueueMetrics | undefined;
  private readonly globalCapacity: number;
  private readonly limitsTtlMs: number;
  private seq = 0;
  private active = 0;
  private timer: TimerHandle | undefined;
  private refreshTimer: TimerHandle | undefined;
  private timerAt = Infinity;
  private pumping = false;
  private pumpAgain = false;
  private started: Promise<void> | undefined;
  private stopped = false;

  constructor(private readonly options: OutboundCallQueueOptions) {
    this.globalCapacity = options.globalCapacity ?? Infinity;
    this.limitsTtlMs = options.limitsTtlMs ?? 5_000;
    for (const [name, value] of [['globalCapacity', this.globalCapacity], ['defaultCallsPerSecond', options.defaultCallsPerSecond ?? 1], ['defaultMaxConcurrentCalls', options.defaultMaxConcurrentCalls ?? Infinity]] as const) {
      if (!(value > 0)) throw new RangeError(`${name} must be positive`);
    }
    this.metrics = options.metrics ? new QueueMetrics(options.metrics, this) : undefined;
  }

  /** Reloads the waiting calls from the store in their original order and begins releasing them. Call once. */
  start(): Promise<void> {
    this.started ??= (async () => {
      const rows = await this.options.store.outboundCallQueue.all();
      for (const row of rows) {
        const state = await this.account(row.accountSid);
        this.seq = Math.max(this.seq, row.seq);
        this.enqueue(state, { ...row, persisted: Promise.resolve() });
      }
      this.options.logger.info({ waiting: rows.length }, 'outbound call queue started');
      this.pump();
    })();
    return this.started;
  }

  /** Stops the timer; waiting calls stay in the store for the next start. Resolves when pending writes are done. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.options.clock.clearTimeout(this.timer);
    this.options.clock.clearTimeout(this.refreshTimer);
    this.timer = undefined;
    this.refreshTimer = undefined;
    await this.flush();
  }

  /**
   * Asks to place a call. `released`: `release` has been called already. `queued`: the call is stored and waits.
   * Either way `release` is called exactly once for it, unless it is canceled first.
   */
  async submit(call: { callSid: string; accountSid: string; data?: string | null }): Promise<SubmitResult> {
    if (!this.started) throw new Error('the outbound call queue has not been started');
    await this.started;
    if (this.stopped) throw new Error('the outbound call queue is stopped');
    if (this.byCall.has(call.callSid)) throw new Error(`call ${call.callSid} is already queued`);
    const state = await this.account(call.accountSid);
    const now = this.options.clock.now();
    const entry: Entry = { callSid: call.callSid, accountSid: call.accountSid, data: call.data ?? null, enqueuedAt: now, seq: ++this.seq, persisted: Promise.resolve() };
    if (state.waiting.length === 0 && !this.pumping && this.canRelease(state, now)) {
      this.releaseEntry(state, entry, now);
      return 'released';
    }
    const { persisted: _p, ...row } = entry;
    entry.persisted = this.track(this.options.store.outboundCallQueue.insert(row));
    this.enqueue(state, entry);
    this.pump();
    try {
      await entry.persisted;
    } catch (err) {
      // Not durable, so not accepted: take it back out (unless it was already released) and report the failure.
      if (this.byCall.get(entry.callSid)?.entry === entry) this.unqueue(state, entry);
      throw err;
    }
    return 'queued';
  }

  /** Takes a waiting call out (REST `Status=canceled` while `queued`). False when the call is not waiting here. */
  async cancel(callSid: string): Promise<boolean> {
    const found = this.byCall.get(callSid);
    if (!found) return false;
    this.unqueue(found.state, found.entry);
    await this.removeRow(found.entry);
    return true;
  }

  /** A released call of this account has ended: its concurrency slot and a global slot are free again. */
  callEnded(accountSid: string): void {
    const state = this.accounts.get(accountSid);
    if (!state || state.active === 0) {
      this.options.logger.warn({ accountSid }, 'outbound call queue: callEnded without a released call');
      return;
    }
    state.active--;
    this.active--;
    this.pump();
  }

  /** Rereads an account's stored limits now (after `PatchbayCallsPerSecond` / `PatchbayMaxConcurrentCalls` change). */
  async limitsChanged(accountSid: string): Promise<void> {
    const state = this.accounts.get(accountSid);
    if (!state) return;
    state.limits = await this.readLimits(accountSid);
    state.limitsReadAt = this.options.clock.now();
    this.pump();
  }

  /** Waiting calls of one account, or of all. */
  depth(accountSid?: string): number {
    if (accountSid === undefined) return this.byCall.size;
    return this.accounts.get(accountSid)?.waiting.length ?? 0;
  }

  depthByAccount(): ReadonlyMap<string, number> {
    return new Map([...this.turns.values()].map((s) => [s.accountSid, s.waiting.length]));
  }

  get activeCount(): number {
    return this.active;
  }

  /** The waiting calls in release order per account (for the console and tests). */
  waiting(accountSid: string): QueuedCall[] {
    return (this.accounts.get(accountSid)?.waiting ?? []).map(({ callSid, accountSid: a, data, enqueuedAt }) => ({ callSid, accountSid: a, data, enqueuedAt }));
  }

  /** Resolves when every store write started so far has settled. */
  async flush(): Promise<void> {
    while (this.writes.size > 0) await Promise.allSettled([...this.writes]);
  }

  private async account(accountSid: string): Promise<AccountState> {
    const now = this.options.clock.now();
    let state = this.accounts.get(accountSid);
    if (state && now - state.limitsReadAt < this.limitsTtlMs) return state;
    const limits = await this.readLimits(accountSid);
    state = this.accounts.get(accountSid);
    if (state) {
      state.limits = limits;
      state.limitsReadAt = now;
      return state;
    }
    state = { accountSid, limits, limitsReadAt: now, waiting: [], active: 0, nextAllowedAt: -Infinity };
    this.accounts.set(accountSid, state);
    return state;
  }

  /** Rereads the limits of every account with waiting calls, then releases what the new limits allow. */
  private async refreshWaitingLimits(): Promise<void> {
    try {
      for (const state of [...this.turns.values()]) {
        state.limits = await this.readLimits(state.accountSid);
        state.limitsReadAt = this.options.clock.now();
      }
    } catch (err) {
      this.options.logger.error({ err }, 'outbound call queue: could not reread call limits');
    }
    this.pump();
  }

  private async readLimits(accountSid: string): Promise<CallLimits> {
    const row = await this.options.store.accountCallLimits.get(accountSid);
    return {
      callsPerSecond: row?.callsPerSecond ?? this.options.defaultCallsPerSecond ?? 1,
      maxConcurrentCalls: row?.maxConcurrentCalls ?? this.options.defaultMaxConcurrentCalls ?? Infinity,
    };
  }

  private canRelease(state: AccountState, now: number): boolean {
    return this.active < this.globalCapacity && state.active < state.limits.maxConcurrentCalls && now >= state.nextAllowedAt && !this.held();
  }

  private held(): boolean {
    return this.options.overloaded?.() === true;
  }

  private enqueue(state: AccountState, entry: Entry): void {
    state.waiting.push(entry);
    this.byCall.set(entry.callSid, { state, entry });
    if (!this.turns.has(state.accountSid)) this.turns.set(state.accountSid, state);
  }

  private unqueue(state: AccountState, entry: Entry): void {
    const index = state.waiting.indexOf(entry);
    if (index >= 0) state.waiting.splice(index, 1);
    this.byCall.delete(entry.callSid);
    if (state.waiting.length === 0) this.turns.delete(state.accountSid);
  }

  /**
   * Releases every call that may go now, turn by turn (see `nextTurn`), then arms one timer for the earliest moment an
   * account's CPS spacing lets its next call go. Reentrant calls (a `release` that ends its call at once) only ask
   * for another round.
   */
  private pump(): void {
    if (this.stopped) return;
    if (this.pumping) {
      this.pumpAgain = true;
      return;
    }
    this.pumping = true;
    try {
      do {
        this.pumpAgain = false;
        const now = this.options.clock.now();
        while (this.active < this.globalCapacity) {
          const state = this.nextTurn(now);
          if (!state) break;
          const entry = state.waiting[0];
          this.unqueue(state, entry);
          // Served: the account's next turn comes after every other waiting account's (Map order is insertion order).
          this.turns.delete(state.accountSid);
          if (state.waiting.length > 0) this.turns.set(state.accountSid, state);
          this.releaseEntry(state, entry, now);
          void this.removeRow(entry);
        }
      } while (this.pumpAgain);
      this.arm();
    } finally {
      this.pumping = false;
    }
  }

  /**
   * Whose call goes next: among accounts whose limits let a call go now, the one with the fewest calls in progress
   * (a fair share of the global capacity), ties broken by turn order (round robin).
   */
  private nextTurn(now: number): AccountState | undefined {
    let best: AccountState | undefined;
    for (const state of this.turns.values()) {
      if (this.canRelease(state, now) && (!best || state.active < best.active)) best = state;
    }
    return best;
  }

  private arm(): void {
    if (this.turns.size > 0 && !this.refreshTimer) {
      this.refreshTimer = this.options.clock.setTimeout(() => {
        this.refreshTimer = undefined;
        void this.track(this.refreshWaitingLimits());
      }, this.limitsTtlMs);
    }
    let at = Infinity;
    if (this.active < this.globalCapacity) {
      for (const state of this.turns.values()) {
        if (state.active < state.limits.maxConcurrentCalls) at = Math.min(at, state.nextAllowedAt);
      }
      if (at !== Infinity && this.held()) at = Math.max(at, this.options.clock.now() + OVERLOAD_RECHECK_MS);
    }
    if (at === this.timerAt && this.timer) return;
    this.options.clock.clearTimeout(this.timer);
    this.timer = undefined;
    this.timerAt = at;
    if (at === Infinity) return;
    this.timer = this.options.clock.setTimeout(() => {
      this.timer = undefined;
      this.timerAt = Infinity;
      this.pump();
    }, Math.max(0, at - this.options.clock.now()));
  }

  private releaseEntry(state: AccountState, entry: Entry, now: number): void {
    state.active++;
    this.active++;
    state.nextAllowedAt = now + 1000 / state.limits.callsPerSecond;
    const waitedMs = now - entry.enqueuedAt;
    this.metrics?.waited(state.accountSid, waitedMs);
    const call: ReleasedCall = { callSid: entry.callSid, accountSid: entry.accountSid, data: entry.data, enqueuedAt: entry.enqueuedAt, waitedMs };
    const failed = (err: unknown) => {
      this.options.logger.error({ err, callSid: call.callSid }, 'outbound call queue: release failed; slot freed');
      this.callEnded(call.accountSid);
    };
    try {
      const result = this.options.release(call);
      if (result && typeof result.then === 'function') result.then(undefined, failed);
    } catch (err) {
      failed(err);
    }
  }

  /** Deletes a waiting call's row once its insert has settled, so a released call never reappears after a restart. */
  private removeRow(entry: Entry): Promise<void> {
    return this.track(
      entry.persisted.then(
        async () => {
          await this.options.store.outboundCallQueue.remove(entry.callSid);
        },
        () => undefined,
      ),
    ).catch((err: unknown) => {
      this.options.logger.error({ err, callSid: entry.callSid }, 'outbound call queue: could not delete a released call');
    });
  }

  private track<T>(promise: Promise<T>): Promise<T> {
    this.writes.add(promise);
    const done = () => this.writes.delete(promise);
    promise.then(done, done);
    return promise;
  }
}

import type { Registry } from 'prom-client';
import type { RateSlots } from '../../bus/index.js';
import type { Clock, Logger, TimerHandle } from '../../core/index.js';
import type { QueuedCallRow, Store } from '../../store/index.js';
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
 *
 * In a cluster all nodes share the rows, so each row is leased to the node that holds it (its `nodeId`, stable
 * across restarts). A node reloads only its own rows and rows whose lease ran out; it renews its leases every
 * `leaseRenewMs` and then adopts rows whose lease ran out, so a dead node's calls are placed by a survivor about
 * `leaseMs` after it stopped renewing. A node releases a stored call only while comfortably inside its lease (at
 * least `leaseRenewMs` before it runs out, which also absorbs that much clock skew between nodes): one that cannot
 * renew stops releasing before another may adopt its calls, and drops the calls it finds taken once it can. A call
 * is released before its row is deleted; a row whose call has left `queued` since (its node died in between) is
 * deleted when found, never taken and released again.
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
  /** This node's identity (`loadOrCreateNodeId`): the owner of the rows it stores. */
  nodeId: string;
  /** How long a stored call stays this node's without renewal; another node adopts it after that (default 30 s). */
  leaseMs?: number;
  /** How often leases are renewed and expired rows adopted (default 10 s); less than half of `leaseMs`. */
  leaseRenewMs?: number;
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
  /**
   * Cluster mode: an account's calls per second hold for the whole cluster. Before a call of an account goes, the
   * node reserves the account's next slot here (shared by every node); the call waits, stored, until that slot.
   * Without it, each node spaces only its own releases.
   */
  rateSlots?: RateSlots;
}

/** How often a queue held back by overload looks again. */
const OVERLOAD_RECHECK_MS = 250;

/** Release order (see `QueuedCallRow.seq`): by seq, ties (rows of two nodes) by call SID. */
function before(a: Entry, b: Entry): boolean {
  return a.seq < b.seq || (a.seq === b.seq && a.callSid < b.callSid);
}

interface Entry extends QueuedCall {
  seq: number;
  /** Settles when the row is in the store (at once for calls reloaded from it). */
  persisted: Promise<void>;
  /** Whether `persisted` has resolved: a renewal that misses a stored row means another node took it. */
  stored: boolean;
  /** Until when this node holds the row, as far as it knows (the last lease it wrote). */
  leaseExpiresAt: number;
}

interface AccountState {
  readonly accountSid: string;
  limits: CallLimits;
  limitsReadAt: number;
  readonly waiting: Entry[];
  active: number;
  /** Earliest time the next call of this account may go (CPS spacing). */
  nextAllowedAt: number;
  /**
   * With `rateSlots`: whether the account holds a cluster-wide slot for its next call (`held` from `nextAllowedAt`
   * until `slotEndsAt`), is asking for one, or has none.
   */
  slot: 'none' | 'reserving' | 'held';
  slotEndsAt: number;
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
  private readonly leaseMs: number;
  private readonly leaseRenewMs: number;
  /**
   * Released or canceled calls whose row is being deleted (or was, since the last lease round began, or failed to
   * be and is retried each round): still ours in the store, no longer waiting here.
   */
  private readonly removing = new Map<string, 'pending' | 'done' | 'failed'>();
  private seq = 0;
  private active = 0;
  private timer: TimerHandle | undefined;
  private refreshTimer: TimerHandle | undefined;
  private leaseTimer: TimerHandle | undefined;
  private timerAt = Infinity;
  private pumping = false;
  private pumpAgain = false;
  private started: Promise<void> | undefined;
  private stopped = false;

  constructor(private readonly options: OutboundCallQueueOptions) {
    this.globalCapacity = options.globalCapacity ?? Infinity;
    this.limitsTtlMs = options.limitsTtlMs ?? 5_000;
    this.leaseMs = options.leaseMs ?? 30_000;
    this.leaseRenewMs = options.leaseRenewMs ?? 10_000;
    for (const [name, value] of [['globalCapacity', this.globalCapacity], ['defaultCallsPerSecond', options.defaultCallsPerSecond ?? 1], ['defaultMaxConcurrentCalls', options.defaultMaxConcurrentCalls ?? Infinity], ['leaseRenewMs', this.leaseRenewMs]] as const) {
      if (!(value > 0)) throw new RangeError(`${name} must be positive`);
    }
    // Releases stop `leaseRenewMs` before a lease runs out, so a lease must outlast two renewal periods to leave one
    // in which calls go out.
    if (!(this.leaseMs > 2 * this.leaseRenewMs) || !Number.isFinite(this.leaseMs)) throw new RangeError('leaseMs must be finite and more than twice leaseRenewMs');
    if (!options.nodeId) throw new RangeError('nodeId must not be empty');
    this.metrics = options.metrics ? new QueueMetrics(options.metrics, this) : undefined;
  }

  /**
   * Takes this node's waiting calls back from the store (and any whose lease ran out), in their original order, and
   * begins releasing them and renewing their leases. Call once.
   */
  start(): Promise<void> {
    this.started ??= (async () => {
      const now = this.options.clock.now();
      await this.dropPlaced(now, 'claim');
      const rows = await this.options.store.outboundCallQueue.claim(this.options.nodeId, now, now + this.leaseMs);
      await this.take(rows, now + this.leaseMs);
      this.options.logger.info({ waiting: rows.length, nodeId: this.options.nodeId }, 'outbound call queue started');
      this.armLease();
      this.pump();
    })();
    return this.started;
  }

  /**
   * Stops the timers; waiting calls stay in the store, still leased to this node, for its next start (or for another
   * node once the lease runs out). Resolves when pending writes are done.
   */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const timer of [this.timer, this.refreshTimer, this.leaseTimer]) this.options.clock.clearTimeout(timer);
    this.timer = undefined;
    this.refreshTimer = undefined;
    this.leaseTimer = undefined;
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
    // Never below the enqueue time, so that the rows of several nodes merge in about arrival order (see `take`);
    // strictly increasing, so this node's own order survives a clock stepping back.
    this.seq = Math.max(this.seq + 1, now);
    const entry: Entry = {
      callSid: call.callSid, accountSid: call.accountSid, data: call.data ?? null, enqueuedAt: now, seq: this.seq,
      persisted: Promise.resolve(), stored: false, leaseExpiresAt: now + this.leaseMs,
    };
    if (state.waiting.length === 0 && !this.pumping && this.canRelease(state, now)) {
      this.releaseEntry(state, entry, now);
      return 'released';
    }
    const { callSid, accountSid, data, enqueuedAt, seq, leaseExpiresAt } = entry;
    entry.persisted = this.track(this.options.store.outboundCallQueue.insert({ callSid, accountSid, data, enqueuedAt, seq, owner: this.options.nodeId, leaseExpiresAt }));
    entry.persisted.then(() => (entry.stored = true), () => undefined);
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
    state = { accountSid, limits, limitsReadAt: now, waiting: [], active: 0, nextAllowedAt: -Infinity, slot: 'none', slotEndsAt: -Infinity };
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
    return this.localLimitsAllow(state, now) && (!this.options.rateSlots || (state.slot === 'held' && now < state.slotEndsAt));
  }

  /** Whether everything this node decides alone lets the account's next call go now. */
  private localLimitsAllow(state: AccountState, now: number): boolean {
    return this.active < this.globalCapacity && state.active < state.limits.maxConcurrentCalls && now >= state.nextAllowedAt && !this.held();
  }

  /**
   * Reserves a cluster-wide slot for each account whose next call could otherwise go now. A slot is used once, within
   * one interval of its time (a later use could come closer than the interval to the next node's slot); an unused
   * one is given up. If Redis fails, the call goes on this node's spacing alone, which is better than not at all.
   */
  private reserveSlots(now: number): void {
    const slots = this.options.rateSlots;
    if (!slots) return;
    for (const state of this.turns.values()) {
      if (state.slot === 'held' && now >= state.slotEndsAt) state.slot = 'none';
      if (state.slot !== 'none' || !this.localLimitsAllow(state, now) || !this.leased(state, now)) continue;
      state.slot = 'reserving';
      const intervalMs = 1000 / state.limits.callsPerSecond;
      const granted = (waitMs: number) => {
        const at = this.options.clock.now() + waitMs;
        state.slot = 'held';
        state.nextAllowedAt = Math.max(state.nextAllowedAt, at);
        state.slotEndsAt = at + intervalMs;
        this.pump();
      };
      this.track(slots.reserve(`cps:${state.accountSid}`, intervalMs).then(granted, (err: unknown) => {
        this.options.logger.warn({ err, accountSid: state.accountSid }, 'outbound call queue: no cluster-wide CPS slot; spacing this node\'s calls only');
        granted(0);
      }));
    }
  }

  private held(): boolean {
    return this.options.overloaded?.() === true;
  }

  private enqueue(state: AccountState, entry: Entry): void {
    // Submitted calls come in seq order and go to the back; rows taken from the store may belong further ahead.
    let at = state.waiting.length;
    while (at > 0 && before(entry, state.waiting[at - 1])) at--;
    state.waiting.splice(at, 0, entry);
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
      this.reserveSlots(this.options.clock.now());
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
      if (this.canRelease(state, now) && this.leased(state, now) && (!best || state.active < best.active)) best = state;
    }
    return best;
  }

  /**
   * Whether this node still safely holds the account's next call: at least `leaseRenewMs` left on its lease. Only
   * failed renewals get it there; the next renewal that succeeds lets the call go (or finds it taken).
   */
  private leased(state: AccountState, now: number): boolean {
    const head = state.waiting[0];
    return head === undefined || now < head.leaseExpiresAt - this.leaseRenewMs;
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
      const now = this.options.clock.now();
      for (const state of this.turns.values()) {
        // An account waiting for its cluster-wide slot is pumped when the slot comes back, not by this timer.
        if (state.active < state.limits.maxConcurrentCalls && this.leased(state, now) && state.slot !== 'reserving') at = Math.min(at, state.nextAllowedAt);
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
    state.slot = 'none';
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
    // Still ours in the store until deleted: renewals keep its lease, and adoption must not take it back as new.
    this.removing.set(entry.callSid, 'pending');
    return this.track(entry.persisted.then(() => this.deleteRow(entry.callSid), () => void this.removing.set(entry.callSid, 'done')));
  }

  private async deleteRow(callSid: string): Promise<void> {
    this.removing.set(callSid, 'pending');
    try {
      await this.options.store.outboundCallQueue.remove(callSid);
      this.removing.set(callSid, 'done');
    } catch (err) {
      // Left in the store, the row would come back as a waiting call: the next lease round tries again.
      this.options.logger.error({ err, callSid }, 'outbound call queue: could not delete a released call');
      this.removing.set(callSid, 'failed');
    }
  }

  /**
   * Queues rows just taken from the store (at start, or adopted), in their order. Rows already waiting here (this
   * node's own, adopted back after it let their lease run out) only get the new lease; rows being deleted are left
   * to their delete.
   */
  private async take(rows: QueuedCallRow[], leaseExpiresAt: number): Promise<void> {
    // Limits first, for every account at once: queuing the rows without a pause between them keeps their order.
    const states = new Map<string, AccountState>();
    for (const row of rows) if (!states.has(row.accountSid)) states.set(row.accountSid, await this.account(row.accountSid));
    for (const row of rows) {
      const known = this.byCall.get(row.callSid);
      if (known) {
        known.entry.leaseExpiresAt = Math.max(known.entry.leaseExpiresAt, leaseExpiresAt);
        continue;
      }
      if (this.removing.has(row.callSid)) continue;
      this.seq = Math.max(this.seq, row.seq);
      const { callSid, accountSid, data, enqueuedAt, seq } = row;
      this.enqueue(states.get(accountSid)!, { callSid, accountSid, data, enqueuedAt, seq, persisted: Promise.resolve(), stored: true, leaseExpiresAt });
    }
  }

  /**
   * Deletes the rows about to be taken whose call was placed already: its node died between the call's record leaving
   * `queued` (before the INVITE) and the row's delete. Placing them again would dial their callees twice.
   */
  private async dropPlaced(now: number, mode: 'claim' | 'adopt'): Promise<void> {
    const placed = await this.options.store.outboundCallQueue.dropPlaced(this.options.nodeId, now, mode);
    if (placed.length > 0) {
      this.options.logger.warn({ calls: placed }, 'outbound call queue: rows of calls placed already (their node stopped before deleting them); deleted, not placed again');
    }
  }

  private armLease(): void {
    if (this.stopped) return;
    this.leaseTimer = this.options.clock.setTimeout(() => {
      this.leaseTimer = undefined;
      void this.track(this.renewAndAdopt()).finally(() => this.armLease());
    }, this.leaseRenewMs);
  }

  /**
   * One lease round: retry failed deletes, renew this node's rows (one UPDATE for all), drop those another node took,
   * then take rows whose lease ran out (deleting those whose call was placed already). A failed step is logged and tried again next round; meanwhile `leased` holds
   * back calls whose lease runs short.
   */
  private async renewAndAdopt(): Promise<void> {
    for (const [callSid, status] of this.removing) {
      if (status === 'done') this.removing.delete(callSid);
      else if (status === 'failed') void this.track(this.deleteRow(callSid));
    }
    const strays = await this.renew();
    const { store, nodeId, logger, clock } = this.options;
    try {
      const now = clock.now();
      const queue = store.outboundCallQueue;
      await this.dropPlaced(now, strays ? 'claim' : 'adopt');
      const rows = await (strays ? queue.claim(nodeId, now, now + this.leaseMs) : queue.adopt(nodeId, now, now + this.leaseMs));
      if (this.stopped) return;
      const fresh = rows.filter((r) => !this.byCall.has(r.callSid) && !this.removing.has(r.callSid)).length;
      if (fresh > 0) logger.info({ calls: fresh }, 'outbound call queue: took over waiting calls whose lease ran out');
      await this.take(rows, now + this.leaseMs);
    } catch (err) {
      logger.error({ err }, 'outbound call queue: could not take over expired waiting calls');
    }
    this.pump();
  }

  /**
   * Extends the lease of every row this node holds, even when nothing waits here (an UPDATE of no row, by index), and
   * drops the waiting calls whose row another node took. True when the store holds rows of ours that are neither
   * waiting here nor being deleted: an adoption whose reload failed after its UPDATE took them; the caller claims
   * them back in.
   */
  private async renew(): Promise<boolean> {
    const { store, nodeId, logger, clock } = this.options;
    const now = clock.now();
    // Rows stored before the UPDATE starts must come back from it; rows still being inserted may not.
    const expected = [...this.byCall.values()].filter(({ entry }) => entry.stored);
    let renewed: Set<string>;
    try {
      renewed = new Set(await store.outboundCallQueue.renew(nodeId, now + this.leaseMs));
    } catch (err) {
      logger.error({ err }, 'outbound call queue: could not renew the leases of waiting calls');
      return false;
    }
    for (const { entry } of this.byCall.values()) {
      if (renewed.has(entry.callSid)) entry.leaseExpiresAt = Math.max(entry.leaseExpiresAt, now + this.leaseMs);
    }
    for (const { state, entry } of expected) {
      if (renewed.has(entry.callSid) || this.byCall.get(entry.callSid)?.entry !== entry) continue;
      // Our lease ran out (renewals failed meanwhile) and another node adopted the call: it places it, not us.
      logger.warn({ callSid: entry.callSid, accountSid: entry.accountSid }, 'outbound call queue: a waiting call was taken over by another node');
      this.unqueue(state, entry);
    }
    return [...renewed].some((callSid) => !this.byCall.has(callSid) && !this.removing.has(callSid));
  }

  private track<T>(promise: Promise<T>): Promise<T> {
    this.writes.add(promise);
    const done = () => this.writes.delete(promise);
    promise.then(done, done);
    return promise;
  }
}

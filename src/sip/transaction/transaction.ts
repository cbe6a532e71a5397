import type { TimerHandle } from '../../core/index.js';
import type { TimerName } from './timers.js';
import { TransactionStateError, type TransactionContext } from './transaction-types.js';

/** A timer armed by a transaction: an RFC name, or the TU-response guard of the server transactions. */
export type TransactionTimer = TimerName | 'guard';

/**
 * Common machinery of the four RFC 3261 §17 state machines: the state and its table check, the timers (armed and
 * cleared by each machine's entry actions, run only from its private `transition`), and the transport with its one
 * error path.
 */
export abstract class Transaction<S extends string> {
  private current: S;
  /**
   * Armed timers by name (at most two at a time). A plain object whose entries are cleared to undefined, never
   * deleted: smaller than a Map, and it stays in fast mode.
   */
  private readonly timers: Partial<Record<TransactionTimer, TimerHandle>> = {};
  /** @internal Keys under which the owning table holds this transaction, for its removal on Terminated. */
  tableKey = '';
  /** @internal */
  mergeKey: string | undefined;

  protected constructor(
    /** Class name, for errors and logs. */
    readonly kind: string,
    initial: S,
    private readonly allowed: Readonly<Record<S, readonly S[]>>,
    private readonly terminal: S,
    options: TransactionContext,
  ) {
    this.current = initial;
    // Only the context proper: the options object of each machine also carries its request, TU and closures, which
    // must not live as long as the transaction's wait timers (J, L, D, K, I, M).
    this.ctx = {
      clock: options.clock,
      timers: options.timers,
      transport: options.transport,
      ...(options.logger ? { logger: options.logger } : {}),
      ...(options.onTerminated ? { onTerminated: options.onTerminated } : {}),
    };
  }

  protected readonly ctx: TransactionContext;

  get state(): S {
    return this.current;
  }

  get terminated(): boolean {
    return this.current === this.terminal;
  }

  /** Names of the timers currently armed, for tests and diagnostics. */
  get armedTimers(): TransactionTimer[] {
    return (Object.keys(this.timers) as TransactionTimer[]).filter((name) => this.timers[name] !== undefined);
  }

  /**
   * The checked half of each machine's private `transition(to)` (STYLE §2): the from→to pair must be in the
   * machine's table, else {@link TransactionStateError}. The machine then runs its entry actions.
   */
  protected changeState(to: S): void {
    const from = this.current;
    if (!this.allowed[from].includes(to)) throw new TransactionStateError(this.kind, from, to);
    this.current = to;
    this.ctx.logger?.trace({ transaction: this.kind, from, to }, 'sip transaction transition');
  }

  /**
   * The only way a machine changes state (STYLE §2): checks the from→to pair against the machine's table, then runs
   * the entry actions of the new state — the only place timers are armed and cleared, apart from a retransmission
   * timer re-arming itself when it fires.
   */
  protected transition(to: S): void {
    this.changeState(to);
    this.enter(to);
  }

  /** Entry actions of each state, defined by each machine. */
  protected abstract enter(state: S): void;

  /** Tear down at once (the owner is closing); no TU notification. Idempotent. */
  abort(): void {
    if (!this.terminated) this.transition(this.terminal);
  }

  /** Entry action of Terminated, common to all machines: no timer survives, the owning table drops us. */
  protected enterTerminated(): void {
    for (const name of this.armedTimers) this.clearTimer(name);
    this.ctx.onTerminated?.(this);
  }

  /** Arm (or re-arm) a timer; when it fires, {@link Transaction.onTimer} runs with its name unless Terminated. */
  protected armTimer(name: TransactionTimer, ms: number): void {
    this.clearTimer(name);
    this.timers[name] = this.ctx.clock.setTimeout(() => {
      this.timers[name] = undefined;
      if (!this.terminated) this.onTimer(name);
    }, ms);
  }

  protected clearTimer(name: TransactionTimer): void {
    const handle = this.timers[name];
    if (handle) {
      this.ctx.clock.clearTimeout(handle);
      this.timers[name] = undefined;
    }
  }

  /** A timer armed by this machine fired (never after Terminated). */
  protected abstract onTimer(name: TransactionTimer): void;

  /**
   * Hand bytes to the transport. A failure (RFC 3261 §17.1.4, §17.2.4) terminates the transaction and is reported
   * once to the TU through {@link Transaction.onTransportFailure}.
   */
  protected sendBytes(bytes: Uint8Array): void {
    let pending: Promise<void>;
    try {
      pending = this.ctx.transport.send(bytes);
    } catch (error) {
      pending = Promise.reject(error);
    }
    pending.catch((error: unknown) => {
      if (this.terminated) return;
      this.onTransportFailure(error instanceof Error ? error : new Error(String(error)));
    });
  }

  /**
   * Bytes kept for retransmission while the transaction waits out its timers. Serialized messages of a few hundred
   * bytes are slices of Node's shared 8 KiB Buffer pool slabs; holding such a slice for 32 s holds the whole slab, so
   * a pooled slice is copied into an allocation of its own.
   */
  protected static keep(bytes: Uint8Array): Uint8Array {
    return bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? bytes : new Uint8Array(bytes);
  }

  /** The transport failed: the machine moves to Terminated and tells its TU. */
  protected abstract onTransportFailure(error: Error): void;
}

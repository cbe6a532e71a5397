import { Transaction, type TransactionTimer } from './transaction.js';
import type { ResponseView, TransactionContext } from './transaction-types.js';

export type NonInviteClientTransactionState = 'trying' | 'proceeding' | 'completed' | 'terminated';

export interface NonInviteClientTransactionUser<R extends ResponseView> {
  /** Provisional responses and the first final response. */
  onResponse?(response: R): void;
  /** Timer F fired (RFC 3261 §17.1.2.2); the core treats it as 408. */
  onTimeout?(): void;
  /** The transport failed (§17.1.4); the core treats it as 503. */
  onTransportError?(error: Error): void;
}

export interface NonInviteClientTransactionOptions<R extends ResponseView> extends TransactionContext {
  readonly request: Uint8Array;
  readonly user: NonInviteClientTransactionUser<R>;
}

const TRANSITIONS: Readonly<Record<NonInviteClientTransactionState, readonly NonInviteClientTransactionState[]>> = {
  trying: ['proceeding', 'completed', 'terminated'],
  proceeding: ['completed', 'terminated'],
  completed: ['terminated'],
  terminated: [],
};

/** The non-INVITE client transaction of RFC 3261 §17.1.2 (Figure 6). */
export class NonInviteClientTransaction<R extends ResponseView = ResponseView> extends Transaction<NonInviteClientTransactionState> {
  /** Dropped on Completed, with the TU: Timer K only absorbs response retransmissions. */
  private request: Uint8Array | undefined;
  private user: NonInviteClientTransactionUser<R>;
  private timerEInterval: number;

  constructor(options: NonInviteClientTransactionOptions<R>) {
    super('NonInviteClientTransaction', 'trying', TRANSITIONS, 'terminated', options);
    this.request = options.request;
    this.user = options.user;
    this.timerEInterval = options.timers.E;
    this.enter('trying');
  }

  protected enter(state: NonInviteClientTransactionState): void {
    const { timers, transport } = this.ctx;
    switch (state) {
      case 'trying':
        if (this.request) this.sendBytes(this.request);
        if (!transport.reliable) this.armTimer('E', this.timerEInterval);
        this.armTimer('F', timers.F);
        break;
      case 'proceeding':
        // §17.1.2.2: Timer F keeps running; Timer E keeps firing, now every T2 (applied when it next fires).
        break;
      case 'completed':
        this.request = undefined;
        this.user = {};
        this.clearTimer('E');
        this.clearTimer('F');
        this.armTimer('K', timers.K);
        break;
      case 'terminated':
        this.enterTerminated();
        break;
      default: {
        const never: never = state;
        throw new Error(`unknown state ${String(never)}`);
      }
    }
  }

  protected onTimer(name: TransactionTimer): void {
    if (name === 'E') this.onTimerE();
    else if (name === 'F') this.onTimerF();
    else if (name === 'K') this.transition('terminated');
  }

  private onTimerE(): void {
    if (this.request) this.sendBytes(this.request);
    // §17.1.2.2: in Trying the interval doubles up to T2; in Proceeding it is T2.
    this.timerEInterval = this.state === 'proceeding' ? this.ctx.timers.T2 : Math.min(2 * this.timerEInterval, this.ctx.timers.T2);
    this.armTimer('E', this.timerEInterval);
  }

  private onTimerF(): void {
    this.transition('terminated');
    this.user.onTimeout?.();
  }

  receiveResponse(response: R): void {
    const state = this.state;
    switch (state) {
      case 'trying':
      case 'proceeding':
        if (response.status < 200) {
          if (state === 'trying') this.transition('proceeding');
          this.user.onResponse?.(response);
        } else {
          const user = this.user;
          this.transition('completed');
          user.onResponse?.(response);
        }
        break;
      case 'completed':
      case 'terminated':
        // §17.1.2.2: retransmitted final responses are absorbed in Completed.
        break;
      default: {
        const never: never = state;
        throw new Error(`unknown state ${String(never)}`);
      }
    }
  }

  protected onTransportFailure(error: Error): void {
    this.transition('terminated');
    this.user.onTransportError?.(error);
  }
}

import { Transaction, type TransactionTimer } from './transaction.js';
import { TransactionStateError, type OutgoingResponse, type TransactionContext } from './transaction-types.js';

export type NonInviteServerTransactionState = 'trying' | 'proceeding' | 'completed' | 'terminated';

export interface NonInviteServerTransactionUser {
  /**
   * The TU did not send a final response within 64*T1, by which time the client has given up (Timer F,
   * §17.1.2.2). Not an RFC timer: a guard so that a silent TU cannot keep transactions alive forever.
   */
  onTimeout?(): void;
  onTransportError?(error: Error): void;
}

export interface NonInviteServerTransactionOptions extends TransactionContext {
  readonly user?: NonInviteServerTransactionUser;
}

const NO_USER: NonInviteServerTransactionUser = Object.freeze({});

const TRANSITIONS: Readonly<Record<NonInviteServerTransactionState, readonly NonInviteServerTransactionState[]>> = {
  trying: ['proceeding', 'completed', 'terminated'],
  proceeding: ['completed', 'terminated'],
  completed: ['terminated'],
  terminated: [],
};

/** The non-INVITE server transaction of RFC 3261 §17.2.2 (Figure 8). */
export class NonInviteServerTransaction extends Transaction<NonInviteServerTransactionState> {
  /** Dropped on Completed: from then on nothing is reported upward (Timer J only absorbs retransmissions). */
  private user: NonInviteServerTransactionUser;
  private status: number | undefined;
  /** The last response, for retransmission; a copy of its own once Completed (see {@link Transaction.keep}). */
  private lastBytes: Uint8Array | undefined;

  constructor(options: NonInviteServerTransactionOptions) {
    super('NonInviteServerTransaction', 'trying', TRANSITIONS, 'terminated', options);
    this.user = options.user ?? {};
    this.enter('trying');
  }

  get lastStatus(): number | undefined {
    return this.status;
  }

  protected enter(state: NonInviteServerTransactionState): void {
    switch (state) {
      case 'trying':
        this.armTimer('guard', this.ctx.timers.F);
        break;
      case 'proceeding':
        break;
      case 'completed':
        this.user = NO_USER;
        this.clearTimer('guard');
        this.armTimer('J', this.ctx.timers.J);
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
    if (name === 'guard') {
      const user = this.user;
      this.transition('terminated');
      user.onTimeout?.();
    } else if (name === 'J') {
      this.transition('terminated');
    }
  }

  respond(response: OutgoingResponse): void {
    const state = this.state;
    if (state !== 'trying' && state !== 'proceeding') throw new TransactionStateError(this.kind, state, `respond ${response.status}`);
    this.status = response.status;
    if (response.status >= 200) {
      this.lastBytes = Transaction.keep(response.bytes);
      this.transition('completed');
    } else {
      this.lastBytes = response.bytes;
      if (state === 'trying') this.transition('proceeding');
    }
    this.sendBytes(response.bytes);
  }

  /** A retransmission of the request (§17.2.2): absorbed in Trying, answered with the last response otherwise. */
  receiveRequest(): void {
    const state = this.state;
    switch (state) {
      case 'trying':
      case 'terminated':
        break;
      case 'proceeding':
      case 'completed':
        if (this.lastBytes) this.sendBytes(this.lastBytes);
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

import { Transaction, type TransactionTimer } from './transaction.js';
import { TransactionStateError, type OutgoingResponse, type TransactionContext } from './transaction-types.js';

export type InviteServerTransactionState = 'proceeding' | 'accepted' | 'completed' | 'confirmed' | 'terminated';

export interface InviteServerTransactionUser {
  /** Timer H fired: no ACK for the non-2xx final response (RFC 3261 §17.2.1). */
  onTimeout?(): void;
  /** The transport failed while sending a response (§17.2.4). */
  onTransportError?(error: Error): void;
}

export interface InviteServerTransactionOptions extends TransactionContext {
  readonly user?: InviteServerTransactionUser;
}

const NO_USER: InviteServerTransactionUser = Object.freeze({});

const TRANSITIONS: Readonly<Record<InviteServerTransactionState, readonly InviteServerTransactionState[]>> = {
  proceeding: ['accepted', 'completed', 'terminated'],
  accepted: ['terminated'],
  completed: ['confirmed', 'terminated'],
  confirmed: ['terminated'],
  terminated: [],
};

/**
 * The INVITE server transaction of RFC 3261 §17.2.1 (Figure 7), with the Accepted state of RFC 6026 §8.7: after a 2xx
 * the transaction absorbs INVITE retransmissions until Timer L while the UAS core retransmits the 2xx (§13.3.1.4).
 */
export class InviteServerTransaction extends Transaction<InviteServerTransactionState> {
  /** Needed until Timer H can no longer fire; dropped in Accepted and Confirmed. */
  private user: InviteServerTransactionUser;
  private status: number | undefined;
  /**
   * The last response, for retransmission in Proceeding and Completed; a copy of its own in Completed (see
   * {@link Transaction.keep}). Not kept in Accepted: there the UAS core retransmits the 2xx (§13.3.1.4).
   */
  private lastBytes: Uint8Array | undefined;
  private timerGInterval: number;

  constructor(options: InviteServerTransactionOptions) {
    super('InviteServerTransaction', 'proceeding', TRANSITIONS, 'terminated', options);
    this.user = options.user ?? {};
    this.timerGInterval = options.timers.G;
    this.enter('proceeding');
  }

  /** Status of the last response sent, if any. */
  get lastStatus(): number | undefined {
    return this.status;
  }

  protected enter(state: InviteServerTransactionState): void {
    const { timers, transport } = this.ctx;
    switch (state) {
      case 'proceeding':
        break;
      case 'accepted':
        // RFC 6026 §8.7: from here the transaction only absorbs INVITE retransmissions until Timer L.
        this.user = NO_USER;
        this.lastBytes = undefined;
        this.armTimer('L', timers.L);
        break;
      case 'completed':
        // §17.2.1: Timer G (unreliable only) retransmits the final response, Timer H bounds the wait for ACK.
        if (!transport.reliable) this.armTimer('G', this.timerGInterval);
        this.armTimer('H', timers.H);
        break;
      case 'confirmed':
        // §17.2.1: Confirmed only absorbs ACK retransmissions until Timer I.
        this.user = NO_USER;
        this.lastBytes = undefined;
        this.clearTimer('G');
        this.clearTimer('H');
        this.armTimer('I', timers.I);
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

  /** Send a response from the TU. 1xx keeps Proceeding; 2xx → Accepted; 300–699 → Completed. */
  respond(response: OutgoingResponse): void {
    const state = this.state;
    if (state === 'proceeding') {
      this.status = response.status;
      this.lastBytes = response.status >= 300 ? Transaction.keep(response.bytes) : response.bytes;
      if (response.status >= 300) this.transition('completed');
      else if (response.status >= 200) this.transition('accepted');
      this.sendBytes(response.bytes);
      return;
    }
    if (state === 'accepted' && response.status >= 200 && response.status < 300) {
      // RFC 6026 §8.7: 2xx retransmissions from the TU pass through the Accepted state.
      this.sendBytes(response.bytes);
      return;
    }
    throw new TransactionStateError(this.kind, state, `respond ${response.status}`);
  }

  /** A retransmission of the INVITE (§17.2.1): re-send the last response, or absorb it. */
  receiveRequest(): void {
    const state = this.state;
    switch (state) {
      case 'proceeding':
      case 'completed':
        if (this.lastBytes) this.sendBytes(this.lastBytes);
        break;
      case 'accepted':
      case 'confirmed':
      case 'terminated':
        break;
      default: {
        const never: never = state;
        throw new Error(`unknown state ${String(never)}`);
      }
    }
  }

  /** An ACK matched to this transaction (only the ACK for a non-2xx response does, §17.2.3). */
  receiveAck(): void {
    if (this.state === 'completed') this.transition('confirmed');
  }

  protected onTimer(name: TransactionTimer): void {
    if (name === 'G') this.onTimerG();
    else if (name === 'H') this.onTimerH();
    else if (name === 'L' || name === 'I') this.transition('terminated');
  }

  private onTimerG(): void {
    if (this.lastBytes) this.sendBytes(this.lastBytes);
    this.timerGInterval = Math.min(2 * this.timerGInterval, this.ctx.timers.T2);
    this.armTimer('G', this.timerGInterval);
  }

  private onTimerH(): void {
    this.transition('terminated');
    this.user.onTimeout?.();
  }

  protected onTransportFailure(error: Error): void {
    this.transition('terminated');
    this.user.onTransportError?.(error);
  }
}

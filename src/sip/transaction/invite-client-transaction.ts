import { Transaction, type TransactionTimer } from './transaction.js';
import type { ResponseView, TransactionContext } from './transaction-types.js';

export type InviteClientTransactionState = 'calling' | 'proceeding' | 'accepted' | 'completed' | 'terminated';

/** Transaction user of an INVITE client transaction (the UAC core). */
export interface InviteClientTransactionUser<R extends ResponseView> {
  /** Provisional responses, every 2xx (retransmissions included, RFC 6026 §8.4), and the first non-2xx final. */
  onResponse?(response: R): void;
  /** Timer B fired in Calling (RFC 3261 §17.1.1.2); the UAC core treats it as 408 (§8.1.3.1). */
  onTimeout?(): void;
  /** The transport failed (RFC 3261 §17.1.4); the UAC core treats it as 503 (§8.1.3.1). */
  onTransportError?(error: Error): void;
}

export interface InviteClientTransactionOptions<R extends ResponseView> extends TransactionContext {
  /** The serialized INVITE. */
  readonly request: Uint8Array;
  /**
   * Builds the ACK for a non-2xx final response (RFC 3261 §17.1.1.3: same Request-URI, Call-ID, From, CSeq number,
   * top Via and Route as the INVITE, the To of the response, method ACK).
   */
  readonly buildAck: (response: R) => Uint8Array;
  readonly user: InviteClientTransactionUser<R>;
}

const TRANSITIONS: Readonly<Record<InviteClientTransactionState, readonly InviteClientTransactionState[]>> = {
  calling: ['proceeding', 'accepted', 'completed', 'terminated'],
  proceeding: ['accepted', 'completed', 'terminated'],
  accepted: ['terminated'],
  completed: ['terminated'],
  terminated: [],
};

/** The INVITE client transaction of RFC 3261 §17.1.1, with the Accepted state of RFC 6026 §8.4 (Figure 5 as updated). */
export class InviteClientTransaction<R extends ResponseView = ResponseView> extends Transaction<InviteClientTransactionState> {
  /** Dropped when a final response arrives (no more Timer A), with the ACK builder (it holds the parsed INVITE). */
  private request: Uint8Array | undefined;
  private buildAck: ((response: R) => Uint8Array) | undefined;
  /** Kept in Accepted (2xx retransmissions go up, RFC 6026 §8.4); dropped in Completed, where only the ACK is resent. */
  private user: InviteClientTransactionUser<R>;
  private ack: Uint8Array | undefined;
  private timerAInterval: number;

  constructor(options: InviteClientTransactionOptions<R>) {
    super('InviteClientTransaction', 'calling', TRANSITIONS, 'terminated', options);
    this.request = options.request;
    this.buildAck = options.buildAck;
    this.user = options.user;
    this.timerAInterval = options.timers.A;
    this.enter('calling');
  }

  protected enter(state: InviteClientTransactionState): void {
    const { timers, transport } = this.ctx;
    switch (state) {
      case 'calling':
        // §17.1.1.2: send the request; Timer A only on unreliable transports, Timer B always.
        if (this.request) this.sendBytes(this.request);
        if (!transport.reliable) this.armTimer('A', this.timerAInterval);
        this.armTimer('B', timers.B);
        break;
      case 'proceeding':
        // §17.1.1.2: no more retransmissions once a provisional response arrived; Timer B only runs in Calling.
        this.clearTimer('A');
        this.clearTimer('B');
        break;
      case 'accepted':
        // RFC 6026 §8.4: stay to pass 2xx retransmissions to the TU until Timer M.
        this.request = undefined;
        this.buildAck = undefined;
        this.clearTimer('A');
        this.clearTimer('B');
        this.armTimer('M', timers.M);
        break;
      case 'completed':
        this.request = undefined;
        this.buildAck = undefined;
        this.user = {};
        this.clearTimer('A');
        this.clearTimer('B');
        this.armTimer('D', timers.D);
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
    if (name === 'A') this.onTimerA();
    else if (name === 'B') this.onTimerB();
    else if (name === 'M' || name === 'D') this.transition('terminated');
  }

  private onTimerA(): void {
    // §17.1.1.2: retransmit and double the interval (no T2 cap for INVITE).
    if (this.request) this.sendBytes(this.request);
    this.timerAInterval *= 2;
    this.armTimer('A', this.timerAInterval);
  }

  private onTimerB(): void {
    this.transition('terminated');
    this.user.onTimeout?.();
  }

  receiveResponse(response: R): void {
    const status = response.status;
    const state = this.state;
    switch (state) {
      case 'calling':
      case 'proceeding':
        if (status < 200) {
          if (state === 'calling') this.transition('proceeding');
          this.user.onResponse?.(response);
        } else if (status < 300) {
          this.transition('accepted');
          this.user.onResponse?.(response);
        } else {
          // §17.1.1.3: ACK the non-2xx final response here, pass it up once.
          const user = this.user;
          const ack = this.buildAck?.(response);
          this.ack = ack ? Transaction.keep(ack) : undefined;
          this.transition('completed');
          if (ack) this.sendBytes(ack);
          user.onResponse?.(response);
        }
        break;
      case 'accepted':
        // RFC 6026 §8.4: 2xx retransmissions go to the TU (which re-sends its ACK); anything else is dropped.
        if (status >= 200 && status < 300) this.user.onResponse?.(response);
        break;
      case 'completed':
        // §17.1.1.2: a retransmitted final response is re-ACKed and not passed up.
        if (status >= 300 && this.ack) this.sendBytes(this.ack);
        break;
      case 'terminated':
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

import type { Clock, Logger } from '../../core/index.js';
import type { TimerTable } from './timers.js';

/** The response bytes a server transaction sends, with the status it needs to pick its next state. */
export interface OutgoingResponse {
  readonly status: number;
  readonly bytes: Uint8Array;
}

/** What a client transaction needs to know about a received response. */
export interface ResponseView {
  readonly status: number;
}

/**
 * The way a transaction reaches the wire: one destination fixed at creation (RFC 3261 §17.1: a client transaction
 * sends every retransmission to the same address; §18.2.2: a server transaction answers to the request's source).
 */
export interface TransactionTransport {
  /** Whether the transport is reliable (TCP, TLS, WS): no retransmissions and zero-length D/I/J/K. */
  readonly reliable: boolean;
  send(bytes: Uint8Array): Promise<void>;
}

export interface TransactionContext {
  readonly clock: Clock;
  readonly timers: TimerTable;
  readonly transport: TransactionTransport;
  readonly logger?: Logger;
  /**
   * Called once, when the transaction reaches Terminated, so the owning table drops it. One function can serve a
   * whole table: it receives the transaction.
   */
  readonly onTerminated?: (transaction: { readonly tableKey: string; readonly mergeKey: string | undefined }) => void;
}

/** Thrown by a transaction asked to do something its state forbids; a programming error in the caller. */
export class TransactionStateError extends Error {
  override readonly name = 'TransactionStateError';
  constructor(kind: string, from: string, to: string) {
    super(`${kind}: illegal transition ${from} -> ${to}`);
  }
}

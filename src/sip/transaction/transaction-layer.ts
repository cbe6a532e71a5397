import type { Clock, Logger } from '../../core/index.js';
import { InviteClientTransaction, type InviteClientTransactionUser } from './invite-client-transaction.js';
import { InviteServerTransaction, type InviteServerTransactionUser } from './invite-server-transaction.js';
import { NonInviteClientTransaction, type NonInviteClientTransactionUser } from './non-invite-client-transaction.js';
import { NonInviteServerTransaction, type NonInviteServerTransactionUser } from './non-invite-server-transaction.js';
import { timerTable, type TimerSettings, type TimerTable } from './timers.js';
import {
  clientTransactionKey, mergeKey, serverTransactionKey, type RequestKeyView, type ResponseKeyView,
} from './transaction-key.js';
import type { TransactionTransport } from './transaction-types.js';

export type ClientTransaction<R extends ResponseKeyView> = InviteClientTransaction<R> | NonInviteClientTransaction<R>;
export type ServerTransaction = InviteServerTransaction | NonInviteServerTransaction;

export interface TransactionLayerOptions {
  readonly clock: Clock;
  readonly timers?: Partial<TimerSettings>;
  readonly logger?: Logger;
}

/** What the layer made of an incoming request (RFC 3261 §17.2.3, §8.2.2.2). */
export type RequestDisposition =
  /** A retransmission handled by its server transaction (or an ACK for a non-2xx). Nothing for the core to do. */
  | { readonly kind: 'absorbed' }
  /** An ACK that matched no server transaction: the ACK for a 2xx, for the dialog layer (§13.3.1.4, §17.2.3). */
  | { readonly kind: 'ack' }
  /** A new INVITE and its server transaction, already created. */
  | { readonly kind: 'invite'; readonly transaction: InviteServerTransaction }
  /** A new non-INVITE request and its server transaction. */
  | { readonly kind: 'non-invite'; readonly transaction: NonInviteServerTransaction }
  /** §8.2.2.2 merged request: the core answers 482 (Loop Detected) on the given transaction. */
  | { readonly kind: 'merged'; readonly transaction: ServerTransaction };

/**
 * The transaction table of RFC 3261 §17: creates the four machines, matches incoming messages to them, and drops
 * each one when it reaches Terminated. Every machine ends through a timer, so the table drains by itself after any
 * flood (absent a TU that never answers an INVITE — that bound belongs to the UAS core).
 */
export class TransactionLayer<R extends ResponseKeyView = ResponseKeyView> {
  private readonly clock: Clock;
  private readonly logger: Logger | undefined;
  private readonly settings: Partial<TimerSettings>;
  private readonly unreliableTimers: TimerTable;
  private readonly reliableTimers: TimerTable;
  private readonly clients = new Map<string, ClientTransaction<R>>();
  private readonly servers = new Map<string, ServerTransaction>();
  private readonly merges = new Map<string, string>();
  private closed = false;
  /** One removal callback per table, shared by all its transactions (no closure per transaction). */
  private readonly clientTerminated = (t: { readonly tableKey: string }): void => {
    if (this.clients.get(t.tableKey) === t) this.clients.delete(t.tableKey);
  };
  private readonly serverTerminated = (t: { readonly tableKey: string; readonly mergeKey: string | undefined }): void => {
    if (this.servers.get(t.tableKey) === t) this.servers.delete(t.tableKey);
    if (t.mergeKey !== undefined && this.merges.get(t.mergeKey) === t.tableKey) this.merges.delete(t.mergeKey);
  };

  constructor(options: TransactionLayerOptions) {
    this.clock = options.clock;
    this.logger = options.logger;
    this.settings = options.timers ?? {};
    this.unreliableTimers = timerTable(this.settings, false);
    this.reliableTimers = timerTable(this.settings, true);
  }

  /** The timer table for a transport kind. */
  timers(reliable: boolean): TimerTable {
    return reliable ? this.reliableTimers : this.unreliableTimers;
  }

  /** Client plus server transactions currently alive. */
  get size(): number {
    return this.clients.size + this.servers.size;
  }

  get clientCount(): number {
    return this.clients.size;
  }

  get serverCount(): number {
    return this.servers.size;
  }

  sendInvite(options: {
    branch: string;
    request: Uint8Array;
    transport: TransactionTransport;
    buildAck: (response: R) => Uint8Array;
    user: InviteClientTransactionUser<R>;
  }): InviteClientTransaction<R> {
    this.assertOpen();
    const key = clientTransactionKey(options.branch, 'INVITE');
    if (this.clients.has(key)) throw new Error(`duplicate client transaction ${key}`);
    const transaction: InviteClientTransaction<R> = new InviteClientTransaction<R>({
      request: options.request,
      buildAck: options.buildAck,
      user: options.user,
      clock: this.clock,
      timers: this.timers(options.transport.reliable),
      transport: options.transport,
      ...(this.logger ? { logger: this.logger } : {}),
      onTerminated: this.clientTerminated,
    });
    transaction.tableKey = key;
    if (!transaction.terminated) this.clients.set(key, transaction);
    return transaction;
  }

  sendNonInvite(options: {
    branch: string;
    method: string;
    request: Uint8Array;
    transport: TransactionTransport;
    user: NonInviteClientTransactionUser<R>;
  }): NonInviteClientTransaction<R> {
    this.assertOpen();
    if (options.method.toUpperCase() === 'INVITE' || options.method.toUpperCase() === 'ACK') {
      throw new Error(`${options.method} is not sent through a non-INVITE client transaction`);
    }
    const key = clientTransactionKey(options.branch, options.method);
    if (this.clients.has(key)) throw new Error(`duplicate client transaction ${key}`);
    const transaction: NonInviteClientTransaction<R> = new NonInviteClientTransaction<R>({
      request: options.request,
      user: options.user,
      clock: this.clock,
      timers: this.timers(options.transport.reliable),
      transport: options.transport,
      ...(this.logger ? { logger: this.logger } : {}),
      onTerminated: this.clientTerminated,
    });
    transaction.tableKey = key;
    if (!transaction.terminated) this.clients.set(key, transaction);
    return transaction;
  }

  /** §17.1.3: route a response to its client transaction. False when none matches (a stray response). */
  receiveResponse(response: R): boolean {
    if (response.branch === undefined) return false;
    const transaction = this.clients.get(clientTransactionKey(response.branch, response.cseqMethod));
    if (!transaction) return false;
    transaction.receiveResponse(response);
    return true;
  }

  /**
   * §17.2.3: match a request to a server transaction, or create one. The transport is the way back to the request's
   * source (§18.2.2).
   */
  receiveRequest(
    request: RequestKeyView,
    transport: TransactionTransport,
    users: { invite?: InviteServerTransactionUser; nonInvite?: NonInviteServerTransactionUser } = {},
  ): RequestDisposition {
    this.assertOpen();
    const key = serverTransactionKey(request);
    const existing = this.servers.get(key);
    const method = request.method.toUpperCase();
    if (method === 'ACK') {
      // Only the ACK for a non-2xx response matches the INVITE server transaction (§17.2.3); the ACK for a 2xx is a
      // transaction of its own that goes to the core (§17.1.1.3). In Accepted (RFC 6026) it goes to the core too.
      if (existing instanceof InviteServerTransaction && existing.state !== 'accepted') {
        existing.receiveAck();
        return { kind: 'absorbed' };
      }
      return { kind: 'ack' };
    }
    if (existing) {
      existing.receiveRequest();
      return { kind: 'absorbed' };
    }
    const merged = request.toTag === undefined ? this.merges.get(mergeKey(request)) : undefined;
    const transaction = this.createServer(key, request, transport, users);
    if (merged !== undefined && merged !== key && this.servers.has(merged)) return { kind: 'merged', transaction };
    return transaction instanceof InviteServerTransaction
      ? { kind: 'invite', transaction }
      : { kind: 'non-invite', transaction };
  }

  /** §9.2: the INVITE server transaction a CANCEL refers to (same key, method INVITE). */
  findInviteForCancel(cancel: RequestKeyView): InviteServerTransaction | undefined {
    const transaction = this.servers.get(serverTransactionKey(cancel, 'INVITE'));
    return transaction instanceof InviteServerTransaction ? transaction : undefined;
  }

  /** Abort every transaction without notifying their users. Synchronous and idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const t of [...this.clients.values()]) t.abort();
    for (const t of [...this.servers.values()]) t.abort();
    this.clients.clear();
    this.servers.clear();
    this.merges.clear();
  }

  private createServer(
    key: string,
    request: RequestKeyView,
    transport: TransactionTransport,
    users: { invite?: InviteServerTransactionUser; nonInvite?: NonInviteServerTransactionUser },
  ): ServerTransaction {
    const merge = request.toTag === undefined ? mergeKey(request) : undefined;
    const common = {
      clock: this.clock,
      timers: this.timers(transport.reliable),
      transport,
      ...(this.logger ? { logger: this.logger } : {}),
    };
    const onTerminated = this.serverTerminated;
    const transaction: ServerTransaction =
      request.method.toUpperCase() === 'INVITE'
        ? new InviteServerTransaction({ ...common, onTerminated, ...(users.invite ? { user: users.invite } : {}) })
        : new NonInviteServerTransaction({ ...common, onTerminated, ...(users.nonInvite ? { user: users.nonInvite } : {}) });
    transaction.tableKey = key;
    this.servers.set(key, transaction);
    if (merge !== undefined && !this.merges.has(merge)) {
      transaction.mergeKey = merge;
      this.merges.set(merge, key);
    }
    return transaction;
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('TransactionLayer is closed');
  }
}

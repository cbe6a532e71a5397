import type { Clock, Logger, TimerHandle } from '../../core/index.js';
import { dialogKey, type Dialog } from '../dialog/index.js';
import { createResponse, type SipRequest, type SipResponse } from '../message/index.js';
import {
  InviteServerTransaction, TransactionStateError, type ServerTransaction, type TimerTable, type TransactionTransport,
} from '../transaction/index.js';
import type { RespondOptions, ServerTransactionHandle } from './ua-core.js';

interface Pending2xx {
  timer: TimerHandle | undefined;
  readonly giveUp: TimerHandle;
  readonly onAck: () => void;
}

/**
 * The response side of the UAS core (RFC 3261 §8.2.6, §13.3.1.4): builds responses through the message layer, sends
 * them through their server transaction, and retransmits 2xx responses to INVITE until the matching ACK arrives.
 */
export class UasResponder {
  private readonly pending = new Map<string, Pending2xx>();

  constructor(
    private readonly clock: Clock,
    private readonly timers: TimerTable,
    private readonly reliable: boolean,
    private readonly serverHeader: string,
    private readonly logger: Logger,
  ) {}

  /** 2xx responses still waiting for their ACK. */
  get size(): number {
    return this.pending.size;
  }

  /** The handle through which the core and the legs answer one request. */
  handle(request: SipRequest, transaction: ServerTransaction, back: TransactionTransport): ServerTransactionHandle {
    const respond = (status: number, options: RespondOptions = {}): SipResponse => {
      const response = createResponse(request, status, {
        ...(options.reason !== undefined ? { reason: options.reason } : {}),
        ...(options.toTag !== undefined ? { toTag: options.toTag } : {}),
        headers: [...(options.headers ?? []), ['Server', this.serverHeader]],
        ...(options.body ? { body: options.body } : {}),
        ...(options.contentType ? { contentType: options.contentType } : {}),
      });
      try {
        transaction.respond({ status, bytes: response.serialize() });
      } catch (error) {
        if (!(error instanceof TransactionStateError)) throw error;
        this.logger.debug({ status, state: transaction.state }, 'response after the server transaction moved on; dropped');
      }
      return response;
    };
    const respondReliably = (status: number, options: RespondOptions, dialog: Dialog, onAck: () => void, onNoAck: () => void): SipResponse => {
      const response = respond(status, options);
      const bytes = response.serialize();
      const key = `${dialog.key}|${request.cseq?.seq}`;
      const { T1, T2 } = this.timers;
      let interval = T1;
      const entry: Pending2xx = {
        timer: undefined,
        giveUp: this.clock.setTimeout(() => {
          // §13.3.1.4: no ACK after 64*T1 — the dialog is confirmed but the session SHOULD be terminated (BYE).
          this.clock.clearTimeout(entry.timer);
          this.pending.delete(key);
          onNoAck();
        }, 64 * T1),
        onAck,
      };
      const retransmit = (): void => {
        // §13.3.1.4: the 2xx is passed to the transport every T1, 2T1, … capped at T2, until the ACK. While the
        // INVITE server transaction is in Accepted (RFC 6026) it passes them; after, they go straight out.
        if (transaction instanceof InviteServerTransaction && transaction.state === 'accepted') {
          transaction.respond({ status, bytes });
        } else {
          back.send(bytes).catch(() => undefined);
        }
        interval = Math.min(2 * interval, T2);
        entry.timer = this.clock.setTimeout(retransmit, interval);
      };
      // Reliable transports deliver the 2xx themselves (§13.3.1.4 applies the retransmission to unreliable ones).
      if (!this.reliable) entry.timer = this.clock.setTimeout(retransmit, interval);
      this.pending.set(key, entry);
      return response;
    };
    return { request, respond, respondReliably };
  }

  /** An ACK arrived: stop retransmitting the 2xx it acknowledges. True when it matched one. */
  receiveAck(request: SipRequest): boolean {
    const key = `${dialogKey({ callId: request.callId ?? '', localTag: request.to?.tag ?? '', remoteTag: request.from?.tag ?? '' })}|${request.cseq?.seq}`;
    const pending = this.pending.get(key);
    if (!pending) return false;
    this.pending.delete(key);
    this.clock.clearTimeout(pending.timer);
    this.clock.clearTimeout(pending.giveUp);
    pending.onAck();
    return true;
  }

  /** Stop every retransmission without calling back. Synchronous and idempotent. */
  close(): void {
    for (const p of this.pending.values()) {
      this.clock.clearTimeout(p.timer);
      this.clock.clearTimeout(p.giveUp);
    }
    this.pending.clear();
  }
}

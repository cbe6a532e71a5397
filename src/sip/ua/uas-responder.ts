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
  /** 2xx responses awaiting their ACK, by dialog key, then by the CSeq number of the INVITE they answer. */
  private readonly pending = new Map<string, Map<number, Pending2xx>>();
  private count = 0;

  constructor(
    private readonly clock: Clock,
    private readonly timers: TimerTable,
    private readonly reliable: boolean,
    private readonly serverHeader: string,
    private readonly logger: Logger,
  ) {}

  /** 2xx responses still waiting for their ACK. */
  get size(): number {
    return this.count;
  }

  /** The handle through which the core and the legs answer one request. */
  handle(request: SipRequest, transaction: ServerTransaction, back: TransactionTransport): ServerTransactionHandle {
    const send = (status: number, options: RespondOptions): { response: SipResponse; bytes: Buffer } => {
      const response = createResponse(request, status, {
        ...(options.reason !== undefined ? { reason: options.reason } : {}),
        ...(options.toTag !== undefined ? { toTag: options.toTag } : {}),
        headers: [...(options.headers ?? []), ['Server', this.serverHeader]],
        ...(options.body ? { body: options.body } : {}),
        ...(options.contentType ? { contentType: options.contentType } : {}),
      });
      const bytes = response.serialize();
      try {
        transaction.respond({ status, bytes });
      } catch (error) {
        if (!(error instanceof TransactionStateError)) throw error;
        this.logger.debug({ status, state: transaction.state }, 'response after the server transaction moved on; dropped');
      }
      return { response, bytes };
    };
    const respond = (status: number, options: RespondOptions = {}): SipResponse => send(status, options).response;
    const respondReliably = (status: number, options: RespondOptions, dialog: Dialog, onAck: () => void, onNoAck: () => void): SipResponse => {
      const { response, bytes } = send(status, options);
      const dialogKey = dialog.key;
      const seq = request.cseq?.seq ?? 0;
      const { T1, T2 } = this.timers;
      let interval = T1;
      const entry: Pending2xx = {
        timer: undefined,
        giveUp: this.clock.setTimeout(() => {
          // §13.3.1.4: no ACK after 64*T1 — the dialog is confirmed but the session SHOULD be terminated (BYE).
          this.clock.clearTimeout(entry.timer);
          this.remove(dialogKey, seq);
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
      const previous = this.pending.get(dialogKey)?.get(seq);
      if (previous) this.stop(previous);
      else this.count++;
      let byCseq = this.pending.get(dialogKey);
      if (!byCseq) this.pending.set(dialogKey, (byCseq = new Map()));
      byCseq.set(seq, entry);
      return response;
    };
    return { request, respond, respondReliably };
  }

  /** An ACK arrived: stop retransmitting the 2xx it acknowledges. True when it matched one. */
  receiveAck(request: SipRequest): boolean {
    const key = dialogKey({ callId: request.callId ?? '', localTag: request.to?.tag ?? '', remoteTag: request.from?.tag ?? '' });
    const seq = request.cseq?.seq ?? 0;
    const pending = this.pending.get(key)?.get(seq);
    if (!pending) return false;
    this.remove(key, seq);
    this.stop(pending);
    pending.onAck();
    return true;
  }

  /**
   * Another request from the peer within the dialog (BYE, INFO, re-INVITE …) with a higher CSeq: the peer holds our
   * To tag, so our 2xx to every earlier INVITE reached it, even if its ACK was lost (RFC 3261 §12.2.2, §13.3.1.4).
   * Stop those retransmissions and settle them as acknowledged. Returns how many were settled.
   */
  receiveInDialogRequest(key: string, cseq: number): number {
    const byCseq = this.pending.get(key);
    if (!byCseq) return 0;
    let settled = 0;
    for (const [seq, pending] of [...byCseq]) {
      if (seq >= cseq) continue;
      this.remove(key, seq);
      this.stop(pending);
      settled++;
      pending.onAck();
    }
    return settled;
  }

  private remove(key: string, seq: number): void {
    const byCseq = this.pending.get(key);
    if (!byCseq?.delete(seq)) return;
    this.count--;
    if (byCseq.size === 0) this.pending.delete(key);
  }

  private stop(pending: Pending2xx): void {
    this.clock.clearTimeout(pending.timer);
    this.clock.clearTimeout(pending.giveUp);
  }

  /** Stop every retransmission without calling back. Synchronous and idempotent. */
  close(): void {
    for (const byCseq of this.pending.values()) for (const p of byCseq.values()) this.stop(p);
    this.pending.clear();
    this.count = 0;
  }
}

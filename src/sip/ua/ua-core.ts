import type { Clock, Logger } from '../../core/index.js';
import type { Dialog, DialogLocal } from '../dialog/index.js';
import type { SipRequest, SipResponse } from '../message/index.js';
import type {
  InviteClientTransaction, InviteClientTransactionUser, NonInviteClientTransaction, NonInviteClientTransactionUser,
  TimerTable,
} from '../transaction/index.js';
import type { ResponseEvent } from './message-views.js';
import type { LocalIdentity } from './request-factory.js';

/** The part of a call leg that the dialog table routes in-dialog requests to. */
export interface DialogUsage {
  /** An in-dialog request other than ACK, after the dialog accepted its CSeq; the usage answers it. */
  receiveRequest(request: SipRequest, handle: ServerTransactionHandle): void;
  /** An ACK within the dialog (for a 2xx, §13.3.1.4), after the core stopped retransmitting that 2xx. */
  receiveAck(request: SipRequest): void;
  /** The user agent is closing: drop everything without signalling upward more than once (STYLE §8). */
  parentClosed(): void;
}

export interface RespondOptions {
  readonly reason?: string;
  /** To tag for a response that creates a dialog (§12.1.1); in-dialog requests already carry ours. */
  readonly toTag?: string;
  readonly headers?: ReadonlyArray<readonly [string, string]>;
  readonly body?: Buffer;
  readonly contentType?: string;
}

/** A received request and the means to answer it through its server transaction. */
export interface ServerTransactionHandle {
  readonly request: SipRequest;
  /** Send a response through the server transaction (§8.2.6). Returns the response sent. */
  respond(status: number, options?: RespondOptions): SipResponse;
  /**
   * Send a 2xx to an INVITE and retransmit it until the ACK arrives: interval T1 doubling up to T2, give up after
   * 64*T1 (§13.3.1.4). Exactly one of onAck / onNoAck is called.
   */
  respondReliably(status: number, options: RespondOptions, dialog: Dialog, onAck: () => void, onNoAck: () => void): SipResponse;
}

/** The services of the user agent core that legs use; implemented by {@link UserAgent}. */
export interface UaCore {
  readonly clock: Clock;
  readonly logger: Logger;
  readonly timers: TimerTable;
  readonly local: LocalIdentity & DialogLocal;
  sendInvite(request: SipRequest, user: InviteClientTransactionUser<ResponseEvent>): InviteClientTransaction<ResponseEvent>;
  sendNonInvite(request: SipRequest, user: NonInviteClientTransactionUser<ResponseEvent>): NonInviteClientTransaction<ResponseEvent>;
  /** Send without a transaction (the ACK for a 2xx, §13.2.2.4). */
  sendStateless(request: SipRequest): void;
  /** The peer sent a message again because our answer to it was late or lost (a retransmitted 2xx). */
  peerRetransmitted(): void;
  addDialog(dialog: Dialog, usage: DialogUsage): void;
  removeDialog(dialog: Dialog): void;
}

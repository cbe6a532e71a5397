import type { SipRequest, SipResponse } from '../message/index.js';
import type { RespondOptions, ServerTransactionHandle } from './ua-core.js';

/** A request outside any dialog other than INVITE (REGISTER, OPTIONS, MESSAGE, …), answered through its transaction. */
export class IncomingRequest {
  readonly request: SipRequest;
  private answered = false;

  /** @internal */
  constructor(private readonly handle: ServerTransactionHandle) {
    this.request = handle.request;
  }

  get method(): string {
    return this.request.method;
  }

  /** Whether a final response was sent. */
  get responded(): boolean {
    return this.answered;
  }

  /** Send a response (§8.2.6). A final response may be sent once; later calls throw. */
  respond(status: number, options: RespondOptions = {}): SipResponse {
    if (this.answered) throw new Error(`request already answered; cannot send ${status}`);
    if (status >= 200) this.answered = true;
    return this.handle.respond(status, options);
  }
}

import { SipMessage } from './sip-message.js';
import { Headers } from './headers.js';
import type { Uri } from './uri.js';
import type { SipResponse } from './sip-response.js';

export const SIP_VERSION = 'SIP/2.0';

export interface SipRequestInit {
  method: string;
  uri: Uri;
  headers?: Headers;
  body?: Buffer;
  version?: string;
}

/** A SIP request (RFC 3261 §7.1): `Request-Line = Method SP Request-URI SP SIP-Version CRLF`. */
export class SipRequest extends SipMessage {
  method: string;
  uri: Uri;
  /** As received, e.g. `SIP/2.0`; §8.2 / §21.5.6: anything else is answered 505 by the validator. */
  version: string;

  constructor(init: SipRequestInit) {
    super(init.headers ?? new Headers(), init.body ?? Buffer.alloc(0));
    this.method = init.method;
    this.uri = init.uri;
    this.version = init.version ?? SIP_VERSION;
  }

  isRequest(): this is SipRequest {
    return true;
  }

  isResponse(): this is SipResponse {
    return false;
  }

  startLine(): string {
    return `${this.method} ${this.uri.toString()} ${this.version}`;
  }
}

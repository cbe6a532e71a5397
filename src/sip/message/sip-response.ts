import { SipMessage } from './sip-message.js';
import { Headers } from './headers.js';
import type { SipRequest } from './sip-request.js';
import { SIP_VERSION } from './sip-request.js';
import { reasonPhrase } from './reason-phrases.js';

export interface SipResponseInit {
  status: number;
  reason?: string;
  headers?: Headers;
  body?: Buffer;
  version?: string;
}

/** A SIP response (RFC 3261 §7.2): `Status-Line = SIP-Version SP Status-Code SP Reason-Phrase CRLF`. */
export class SipResponse extends SipMessage {
  status: number;
  reason: string;
  version: string;

  constructor(init: SipResponseInit) {
    super(init.headers ?? new Headers(), init.body ?? Buffer.alloc(0));
    this.status = init.status;
    this.reason = init.reason ?? reasonPhrase(init.status);
    this.version = init.version ?? SIP_VERSION;
  }

  isRequest(): this is SipRequest {
    return false;
  }

  isResponse(): this is SipResponse {
    return true;
  }

  get isProvisional(): boolean {
    return this.status < 200;
  }

  get isFinal(): boolean {
    return this.status >= 200;
  }

  startLine(): string {
    return `${this.version} ${this.status} ${this.reason}`;
  }
}

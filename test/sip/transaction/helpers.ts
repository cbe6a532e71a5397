import type { TransactionTransport } from '../../../src/sip/transaction/index.js';

/** A transport that records what it is given, and can be told to fail. */
export class RecordingTransport implements TransactionTransport {
  readonly sent: string[] = [];
  fail = false;
  constructor(readonly reliable = false) {}
  send(bytes: Uint8Array): Promise<void> {
    if (this.fail) return Promise.reject(new Error('network unreachable'));
    this.sent.push(Buffer.from(bytes).toString('utf8'));
    return Promise.resolve();
  }
}

export const bytes = (s: string): Uint8Array => Buffer.from(s, 'utf8');

/** Let rejected transport promises settle. */
export const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

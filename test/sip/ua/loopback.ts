import { parseMessage, type SipRequest, type SipResponse } from '../../../src/sip/message/index.js';
import type { Endpoint, UaTransport, UserAgent } from '../../../src/sip/ua/index.js';

/** One delivered datagram, as the test sees it. */
export interface Packet {
  readonly from: string;
  readonly to: string;
  readonly message: SipRequest | SipResponse;
}

/**
 * An in-memory datagram network: each transport has an address; sends are parsed and delivered on a microtask, so
 * a test drives the whole exchange with `await flush()` and advances timers with a FakeClock. A filter can drop
 * packets (to test retransmission and lost ACKs).
 */
export class LoopbackNetwork {
  readonly log: Packet[] = [];
  private readonly nodes = new Map<string, UserAgent>();
  drop: (packet: Packet) => boolean = () => false;

  transport(host: string, port: number, reliable = false): UaTransport & { attach(ua: UserAgent): void } {
    const key = `${host}:${port}`;
    return {
      protocol: reliable ? 'TCP' : 'UDP',
      reliable,
      local: { host, port },
      send: (bytes: Uint8Array, destination: Endpoint) => {
        const parsed = parseMessage(Buffer.from(bytes));
        if (!parsed.ok) return Promise.reject(new Error(`unparseable: ${parsed.reason}`));
        const packet: Packet = { from: key, to: `${destination.host}:${destination.port}`, message: parsed.message };
        const target = this.nodes.get(packet.to);
        if (!target) return Promise.reject(new Error(`no route to ${packet.to}`));
        this.log.push(packet);
        if (!this.drop(packet)) queueMicrotask(() => target.receive(packet.message, { host, port }));
        return Promise.resolve();
      },
      attach: (ua: UserAgent) => {
        this.nodes.set(key, ua);
      },
    };
  }

  /** Start lines of the packets sent so far, e.g. "a→b INVITE" / "b→a 200 INVITE". */
  summary(): string[] {
    return this.log.map((p) => {
      const m = p.message;
      return m.isRequest() ? `${p.from}>${p.to} ${m.method}` : `${p.from}>${p.to} ${m.status} ${m.cseq?.method}`;
    });
  }
}

/** Let queued deliveries and promise continuations run (several rounds, for request → response → ACK chains). */
export async function flush(rounds = 20): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

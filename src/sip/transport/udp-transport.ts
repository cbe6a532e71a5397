import dgram from 'node:dgram';
import net from 'node:net';
import { TransportError } from './transport-error.js';
import type { Destination, Endpoint, Source, Transport, TransportSink } from './transport.js';

export interface UdpTransportOptions {
  host?: string;
  /** 0 = ephemeral; the bound port is reported in `local`. */
  /** Host reported in `local` (for Via sent-by and Contact) instead of the bound address, e.g. when bound to 0.0.0.0. */
  advertisedHost?: string;
  port?: number;
}

/** SIP over UDP (RFC 3261 §18): one datagram carries one message. */
export class UdpTransport implements Transport {
  readonly protocol = 'UDP' as const;
  readonly reliable = false;
  #socket: dgram.Socket;
  #local: Endpoint = { host: '0.0.0.0', port: 0 };
  #closed = false;

  private constructor(socket: dgram.Socket) {
    this.#socket = socket;
  }

  static async bind(sink: TransportSink, opts: UdpTransportOptions = {}): Promise<UdpTransport> {
    const host = opts.host ?? '0.0.0.0';
    const socket = dgram.createSocket(net.isIPv6(host) ? 'udp6' : 'udp4');
    const t = new UdpTransport(socket);
    await new Promise<void>((resolve, reject) => {
      const onError = (err: Error): void => {
        socket.close();
        reject(TransportError.from(err, 'BIND_FAILED', `UDP bind ${host}:${opts.port ?? 0}`));
      };
      socket.once('error', onError);
      socket.bind(opts.port ?? 0, host, () => {
        socket.off('error', onError);
        resolve();
      });
    });
    const addr = socket.address();
    t.#local = { host: opts.advertisedHost ?? addr.address, port: addr.port };
    // A socket error on UDP (e.g. ICMP unreachable surfaced by the OS) must never crash the process.
    socket.on('error', () => undefined);
    socket.on('message', (msg, rinfo) => {
      const source: Source = {
        protocol: 'UDP', address: rinfo.address, port: rinfo.port, reliable: false, connectionId: undefined,
        local: t.#local,
      };
      sink.onBytes(msg, source, t);
    });
    return t;
  }

  /** Address to be reached at: the advertised host (or the bound address) and the bound port. */
  get local(): Endpoint {
    return this.#local;
  }

  send(bytes: Uint8Array, destination: Destination): Promise<void> {
    if (this.#closed) return Promise.reject(new TransportError('CLOSED', 'UDP transport closed'));
    // §18.1.1: a request over 1300 bytes should go over a congestion-controlled transport; that choice belongs to
    // the sender. We refuse only what cannot be a datagram.
    if (bytes.length > 65507) {
      return Promise.reject(new TransportError('MESSAGE_TOO_LARGE', `datagram of ${bytes.length} bytes`));
    }
    return new Promise((resolve, reject) => {
      try {
        this.#socket.send(bytes, destination.port, destination.host, (err) => {
          if (err) reject(TransportError.from(err, 'SEND_FAILED', `UDP send to ${destination.host}:${destination.port}`));
          else resolve();
        });
      } catch (err) {
        reject(TransportError.from(err, 'SEND_FAILED', `UDP send to ${destination.host}:${destination.port}`));
      }
    });
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    try {
      this.#socket.close();
    } catch {
      // already closed
    }
  }
}

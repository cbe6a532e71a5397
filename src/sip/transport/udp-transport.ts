import dgram from 'node:dgram';
import net from 'node:net';
import type { Logger } from '../../core/index.js';
import { TransportError } from './transport-error.js';
import type { Destination, Endpoint, Source, Transport, TransportSink } from './transport.js';

export interface UdpTransportOptions {
  host?: string;
  /** Host reported in `local` (for Via sent-by and Contact) instead of the bound address, e.g. when bound to 0.0.0.0. */
  advertisedHost?: string;
  /** 0 = ephemeral; the bound port is reported in `local`. */
  port?: number;
  /**
   * SO_RCVBUF in bytes, default {@link DEFAULT_UDP_BUFFER_SIZE}; 0 keeps the OS default. The Linux default (~208 KiB,
   * about 90 INVITEs) overflows during a GC pause at a few hundred calls/s, and every dropped datagram comes back as
   * a retransmission. The OS may cap it (Linux: net.core.rmem_max); that is logged once, not an error.
   */
  recvBufferSize?: number;
  /** SO_SNDBUF in bytes, default {@link DEFAULT_UDP_BUFFER_SIZE}; 0 keeps the OS default. Capped by net.core.wmem_max. */
  sendBufferSize?: number;
  /** Where the buffer-size fallback is reported. */
  logger?: Logger;
}

/** Default UDP socket buffer size (both directions): 4 MiB. */
export const DEFAULT_UDP_BUFFER_SIZE = 4 * 1024 * 1024;

/** The OS-cap warning is given once per process and direction. */
const warnedCap = { recv: false, send: false };

/**
 * Ask for a socket buffer size; report once when the OS grants less (Linux reports twice the size it stores, so a
 * granted size below the request means it was capped).
 */
function sizeBuffer(socket: dgram.Socket, which: 'recv' | 'send', wanted: number, logger: Logger | undefined): void {
  if (!(wanted > 0)) return;
  let granted: number;
  try {
    if (which === 'recv') {
      socket.setRecvBufferSize(wanted);
      granted = socket.getRecvBufferSize();
    } else {
      socket.setSendBufferSize(wanted);
      granted = socket.getSendBufferSize();
    }
  } catch (error) {
    granted = -1;
    if (!warnedCap[which]) logger?.warn({ err: error, wanted }, `sip udp: could not set the ${which} buffer size; keeping the OS default`);
    warnedCap[which] = true;
    return;
  }
  if (granted < wanted && !warnedCap[which]) {
    warnedCap[which] = true;
    logger?.warn(
      { wanted, granted, sysctl: which === 'recv' ? 'net.core.rmem_max' : 'net.core.wmem_max' },
      `sip udp: the OS capped the ${which} buffer; raise the sysctl to avoid datagram drops under load`,
    );
  }
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
    sizeBuffer(socket, 'recv', opts.recvBufferSize ?? DEFAULT_UDP_BUFFER_SIZE, opts.logger);
    sizeBuffer(socket, 'send', opts.sendBufferSize ?? DEFAULT_UDP_BUFFER_SIZE, opts.logger);
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

  /** The socket's receive and send buffer sizes as the OS reports them (Linux: twice the stored value). */
  get bufferSizes(): { recv: number; send: number } {
    return { recv: this.#socket.getRecvBufferSize(), send: this.#socket.getSendBufferSize() };
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

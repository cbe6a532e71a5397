import net from 'node:net';
import { MAX_MESSAGE_SIZE } from '../message/index.js';
import { TransportError } from './transport-error.js';
import { StreamConnection } from './stream-connection.js';
import type { Destination, Endpoint, Transport, TransportSink } from './transport.js';

export interface TcpTransportOptions {
  host?: string;
  /** 0 = ephemeral; the bound port is reported in `local`. */
  /** Host reported in `local` (for Via sent-by and Contact) instead of the bound address, e.g. when bound to 0.0.0.0. */
  advertisedHost?: string;
  port?: number;
  maxMessageSize?: number;
  /** Close connections idle for this long (0 or undefined = never). */
  idleTimeoutMs?: number;
  /** Give up connecting after this long (default 5000 ms). */
  connectTimeoutMs?: number;
}

/**
 * SIP over TCP (RFC 3261 §18): a listener plus the connections made to or from it. Connections are reused: a send
 * goes on the connection named by the destination, else on an open connection to the same address, else on a new
 * one (§18.1.1, §18.2.2).
 */
export class TcpTransport implements Transport {
  readonly protocol = 'TCP' as const;
  readonly reliable = true;
  #server: net.Server;
  #local: Endpoint = { host: '0.0.0.0', port: 0 };
  #conns = new Map<string, StreamConnection>();
  #byRemote = new Map<string, StreamConnection>();
  #pending = new Map<string, Promise<StreamConnection>>();
  #closed = false;
  readonly #sink: TransportSink;
  readonly #maxSize: number;
  readonly #connectTimeoutMs: number;
  readonly #idleTimeoutMs: number;

  private constructor(sink: TransportSink, opts: TcpTransportOptions) {
    this.#sink = sink;
    this.#maxSize = opts.maxMessageSize ?? MAX_MESSAGE_SIZE;
    this.#connectTimeoutMs = opts.connectTimeoutMs ?? 5000;
    this.#idleTimeoutMs = opts.idleTimeoutMs ?? 0;
    this.#server = net.createServer((socket) => this.#adopt(socket));
    this.#server.on('error', () => undefined);
  }

  static async listen(sink: TransportSink, opts: TcpTransportOptions = {}): Promise<TcpTransport> {
    const t = new TcpTransport(sink, opts);
    const host = opts.host ?? '0.0.0.0';
    await new Promise<void>((resolve, reject) => {
      const onError = (err: Error): void => reject(TransportError.from(err, 'BIND_FAILED', `TCP listen ${host}:${opts.port ?? 0}`));
      t.#server.once('error', onError);
      t.#server.listen(opts.port ?? 0, host, () => {
        t.#server.off('error', onError);
        resolve();
      });
    });
    const addr = t.#server.address();
    if (addr !== null && typeof addr === 'object') t.#local = { host: opts.advertisedHost ?? addr.address, port: addr.port };
    return t;
  }

  /** Address to be reached at: the advertised host (or the bound address) and the bound port. */
  get local(): Endpoint {
    return this.#local;
  }

  /** Open connections (inbound and outbound). */
  get connectionCount(): number {
    return this.#conns.size;
  }

  #adopt(socket: net.Socket): StreamConnection {
    if (this.#idleTimeoutMs > 0) {
      socket.setTimeout(this.#idleTimeoutMs, () => socket.destroy());
    }
    const conn = new StreamConnection(socket, 'TCP', this.#local, this.#sink, this, this.#maxSize, (c) => {
      this.#conns.delete(c.id);
      const key = `${c.remote.host}:${c.remote.port}`;
      if (this.#byRemote.get(key) === c) this.#byRemote.delete(key);
    });
    if (this.#closed) {
      conn.close();
      return conn;
    }
    this.#conns.set(conn.id, conn);
    this.#byRemote.set(`${conn.remote.host}:${conn.remote.port}`, conn);
    return conn;
  }

  #connect(destination: Destination): Promise<StreamConnection> {
    const key = `${destination.host}:${destination.port}`;
    const pending = this.#pending.get(key);
    if (pending !== undefined) return pending;
    const p = new Promise<StreamConnection>((resolve, reject) => {
      const socket = net.connect({ host: destination.host, port: destination.port });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new TransportError('CONNECT_FAILED', `TCP connect to ${key} timed out`));
      }, this.#connectTimeoutMs);
      socket.once('error', (err) => {
        clearTimeout(timer);
        reject(TransportError.from(err, 'CONNECT_FAILED', `TCP connect to ${key}`));
      });
      socket.once('connect', () => {
        clearTimeout(timer);
        const conn = this.#adopt(socket);
        // Also reachable under the name it was dialled with.
        this.#byRemote.set(key, conn);
        resolve(conn);
      });
    });
    this.#pending.set(key, p);
    const clear = (): void => {
      this.#pending.delete(key);
    };
    p.then(clear, clear);
    return p;
  }

  async send(bytes: Uint8Array, destination: Destination): Promise<void> {
    if (this.#closed) throw new TransportError('CLOSED', 'TCP transport closed');
    if (bytes.length > this.#maxSize) throw new TransportError('MESSAGE_TOO_LARGE', `message of ${bytes.length} bytes`);
    let conn = destination.connectionId === undefined ? undefined : this.#conns.get(destination.connectionId);
    if (conn === undefined || conn.closed) conn = this.#byRemote.get(`${destination.host}:${destination.port}`);
    if (conn === undefined || conn.closed) conn = await this.#connect(destination);
    await conn.write(bytes);
  }

  hasConnection(connectionId: string): boolean {
    return this.#conns.has(connectionId);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#server.close();
    for (const c of this.#conns.values()) c.close();
    this.#conns.clear();
    this.#byRemote.clear();
  }
}

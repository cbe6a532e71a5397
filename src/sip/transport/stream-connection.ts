import type net from 'node:net';
import { frameStream } from '../message/index.js';
import { TransportError } from './transport-error.js';
import type { Source, Transport, TransportSink, TransportProtocol, Endpoint } from './transport.js';

const PONG = Buffer.from('\r\n');
const EMPTY = Buffer.alloc(0);

let nextId = 1;

/**
 * One stream connection (TCP): frames messages by Content-Length across partial and coalesced segments
 * (RFC 3261 §18.3), answers RFC 5626 §3.5.1 CRLFCRLF pings with a CRLF pong, and drops the connection when the
 * stream cannot be framed or a message exceeds the size limit.
 */
export class StreamConnection {
  readonly id: string;
  readonly remote: Endpoint;
  #socket: net.Socket;
  #buf: Buffer = EMPTY;
  #closed = false;
  #source: Source;

  constructor(
    socket: net.Socket,
    protocol: TransportProtocol,
    local: Endpoint,
    private readonly sink: TransportSink,
    private readonly transport: Transport,
    private readonly maxSize: number,
    onClose: (conn: StreamConnection) => void,
  ) {
    this.id = `${protocol.toLowerCase()}-${nextId++}`;
    this.#socket = socket;
    this.remote = { host: socket.remoteAddress ?? '', port: socket.remotePort ?? 0 };
    this.#source = {
      protocol, address: this.remote.host, port: this.remote.port, reliable: true, connectionId: this.id, local,
    };
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.#onData(chunk));
    socket.on('error', () => undefined); // 'close' follows; the error itself is not ours to throw
    socket.on('close', () => {
      this.#closed = true;
      onClose(this);
    });
  }

  get closed(): boolean {
    return this.#closed;
  }

  get source(): Source {
    return this.#source;
  }

  #onData(chunk: Buffer): void {
    this.#buf = this.#buf.length === 0 ? chunk : Buffer.concat([this.#buf, chunk]);
    while (!this.#closed && this.#buf.length > 0) {
      const f = frameStream(this.#buf, this.maxSize);
      if (f.kind === 'incomplete') return;
      if (f.kind === 'error') {
        this.sink.onStreamError?.(f.reason, this.#source);
        this.close();
        return;
      }
      const frame = this.#buf.subarray(0, f.length);
      this.#buf = this.#buf.length === f.length ? EMPTY : this.#buf.subarray(f.length);
      if (f.kind === 'keepalive') {
        if (f.ping) this.#socket.write(PONG);
        continue;
      }
      this.sink.onBytes(frame, this.#source, this.transport);
    }
  }

  write(bytes: Uint8Array): Promise<void> {
    if (this.#closed) return Promise.reject(new TransportError('NO_CONNECTION', `connection ${this.id} is closed`));
    return new Promise((resolve, reject) => {
      this.#socket.write(bytes, (err) => {
        if (err) reject(TransportError.from(err, 'SEND_FAILED', `write on ${this.id}`));
        else resolve();
      });
    });
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#socket.destroy();
  }
}

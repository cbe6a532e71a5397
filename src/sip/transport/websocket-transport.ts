import type http from 'node:http';
import type { Duplex } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import { isUtf8 } from 'node:buffer';
import { WebSocketServer, type WebSocket, type RawData } from 'ws';
import { MAX_MESSAGE_SIZE } from '../message/index.js';
import { TransportError } from './transport-error.js';
import type { Destination, Endpoint, Source, Transport, TransportSink } from './transport.js';

export interface WebSocketTransportOptions {
  /** Request paths served, e.g. ['/sip']; upgrades on other paths are left to other listeners. */
  paths: readonly string[];
  maxMessageSize?: number;
}

interface WsConnection {
  readonly socket: WebSocket;
  readonly source: Source;
}

let nextId = 1;

function rawToBuffer(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}

/**
 * SIP over WebSocket (RFC 7118) attached to an existing HTTP server: the `sip` subprotocol is required (§4.1), each
 * WebSocket message carries exactly one SIP message (§5), and the server never opens connections, so a send needs
 * an open connection to the destination (§5: responses go back on the connection the request came on).
 */
export class WebSocketTransport implements Transport {
  readonly reliable = true;
  readonly protocol: 'WS' | 'WSS';
  #wss: WebSocketServer;
  #conns = new Map<string, WsConnection>();
  #byRemote = new Map<string, WsConnection>();
  #local: Endpoint;
  #closed = false;
  #server: http.Server;
  #onUpgrade: (req: http.IncomingMessage, socket: Duplex, head: Buffer) => void;
  readonly #sink: TransportSink;

  constructor(server: http.Server, sink: TransportSink, opts: WebSocketTransportOptions) {
    this.#server = server;
    this.#sink = sink;
    this.protocol = 'cert' in server || 'setSecureContext' in server ? 'WSS' : 'WS';
    const addr = server.address();
    this.#local = addr !== null && typeof addr === 'object' ? { host: addr.address, port: addr.port } : { host: '0.0.0.0', port: 0 };
    const paths = new Set(opts.paths);
    this.#wss = new WebSocketServer({
      noServer: true,
      maxPayload: opts.maxMessageSize ?? MAX_MESSAGE_SIZE,
      // RFC 7118 §4.1: the only subprotocol is "sip".
      handleProtocols: (protocols) => (protocols.has('sip') ? 'sip' : false),
    });
    this.#onUpgrade = (req, socket, head) => {
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      if (!paths.has(path)) return;
      const offered = (req.headers['sec-websocket-protocol'] ?? '').split(',').map((p) => p.trim().toLowerCase());
      if (this.#closed || !offered.includes('sip')) {
        socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
        return;
      }
      this.#wss.handleUpgrade(req, socket, head, (ws) => this.#adopt(ws, req));
    };
    server.on('upgrade', this.#onUpgrade);
  }

  #adopt(ws: WebSocket, req: http.IncomingMessage): void {
    const sock = req.socket;
    const encrypted = (sock as Partial<TLSSocket>).encrypted === true;
    const local = this.#refreshLocal();
    const source: Source = {
      protocol: encrypted ? 'WSS' : 'WS',
      address: sock.remoteAddress ?? '',
      port: sock.remotePort ?? 0,
      reliable: true,
      connectionId: `ws-${nextId++}`,
      local,
    };
    const conn: WsConnection = { socket: ws, source };
    const key = `${source.address}:${source.port}`;
    this.#conns.set(source.connectionId ?? '', conn);
    this.#byRemote.set(key, conn);
    // e.g. a frame over maxPayload: ws closes the connection (1009); we count it like a stream framing error.
    ws.on('error', (err) => this.#sink.onStreamError?.(err.message, source));
    ws.on('message', (data) => {
      const bytes = rawToBuffer(data);
      // CRLF keep-alives (RFC 5626 §3.5.1 style) on WebSocket: a CRLFCRLF ping gets a CRLF pong.
      if (bytes.length <= 4 && bytes.every((b) => b === 13 || b === 10)) {
        if (bytes.length === 4) ws.send('\r\n');
        return;
      }
      this.#sink.onBytes(bytes, source, this);
    });
    ws.on('close', () => {
      this.#conns.delete(source.connectionId ?? '');
      if (this.#byRemote.get(key) === conn) this.#byRemote.delete(key);
    });
  }

  #refreshLocal(): Endpoint {
    const addr = this.#server.address();
    if (addr !== null && typeof addr === 'object') this.#local = { host: addr.address, port: addr.port };
    return this.#local;
  }

  get local(): Endpoint {
    return this.#refreshLocal();
  }

  get connectionCount(): number {
    return this.#conns.size;
  }

  send(bytes: Uint8Array, destination: Destination): Promise<void> {
    if (this.#closed) return Promise.reject(new TransportError('CLOSED', 'WebSocket transport closed'));
    let conn = destination.connectionId === undefined ? undefined : this.#conns.get(destination.connectionId);
    conn ??= this.#byRemote.get(`${destination.host}:${destination.port}`);
    if (conn === undefined || conn.socket.readyState !== conn.socket.OPEN) {
      return Promise.reject(new TransportError('NO_CONNECTION', `no WebSocket connection to ${destination.host}:${destination.port}`));
    }
    const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    // RFC 7118 §5: text frames for UTF-8 messages, binary frames otherwise.
    const payload = isUtf8(buf) ? buf.toString('utf8') : buf;
    const socket = conn.socket;
    return new Promise((resolve, reject) => {
      socket.send(payload, (err) => {
        if (err) reject(TransportError.from(err, 'SEND_FAILED', 'WebSocket send'));
        else resolve();
      });
    });
  }

  hasConnection(connectionId: string): boolean {
    return this.#conns.has(connectionId);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#server.off('upgrade', this.#onUpgrade);
    for (const c of this.#conns.values()) c.socket.terminate();
    this.#conns.clear();
    this.#byRemote.clear();
    this.#wss.close();
  }
}

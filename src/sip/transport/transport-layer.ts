import type http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import { silentLogger, type Logger } from '../../core/index.js';
import {
  parseMessage, createErrorResponse, createResponse, validateRequest, validateResponse, MAX_MESSAGE_SIZE,
  type SipRequest, type SipResponse, type UasPolicy, type Via,
} from '../message/index.js';
import { TransportError } from './transport-error.js';
import { UdpTransport, type UdpTransportOptions } from './udp-transport.js';
import { TcpTransport } from './tcp-transport.js';
import { WebSocketTransport, type WebSocketTransportOptions } from './websocket-transport.js';
import {
  replyDestination, type Destination, type Endpoint, type Source, type Transport, type TransportProtocol,
  type TransportSink, type TransportUser,
} from './transport.js';

export interface TransportLayerOptions {
  /** Bind address for UDP and TCP (default 0.0.0.0). */
  host?: string;
  /** Port shared by UDP and TCP; 0 = ephemeral (the same ephemeral port is used for both). Default 5060. */
  port?: number;
  udp?: boolean;
  tcp?: boolean;
  /** UDP socket receive buffer (SO_RCVBUF) in bytes; default 4 MiB, 0 = OS default. See {@link UdpTransportOptions}. */
  udpRecvBufferSize?: number;
  /** UDP socket send buffer (SO_SNDBUF) in bytes; default 4 MiB, 0 = OS default. */
  udpSendBufferSize?: number;
  maxMessageSize?: number;
  /**
   * Validate requests as a UAS before delivering them (RFC 3261 §8.2) and answer failures statelessly; `null` turns
   * validation off (e.g. for a proxy). Default: DEFAULT_UAS_POLICY.
   */
  policy?: UasPolicy | null;
  /** Close stream connections idle for this long (default 10 minutes; 0 = never). Keep-alives count as traffic. */
  idleTimeoutMs?: number;
  /** Host reported by the UDP/TCP transports' `local` (for Via and Contact) when bound to a wildcard address. */
  advertisedHost?: string;
  /** Host names/addresses this element writes into Via sent-by, besides its interface addresses. */
  viaHosts?: readonly string[];
  /** Tells whether a Via in a received response is ours (§18.1.2); defaults to host and port matching. */
  isLocalVia?: (via: Via) => boolean;
  /** Act as if every request carried `rport` (RFC 3581 §4), for clients behind NAT. Default false. */
  forceRport?: boolean;
  logger?: Logger;
}

/** Counters of what arrived and what became of it. */
export interface TransportCounters {
  received: number;
  /** Failed to parse (answered 400 when possible, else dropped). */
  malformed: number;
  /** Parsed but refused by validation and answered (4xx/5xx). */
  rejected: number;
  /** Dropped without an answer (bad responses, responses not for us, invalid ACKs). */
  discarded: number;
  delivered: number;
  /** CRLF keep-alive datagrams (RFC 5626 §3.5.1 style, sent by many UAs over UDP too), ignored. */
  keepalives: number;
  /** Stream connections dropped because they could not be framed (oversize, bad Content-Length). */
  streamErrors: number;
  sendErrors: number;
}

const DEFAULT_PORT = 5060;

/**
 * The transport layer (RFC 3261 §18): owns the UDP socket, the TCP listener and WebSocket attachments, parses what
 * arrives, answers what is malformed or invalid, stamps `received`/`rport` (§18.2.1, RFC 3581 §4), routes
 * responses (§18.2.2) and hands good messages to the {@link TransportUser}. Nothing thrown by a socket, the parser
 * or the user escapes it.
 */
export class TransportLayer implements TransportSink {
  readonly counters: TransportCounters = {
    received: 0, malformed: 0, rejected: 0, discarded: 0, delivered: 0, keepalives: 0, streamErrors: 0, sendErrors: 0,
  };
  /** Every transport, in the order added; several may share a protocol (e.g. WebSocket on two HTTP servers). */
  #transports: Transport[] = [];
  #user: TransportUser;
  #opts: TransportLayerOptions;
  #log: Logger;
  #policy: UasPolicy | null | undefined;
  #localHosts: Set<string>;
  #closed = false;
  #listening = false;

  constructor(user: TransportUser, opts: TransportLayerOptions = {}) {
    this.#user = user;
    this.#opts = opts;
    this.#log = opts.logger ?? silentLogger();
    this.#policy = opts.policy;
    this.#localHosts = new Set(['localhost', ...(opts.viaHosts ?? []).map((h) => h.toLowerCase())]);
    for (const list of Object.values(os.networkInterfaces())) {
      for (const i of list ?? []) this.#localHosts.add(i.address.toLowerCase());
    }
    if (opts.host !== undefined) this.#localHosts.add(opts.host.toLowerCase());
    if (opts.advertisedHost !== undefined) this.#localHosts.add(opts.advertisedHost.toLowerCase());
  }

  /** Binds UDP and TCP on one port. Resolves with the bound endpoints. */
  async listen(): Promise<{ udp?: Endpoint; tcp?: Endpoint }> {
    if (this.#closed) throw new TransportError('CLOSED', 'transport layer closed');
    if (this.#listening) throw new TransportError('BIND_FAILED', 'already listening');
    this.#listening = true;
    const host = this.#opts.host ?? '0.0.0.0';
    const wantUdp = this.#opts.udp ?? true;
    const wantTcp = this.#opts.tcp ?? true;
    const port = this.#opts.port ?? DEFAULT_PORT;
    const maxMessageSize = this.#opts.maxMessageSize ?? MAX_MESSAGE_SIZE;
    for (let attempt = 0; ; attempt++) {
      let udp: UdpTransport | undefined;
      try {
        const adv = this.#opts.advertisedHost === undefined ? {} : { advertisedHost: this.#opts.advertisedHost };
        udp = wantUdp ? await UdpTransport.bind(this, {
          host, port, ...adv, logger: this.#log,
          ...(this.#opts.udpRecvBufferSize !== undefined ? { recvBufferSize: this.#opts.udpRecvBufferSize } : {}),
          ...(this.#opts.udpSendBufferSize !== undefined ? { sendBufferSize: this.#opts.udpSendBufferSize } : {}),
        }) : undefined;
        const tcpPort = udp?.local.port ?? port;
        const tcp = wantTcp ? await TcpTransport.listen(this, {
          host, port: tcpPort, maxMessageSize, idleTimeoutMs: this.#opts.idleTimeoutMs ?? 600_000, ...adv,
        }) : undefined;
        if (udp) this.#transports.push(udp);
        if (tcp) this.#transports.push(tcp);
        return { ...(udp ? { udp: udp.local } : {}), ...(tcp ? { tcp: tcp.local } : {}) };
      } catch (err) {
        udp?.close();
        // An ephemeral UDP port may be taken for TCP; pick another one.
        if (port !== 0 || attempt >= 10) {
          this.#listening = false;
          throw TransportError.from(err, 'BIND_FAILED', 'listen');
        }
      }
    }
  }

  /** Serves SIP over WebSocket (RFC 7118) on the given paths of an existing HTTP server. */
  attachWebSocket(server: http.Server, opts: WebSocketTransportOptions): WebSocketTransport {
    const ws = new WebSocketTransport(server, this, {
      maxMessageSize: this.#opts.maxMessageSize ?? MAX_MESSAGE_SIZE, ...opts,
    });
    this.#transports.push(ws);
    return ws;
  }

  /** Adds a transport built elsewhere (e.g. a TLS transport, or a test double). */
  addTransport(transport: Transport): void {
    this.#transports.push(transport);
  }

  /** The transport for a protocol (shape-compatible with what the UA needs: protocol, reliable, local, send). */
  transport(protocol: TransportProtocol): Transport | undefined {
    return this.#transports.find((t) => t.protocol === protocol);
  }

  /** Sends bytes over the given transport. Rejects with a TransportError only. */
  async send(bytes: Uint8Array, destination: Destination, protocol: TransportProtocol): Promise<void> {
    const id = destination.connectionId;
    const t =
      (id === undefined ? undefined : this.#transports.find((x) => x.protocol === protocol && x.hasConnection?.(id) === true)) ??
      this.transport(protocol);
    if (t === undefined) throw new TransportError('UNSUPPORTED_PROTOCOL', `no ${protocol} transport`);
    try {
      await t.send(bytes, destination);
    } catch (err) {
      this.counters.sendErrors++;
      throw TransportError.from(err, 'SEND_FAILED', `send over ${protocol}`);
    }
  }

  /**
   * Sends a response to the request that came from `source` (RFC 3261 §18.2.2):
   * reliable → the same connection, else a new one to `received` and the sent-by port;
   * `maddr` → that address; RFC 3581 `rport` with a value → `received`:`rport`;
   * `received` → `received`:sent-by port; otherwise sent-by. The request's transport carries the response.
   */
  async sendResponse(response: SipResponse, source: Source): Promise<void> {
    const bytes = response.serialize();
    const via = response.topVia;
    if (source.reliable) {
      const id = source.connectionId;
      const holder = id === undefined
        ? undefined
        : this.#transports.find((t) => t.protocol === source.protocol && t.hasConnection?.(id) === true);
      if (holder !== undefined) {
        try {
          await holder.send(bytes, replyDestination(source));
          return;
        } catch (err) {
          this.counters.sendErrors++;
          if (source.protocol !== 'TCP' || via === undefined) throw TransportError.from(err, 'SEND_FAILED', 'response');
        }
      } else if (source.protocol !== 'TCP' || via === undefined) {
        // RFC 7118 §5: a WebSocket server cannot open a connection back to the client.
        throw new TransportError('NO_CONNECTION', `connection ${id ?? '?'} is gone`);
      }
      // §18.2.2: the connection is gone; open one to `received` (or sent-by) and the sent-by port.
      await this.send(bytes, { host: via.received ?? via.hostname, port: via.port ?? DEFAULT_PORT }, 'TCP');
      return;
    }
    await this.send(bytes, responseDestination(via, source), source.protocol);
  }

  /** Closes every transport. Synchronous and idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const t of this.#transports) t.close();
    this.#transports = [];
  }

  isLocalVia(via: Via): boolean {
    if (this.#opts.isLocalVia) return this.#opts.isLocalVia(via);
    const port = via.port ?? DEFAULT_PORT;
    const ports = new Set(this.#transports.map((t) => t.local.port));
    return ports.has(port) && this.#localHosts.has(via.hostname);
  }

  onStreamError(reason: string, source: Source): void {
    this.counters.streamErrors++;
    this.#log.debug({ reason, remote: `${source.address}:${source.port}` }, 'sip stream dropped');
  }

  /** Entry point for every complete message from every transport. Never throws. */
  onBytes(bytes: Buffer, source: Source, transport: Transport): void {
    if (isKeepAlive(bytes)) {
      this.counters.keepalives++;
      return;
    }
    this.counters.received++;
    try {
      this.#handle(bytes, source, transport);
    } catch (err) {
      // Defensive: a bug below must cost one message, not the process.
      this.counters.discarded++;
      this.#log.error({ err }, 'sip message handling failed');
    }
  }

  #handle(bytes: Buffer, source: Source, transport: Transport): void {
    const r = parseMessage(bytes, { maxSize: this.#opts.maxMessageSize ?? MAX_MESSAGE_SIZE });
    if (!r.ok) {
      this.counters.malformed++;
      const answer = createErrorResponse(r);
      this.#log.debug({ reason: r.reason, remote: `${source.address}:${source.port}` }, 'malformed sip message');
      // A request we cannot fully parse is answered straight to where it came from.
      if (answer !== undefined) this.#fire(transport.send(answer.serialize(), replyDestination(source)));
      return;
    }
    const m = r.message;
    if (m.isResponse()) {
      const v = validateResponse(m, (via) => this.isLocalVia(via));
      if (v.action !== 'accept') {
        this.counters.discarded++;
        this.#log.debug({ detail: v.detail }, 'sip response discarded');
        return;
      }
      this.#deliver(m, source);
      return;
    }
    if (!m.isRequest()) return;
    this.#stampVia(m, source);
    if (this.#policy !== null) {
      const v = validateRequest(m, this.#policy);
      if (v.action === 'discard') {
        this.counters.discarded++;
        return;
      }
      if (v.action === 'reject') {
        this.counters.rejected++;
        this.#fire(this.sendResponse(createResponse(m, v.status, { headers: v.headers }), source));
        return;
      }
    }
    this.#deliver(m, source);
  }

  /** §18.2.1: add `received` when sent-by differs from the source; RFC 3581 §4: fill in `rport`. */
  #stampVia(req: SipRequest, source: Source): void {
    const top = req.topVia;
    if (top === undefined) return;
    let v = top;
    const addr = source.address.startsWith('::ffff:') ? source.address.slice(7) : source.address;
    if (top.hostname !== addr.toLowerCase()) v = v.withParam('received', addr);
    if (top.rport === true || (this.#opts.forceRport === true && !source.reliable)) {
      v = v.withParam('rport', String(source.port));
      if (v.received === undefined) v = v.withParam('received', addr);
    }
    if (v !== top) req.setTopVia(v);
  }

  #deliver(m: SipRequest | SipResponse, source: Source): void {
    this.counters.delivered++;
    try {
      this.#user.receive(m, source);
    } catch (err) {
      this.#log.error({ err }, 'sip transport user threw');
    }
  }

  #fire(p: Promise<void>): void {
    p.catch((err: unknown) => {
      this.counters.sendErrors++;
      this.#log.debug({ err }, 'sip send failed');
    });
  }
}

/** A datagram or WebSocket message made only of CR/LF: a keep-alive, not a malformed message. */
function isKeepAlive(bytes: Buffer): boolean {
  if (bytes.length === 0 || bytes.length > 8) return false;
  for (const b of bytes) if (b !== 13 && b !== 10) return false;
  return true;
}

/** §18.2.2 for unreliable transports. */
export function responseDestination(via: Via | undefined, source: Source): Destination {
  if (via === undefined) return replyDestination(source);
  const port = via.port ?? DEFAULT_PORT;
  if (via.maddr !== undefined) return { host: via.maddr, port };
  const rport = via.rport;
  if (typeof rport === 'number') return { host: via.received ?? source.address, port: rport };
  if (via.received !== undefined) return { host: via.received, port };
  const host = via.host.startsWith('[') ? via.host.slice(1, -1) : via.host;
  return { host: net.isIP(host) ? host : via.host, port };
}

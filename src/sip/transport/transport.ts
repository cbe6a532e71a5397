/**
 * The transport contract (STYLE §5, RFC 3261 §18): bytes go out with `send(bytes, destination)`, messages come in
 * through `receive(message, source)`. Every failure is a {@link TransportError}.
 */
import type { SipRequest, SipResponse } from '../message/index.js';

/** Via transport tokens (RFC 3261 §20.42, RFC 7118 §5). */
export type TransportProtocol = 'UDP' | 'TCP' | 'WS' | 'WSS';

/** A transport address. */
export interface Endpoint {
  readonly host: string;
  readonly port: number;
}

/** Where a message came from. */
export interface Source {
  readonly protocol: TransportProtocol;
  /** Remote IP address as seen on the socket. */
  readonly address: string;
  readonly port: number;
  /** Reliable (stream) transports do not retransmit (§17.1.1.2 Timer A only on unreliable). */
  readonly reliable: boolean;
  /** Identifies the connection a stream message arrived on, so responses reuse it (§18.2.2). */
  readonly connectionId: string | undefined;
  /** The local address the message arrived at. */
  readonly local: Endpoint;
}

/** Where to send: a host and port, optionally pinned to an existing connection. */
export interface Destination extends Endpoint {
  /** Prefer this connection (§18.2.2: responses go back on the connection the request came on). */
  readonly connectionId?: string | undefined;
}

/** One transport (a UDP socket, a TCP listener with its connections, a set of WebSocket connections). */
export interface Transport {
  readonly protocol: TransportProtocol;
  readonly reliable: boolean;
  /** Bound address (port 0 at configuration time is reported here as the actual port). */
  readonly local: Endpoint;
  /** Sends one complete message. Rejects with a TransportError, never anything else. */
  send(bytes: Uint8Array, destination: Destination): Promise<void>;
  /** Stream transports: whether the connection with this id is open here. */
  hasConnection?(connectionId: string): boolean;
  /** Synchronous and idempotent; closes sockets and connections. */
  close(): void;
}

/** What a transport hands upwards: one complete message's bytes (datagram, stream frame or WebSocket message). */
export interface TransportSink {
  onBytes(bytes: Buffer, source: Source, transport: Transport): void;
  /** A stream was dropped because it could not be framed (oversize, bad Content-Length). */
  onStreamError?(reason: string, source: Source): void;
}

/** The layer above the transports (the transaction layer / UA): receives parsed, validated messages. */
export interface TransportUser {
  receive(message: SipRequest | SipResponse, source: Source): void;
}

/** The destination that answers a source: same address, port and connection. */
export function replyDestination(source: Source): Destination {
  return { host: source.address, port: source.port, connectionId: source.connectionId };
}

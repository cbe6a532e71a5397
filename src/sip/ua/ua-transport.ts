/** A transport address; for streams, optionally the connection to reuse (the transport layer's Destination). */
export interface Endpoint {
  readonly host: string;
  readonly port: number;
  readonly connectionId?: string | undefined;
}

/**
 * What the user agent needs from a transport (STYLE §5; the transport layer's UdpTransport / TcpTransport fit as is): send bytes to a destination, know whether it is reliable,
 * and the local address to put in Via and Contact. Incoming messages are handed to {@link UserAgent.receive}.
 */
export interface UaTransport {
  /** Transport token for the Via header (§20.42): UDP, TCP, TLS, WS, WSS. */
  readonly protocol: string;
  readonly reliable: boolean;
  /** Address this transport is reachable at; written into Via sent-by and Contact. */
  readonly local: Endpoint;
  send(bytes: Uint8Array, destination: Endpoint): Promise<void>;
}

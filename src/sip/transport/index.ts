/** SIP transport layer (RFC 3261 §18, RFC 3581, RFC 5626 keep-alives, RFC 7118 WebSocket). */
export { TransportError, type TransportErrorCode } from './transport-error.js';
export {
  type Transport, type TransportProtocol, type Endpoint, type Source, type Destination, type TransportSink,
  type TransportUser, replyDestination,
} from './transport.js';
export { UdpTransport, DEFAULT_UDP_BUFFER_SIZE, type UdpTransportOptions } from './udp-transport.js';
export { TcpTransport, type TcpTransportOptions } from './tcp-transport.js';
export { StreamConnection } from './stream-connection.js';
export { WebSocketTransport, type WebSocketTransportOptions } from './websocket-transport.js';
export {
  TransportLayer, responseDestination, type TransportLayerOptions, type TransportCounters,
} from './transport-layer.js';

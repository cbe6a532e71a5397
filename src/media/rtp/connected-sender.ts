import type { Socket } from 'node:dgram';
import type { Logger } from '../../core/index.js';
import type { RtpEndpoint } from './rtp-session.js';

/**
 * The connected-send socket of an RTP session: a second socket on the RTP port (SO_REUSEADDR) connected to the
 * current remote, because a connected UDP send skips Node's per-datagram address handling. It connects one target
 * at a time; a remote that changes meanwhile is taken up when the pending connect completes. Once connected to the
 * session's current remote it hands the session the socket (`onConnected`), which sends media through it until the
 * remote changes; until then, or after a failure, the session sends unconnected with an address.
 */
export class ConnectedSender {
  /** The remote the socket is connected to (the session's remote object, compared by identity). */
  private connectedTo: RtpEndpoint | undefined;
  private connecting = false;
  private errorLogged = false;
  private closed = false;

  constructor(
    private readonly socket: Socket,
    /** The session's current remote, read when a pending connect completes. */
    private readonly currentRemote: () => RtpEndpoint | undefined,
    /** The socket is connected to the session's current remote: media can go through it until that changes. */
    private readonly onConnected: (socket: Socket) => void,
    private readonly logger: Logger | undefined,
  ) {
    socket.on('error', (err) => this.onError(err));
  }

  /** Points the socket at the session's current remote: disconnects from the old one, connects to the new. */
  follow(): void {
    const remote = this.currentRemote();
    if (this.closed || this.connecting || this.connectedTo === remote) return;
    if (this.connectedTo !== undefined) {
      this.connectedTo = undefined;
      try {
        this.socket.disconnect();
      } catch (err) {
        this.logger?.warn({ err }, 'RTP send socket did not disconnect; sending unconnected');
        return;
      }
    }
    if (remote === undefined) return;
    this.connecting = true;
    try {
      this.socket.connect(remote.port, remote.address, (err?: Error) => this.connectDone(remote, err));
    } catch (err) {
      // Synchronous argument errors (e.g. port 0 from an SDP that rejected the stream).
      this.connecting = false;
      this.logger?.debug({ err, remote }, 'RTP send socket cannot connect; sending unconnected');
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.connectedTo = undefined;
    this.socket.removeAllListeners('message');
    this.socket.close();
  }

  private connectDone(target: RtpEndpoint, err: Error | undefined): void {
    this.connecting = false;
    if (this.closed) return;
    if (err !== undefined) {
      this.logger?.debug({ err, remote: target }, 'RTP send socket did not connect; sending unconnected');
      return;
    }
    this.connectedTo = target;
    this.errorLogged = false;
    if (this.currentRemote() === target) this.onConnected(this.socket);
    else this.follow();
  }

  /**
   * Mostly ECONNREFUSED: the kernel passing on an ICMP port unreachable from the peer (a connected UDP socket reports
   * them, RFC 1122 §4.1.3.3). The peer may come back, so media keeps flowing; logged once per connect, not per packet.
   */
  private onError(err: Error): void {
    if (this.errorLogged) return;
    this.errorLogged = true;
    this.logger?.debug({ err, remote: this.connectedTo }, 'RTP send socket error (peer unreachable?)');
  }
}

/**
 * One RTP session (RFC 3550): a UDP socket pair (or one socket with rtcp-mux, RFC 5761) carrying one audio stream
 * each way, with its RTCP.
 *
 * Sending side (§5.1): random initial sequence number, timestamp and SSRC (§8.1 — SSRC collisions are not resolved,
 * see `onRtcp`), the marker bit on the first packet of each talk spurt (RFC 3551 §4.1), sequence +1 per packet,
 * timestamp advancing by the samples of each frame (also across frames that are not sent: `skipMedia`).
 *
 * Receiving side: packets are parsed in place into one reused `RtpPacket`; statistics per RFC 3550 Appendix A
 * (`ReceiveStatistics`); RFC 4733 telephone-events go to a `DtmfReceiver`. Symmetric RTP (RFC 4961) with latching:
 * media is sent to where the peer's media comes from, since SDP addresses of callers behind NAT are unreachable — the
 * first valid packet latches; after that packets from any other source are dropped (counted as `foreignPackets`)
 * unless one source sends `relatchPackets` valid packets in a row (a NAT rebinding), which moves the stream there.
 *
 * RTCP (§6): a compound SR or RR + SDES CNAME every `rtcpIntervalMs` (default 5 s), randomized over [0.5, 1.5] × the
 * interval (§6.3.1, simplified: no bandwidth-based scaling since each session is one sender and one receiver), BYE
 * on close (§6.6).
 *
 * `close()` is synchronous and idempotent (STYLE item 8): the timer is cleared, BYE sent, the sockets closed and the
 * ports returned to the allocator at once.
 *
 * The send path does not allocate: every session writes its datagrams into one shared `SendBuffer`, which stays in the
 * CPU cache (with a buffer per session, thousands of sessions taking turns make each packet a cache miss), and the
 * socket's lookup resolves IP literals synchronously so that Node hands the datagram to the kernel within the `send`
 * call. A datagram that Node still holds after the call (queued by libuv, or waiting for a DNS answer) keeps that
 * buffer, and the next datagram is written into a new one.
 *
 * Connected send (`connectedSend`, default on): the RTP port is held by two sockets (`bindPair`); the second is
 * `connect()`ed to the current remote and carries the media, which spares Node's per-datagram address handling and the
 * kernel's per-datagram route lookup (about 20 % of the CPU per packet, `bench/media-send.ts`). Datagrams from the
 * connected peer arrive on that socket, all others on the unconnected one, so latching and relatching see every
 * source. A new remote (SDP or latching) reconnects it; until the connect completes, or if it fails, packets go out
 * through the unconnected socket with an address as before. RTCP (one compound packet per ~5 s) is not worth a socket
 * of its own and keeps the addressed send.
 */
import type { RemoteInfo, Socket } from 'node:dgram';
import { randomBytes, randomInt } from 'node:crypto';
import { isIP } from 'node:net';
import { systemClock, type Clock, type Logger, type TimerHandle } from '../../core/index.js';
import { DtmfDetector, DtmfReceiver, digitToEvent, type DtmfEvent } from '../dtmf/index.js';
import { G711Codec } from '../codec/index.js';
import { RtpPacket, writeRtpHeader, RTP_FIXED_HEADER_SIZE } from './rtp-packet.js';
import type { ParseFailure } from './parse-result.js';
import { ReceiveStatistics } from './receive-statistics.js';
import type { PortAllocator } from './port-allocator.js';
import { RtcpCompound } from './rtcp-compound.js';
import type { RtcpReportBlock } from './rtcp-report-block.js';
import { RtcpReporter, type SenderInfo } from './rtcp-reporter.js';
import { bind, bindPair } from './udp-socket.js';
import { ConnectedSender } from './connected-sender.js';
import { SendBuffer } from './send-buffer.js';

export interface RtpEndpoint {
  address: string;
  port: number;
}

/** What a session tells its owner. Every method is optional; a method that throws is logged and ignored. */
export interface RtpSessionDelegate {
  /** A media (non-telephone-event) packet. `packet` is reused: copy what you keep before returning. */
  onPacket?(packet: RtpPacket, session: RtpSession): void;
  /** A raw RFC 4733 telephone-event packet, before DTMF decoding (for relaying). `packet` is reused. */
  onTelephoneEvent?(packet: RtpPacket, session: RtpSession): void;
  /** A key press started (RFC 4733). */
  onDtmfStart?(event: DtmfEvent, session: RtpSession): void;
  /** A key press completed (RFC 4733). */
  onDtmf?(event: DtmfEvent, session: RtpSession): void;
  /** An RTCP compound packet arrived. */
  onRtcp?(compound: RtcpCompound, session: RtpSession): void;
  /** Outgoing media now goes to `remote` (latching). */
  onLatch?(remote: RtpEndpoint, session: RtpSession): void;
  /** The peer sent an RTCP BYE. */
  onBye?(session: RtpSession): void;
  /**
   * Neither RTP nor RTCP arrived for `inactivityTimeoutMs` (checked at each RTCP interval; reported once until
   * packets resume) — the usual sign of a dead call whose BYE was lost.
   */
  onInactive?(silentForMs: number, session: RtpSession): void;
  onClose?(session: RtpSession): void;
}

export interface RtpSessionOptions {
  /** Port source. Without one, ephemeral ports are bound (tests, benchmarks). */
  allocator?: PortAllocator;
  /** Local address to bind (default 0.0.0.0). */
  bindAddress?: string;
  /** Where to send, as the SDP said (may be corrected by latching). */
  remote?: RtpEndpoint;
  /** Remote RTCP port when not muxed (default remote.port + 1, RFC 3605 absent `a=rtcp`). */
  remoteRtcpPort?: number;
  /** RTP and RTCP on one port (RFC 5761). */
  rtcpMux?: boolean;
  /** Payload type of outgoing media (default 0, PCMU). */
  payloadType?: number;
  clockRate?: number;
  /** Negotiated telephone-event payload type, or null when not negotiated (default 101). */
  telephoneEventPayloadType?: number | null;
  /**
   * Detect DTMF tones in the received G.711 audio (Goertzel, `DtmfDetector`) and report them through `onDtmfStart` /
   * `onDtmf` like RFC 4733 events. Default: on exactly when telephone-event was not negotiated.
   */
  inbandDtmf?: boolean;
  /**
   * Send media through a second socket on the same port, connected to the remote (default true; see the module
   * comment). Off: one exclusive socket, every datagram sent with its address.
   */
  connectedSend?: boolean;
  /** Symmetric RTP with latching (default true). */
  symmetric?: boolean;
  /** Valid packets in a row needed from a new source once latched (default 3). */
  relatchPackets?: number;
  /** Mean RTCP interval in ms; 0 disables periodic RTCP and the inactivity check (default 5000). */
  rtcpIntervalMs?: number;
  /** Report `onInactive` after this long without RTP or RTCP (default 0: never). Counted from open() until packets arrive. */
  inactivityTimeoutMs?: number;
  cname?: string;
  ssrc?: number;
  initialSequence?: number;
  initialTimestamp?: number;
  clock?: Clock;
  logger?: Logger;
  delegate?: RtpSessionDelegate;
}

export interface RtpSessionStats {
  packetsSent: number;
  octetsSent: number;
  packetsReceived: number;
  octetsReceived: number;
  /** Cumulative packets lost from the current remote source (RFC 3550 A.3). */
  cumulativeLost: number;
  /** Fraction lost over the last RTCP report interval (0..1). */
  fractionLost: number;
  /** Interarrival jitter in ms (A.8). */
  jitterMs: number;
  extendedHighestSequence: number;
  /** Datagrams rejected by the parser, by reason. */
  malformed: Partial<Record<ParseFailure, number>>;
  /** Valid packets from a source other than the latched one, not delivered (symmetric RTP). */
  foreignPackets: number;
  /** The last report block the peer sent about our stream, if any. */
  remoteReport: RtcpReportBlock | undefined;
}

const MAX_DATAGRAM = 1500;

/**
 * Shared by every session of the process: it carries one datagram from `sendPacket`'s write to its `send` and nothing
 * from one call to the next, so sessions cannot observe one another through it.
 */
const sendBuffer = new SendBuffer(MAX_DATAGRAM);

export class RtpSession {
  /** Largest payload `sendPacket`/`sendMedia` accept (one Ethernet MTU datagram minus the fixed header). */
  static readonly MAX_PAYLOAD = MAX_DATAGRAM - RTP_FIXED_HEADER_SIZE;

  // What `sendPacket` reads and writes on the connected path comes first, together: V8 lays fields out in the order
  // they are defined, and with thousands of sessions taking turns every further cache line is a miss per packet
  // (`bench/media-send.ts`). RTP's 32-bit values are held as int32 (`| 0`, the same bits), which V8 keeps in the
  // object as small integers instead of boxing every value of 2^31 and up in a heap number of its own.
  private closed = false;
  private remote: RtpEndpoint | undefined;
  /** The connected-send socket while it is connected to `remote`; undefined: send through `socket` with an address. */
  private connectedSocket: Socket | undefined;
  payloadType: number;
  private markerPending = true;
  private sequence: number;
  private timestamp: number;
  private readonly ssrcBits: number;
  private packetsSent = 0;
  private octetsSent = 0;
  private lastRtpTimestampSent = 0;
  private lastSendAt = 0;
  /**
   * Told of every packet sent (after it went out), for whoever records what this side says; null costs one check.
   * The payload is the sender's, only valid during the call.
   */
  onSent: ((payloadType: number, payload: Uint8Array, offset: number, length: number) => void) | null = null;
  private readonly clock: Clock;
  /** The remote address is a name (SDP allows one, RFC 4566 §5.7), which Node looks up before an addressed send. */
  private remoteIsName = false;
  private readonly socket: Socket;
  /** `packetsSent` when the last report went out: an SR is due when media went out since (§6.4). */
  private packetsAtLastReport = 0;

  /** Connected-send socket on the RTP port (`connectedSend`), or undefined. */
  private readonly tx: ConnectedSender | undefined;
  private readonly rtcpSocket: Socket | undefined;
  private readonly allocator: PortAllocator | undefined;
  private readonly allocatedPort: number | undefined;
  private readonly logger: Logger | undefined;
  private readonly clockRate: number;
  private readonly symmetric: boolean;
  private readonly relatchPackets: number;
  private readonly rtcpIntervalMs: number;
  private readonly rxPacket = new RtpPacket();
  private readonly rxStats: ReceiveStatistics;
  private readonly dtmf: DtmfReceiver;
  private readonly detector: DtmfDetector | undefined;
  private readonly pcmScratch: Int16Array | undefined;
  private lastMediaTimestamp = 0;
  private rtcpTimer: TimerHandle | undefined;

  readonly cname: string;
  readonly rtcpMux: boolean;
  telephoneEventPayloadType: number | null;
  delegate: RtpSessionDelegate;

  private remoteRtcp: RtpEndpoint | undefined;
  private latched = false;
  private candidateAddress = '';
  private candidatePort = 0;
  private candidateCount = 0;
  private foreignPackets = 0;
  private readonly inactivityTimeoutMs: number;
  private lastReceiveAt: number;
  private inactiveReported = false;
  private readonly reporter: RtcpReporter;
  private readonly malformed: Partial<Record<ParseFailure, number>> = {};

  private constructor(
    socket: Socket, txSocket: Socket | undefined, rtcpSocket: Socket | undefined, allocatedPort: number | undefined,
    options: RtpSessionOptions,
  ) {
    this.socket = socket;
    this.tx = txSocket && new ConnectedSender(txSocket, () => this.remote, (connected) => {
      this.connectedSocket = connected;
    }, options.logger);
    this.rtcpSocket = rtcpSocket;
    this.allocator = options.allocator;
    this.allocatedPort = allocatedPort;
    this.clock = options.clock ?? systemClock;
    this.logger = options.logger;
    this.clockRate = options.clockRate ?? 8000;
    this.symmetric = options.symmetric ?? true;
    this.relatchPackets = options.relatchPackets ?? 3;
    this.rtcpIntervalMs = options.rtcpIntervalMs ?? 5000;
    this.inactivityTimeoutMs = options.inactivityTimeoutMs ?? 0;
    this.lastReceiveAt = this.clock.now();
    this.rtcpMux = options.rtcpMux ?? false;
    this.payloadType = options.payloadType ?? 0;
    this.telephoneEventPayloadType = options.telephoneEventPayloadType === undefined ? 101 : options.telephoneEventPayloadType;
    this.delegate = options.delegate ?? {};
    this.ssrcBits = (options.ssrc ?? randomBytes(4).readUInt32BE(0)) | 0;
    this.sequence = options.initialSequence ?? randomInt(0, 0x10000);
    this.timestamp = (options.initialTimestamp ?? randomBytes(4).readUInt32BE(0)) | 0;
    this.cname = options.cname ?? `${randomBytes(8).toString('hex')}@patchbay`;
    this.rxStats = new ReceiveStatistics(this.clockRate);
    this.reporter = new RtcpReporter(this.ssrc, this.cname, this.clock, this.clockRate);
    this.dtmf = new DtmfReceiver({
      onDtmfStart: (e) => this.emit('onDtmfStart', (d) => d.onDtmfStart?.(e, this)),
      onDtmf: (e) => this.emit('onDtmf', (d) => d.onDtmf?.(e, this)),
    }, { clockRate: this.clockRate, logger: this.logger });
    if (options.inbandDtmf ?? this.telephoneEventPayloadType === null) {
      this.pcmScratch = new Int16Array(MAX_DATAGRAM);
      this.detector = new DtmfDetector({
        onDigit: (digit) => {
          const e = this.inbandEvent(digit, 0, false);
          this.emit('onDtmfStart', (d) => d.onDtmfStart?.(e, this));
        },
        onDigitEnd: (digit, ms) => {
          const e = this.inbandEvent(digit, ms, true);
          this.emit('onDtmf', (d) => d.onDtmf?.(e, this));
        },
      }, { sampleRate: this.clockRate });
    }
    socket.on('message', (msg, rinfo) => this.onDatagram(msg, rinfo, false));
    socket.on('error', (err) => this.logger?.warn({ err }, 'RTP socket error'));
    if (txSocket !== undefined) {
      txSocket.on('message', (msg, rinfo) => this.onDatagram(msg, rinfo, false));
    }
    if (options.remote) this.setRemote(options.remote, options.remoteRtcpPort);
    rtcpSocket?.on('message', (msg, rinfo) => this.onDatagram(msg, rinfo, true));
    rtcpSocket?.on('error', (err) => this.logger?.warn({ err }, 'RTCP socket error'));
    this.scheduleRtcp();
  }

  /**
   * Bind a session. With an allocator, tries pairs from its range until one binds (ports in use by other processes are
   * skipped); rejects with an Error when the range is exhausted.
   */
  static async open(options: RtpSessionOptions = {}): Promise<RtpSession> {
    const address = options.bindAddress ?? '0.0.0.0';
    const mux = options.rtcpMux ?? false;
    const connected = options.connectedSend ?? true;
    const bindRtp = async (port: number): Promise<{ rx: Socket; tx: Socket | undefined }> => {
      if (!connected) return { rx: await bind(address, port), tx: undefined };
      const pair = await bindPair(address, port);
      return { rx: pair.receive, tx: pair.send };
    };
    const allocator = options.allocator;
    if (!allocator) {
      const { rx, tx } = await bindRtp(0);
      const rtcp = mux ? undefined : await bind(address, 0).catch((err: unknown) => {
        rx.close();
        tx?.close();
        throw err;
      });
      return new RtpSession(rx, tx, rtcp, undefined, options);
    }
    for (let attempt = 0; attempt < allocator.capacity; attempt++) {
      const port = allocator.allocate();
      if (port === undefined) break;
      let rtp: { rx: Socket; tx: Socket | undefined } | undefined;
      try {
        rtp = await bindRtp(port);
        const rtcp = mux ? undefined : await bind(address, port + 1);
        return new RtpSession(rtp.rx, rtp.tx, rtcp, port, options);
      } catch (err) {
        rtp?.rx.close();
        rtp?.tx?.close();
        allocator.release(port);
        if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw err;
      }
    }
    throw new Error('no free RTP port in the configured range');
  }

  /** This side's synchronization source identifier (RFC 3550 §5.1). */
  get ssrc(): number {
    return this.ssrcBits >>> 0;
  }

  get localPort(): number {
    return this.socket.address().port;
  }

  /** Local RTCP port (the RTP port with rtcp-mux). */
  get localRtcpPort(): number {
    return this.rtcpSocket ? this.rtcpSocket.address().port : this.localPort;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Current destination of outgoing media (after latching). */
  get remoteEndpoint(): RtpEndpoint | undefined {
    return this.remote;
  }

  /**
   * Where media goes through the connected-send socket (`connectedSend`); undefined while packets are sent unconnected
   * (no remote yet, a connect pending or failed, or `connectedSend: false`).
   */
  get connectedRemote(): RtpEndpoint | undefined {
    return this.connectedSocket !== undefined ? this.remote : undefined;
  }

  /** The RTP timestamp the next media packet will carry. */
  get currentTimestamp(): number {
    return this.timestamp >>> 0;
  }

  get nextSequenceNumber(): number {
    return this.sequence;
  }

  /** Set the destination from SDP (offer/answer or re-INVITE); latching starts over. */
  setRemote(remote: RtpEndpoint, rtcpPort?: number): void {
    this.remote = { address: remote.address, port: remote.port };
    this.remoteIsName = isIP(remote.address) === 0;
    this.remoteRtcp = this.rtcpMux ? this.remote : { address: remote.address, port: rtcpPort ?? remote.port + 1 };
    this.latched = false;
    this.candidateCount = 0;
    this.connectedSocket = undefined;
    this.tx?.follow();
  }

  /**
   * Continue media timestamps from `timestamp` (after forwarded packets that carried their own timestamps), so that a
   * prompt played next follows on without a jump.
   */
  resumeTimestampAt(timestamp: number): void {
    this.timestamp = timestamp | 0;
  }

  /** Mark the next media packet as the first of a talk spurt (marker bit, RFC 3551 §4.1). */
  startTalkSpurt(): void {
    this.markerPending = true;
  }

  /**
   * Send one media frame of `samples` timestamp units (default: one per payload byte, as for G.711). Returns false when
   * there is nowhere to send yet or the session is closed. No allocation.
   */
  sendMedia(payload: Uint8Array, offset = 0, length = payload.length - offset, samples = length): boolean {
    const sent = this.sendPacket(this.payloadType, this.markerPending, this.timestamp, payload, offset, length);
    if (sent) this.markerPending = false;
    this.timestamp = (this.timestamp + samples) | 0;
    return sent;
  }

  /** Let `samples` of media time pass without sending (silence, or a DTMF event in progress). */
  skipMedia(samples: number): void {
    this.timestamp = (this.timestamp + samples) | 0;
    this.markerPending = true;
  }

  /** RFC 4733 sink for `DtmfSender`: a telephone-event packet on this session's SSRC and sequence. */
  sendTelephoneEvent(payload: Uint8Array, timestamp: number, marker: boolean): void {
    if (this.telephoneEventPayloadType === null) return;
    this.sendPacket(this.telephoneEventPayloadType, marker, timestamp, payload, 0, payload.length);
  }

  /**
   * Send a packet with an explicit payload type, marker and timestamp on this session's SSRC and next sequence number
   * (used by the bridge to forward media). Returns false when there is no destination or the session is closed.
   */
  sendPacket(
    payloadType: number, marker: boolean, timestamp: number, payload: Uint8Array, offset: number, length: number,
  ): boolean {
    const remote = this.remote;
    if (this.closed || remote === undefined) return false;
    if (length > RtpSession.MAX_PAYLOAD) throw new RangeError(`RTP payload of ${length} bytes exceeds the datagram buffer`);
    const buf = sendBuffer.bytes;
    writeRtpHeader(buf, payloadType, marker, this.sequence, timestamp, this.ssrcBits);
    // A subarray view costs one small object; a byte loop costs a bounds-checked store per byte.
    buf.set(offset === 0 && length === payload.length ? payload : payload.subarray(offset, offset + length), RTP_FIXED_HEADER_SIZE);
    const datagram = sendBuffer.datagram(RTP_FIXED_HEADER_SIZE + length);
    // Whether Node reads the datagram after send() returned (see SendBuffer).
    let held: boolean;
    const connected = this.connectedSocket;
    if (connected !== undefined) {
      connected.send(datagram);
      held = connected.getSendQueueCount() !== 0;
    } else {
      this.socket.send(datagram, remote.port, remote.address);
      held = this.remoteIsName || this.socket.getSendQueueCount() !== 0;
    }
    if (held) sendBuffer.release();
    this.sequence = (this.sequence + 1) & 0xffff;
    this.packetsSent++;
    this.octetsSent += length;
    this.lastRtpTimestampSent = timestamp | 0;
    this.lastSendAt = this.clock.now();
    this.onSent?.(payloadType, payload, offset, length);
    return true;
  }

  /** Statistics snapshot (allocates; for metrics and tests, not the hot path). */
  get stats(): RtpSessionStats {
    const rx = this.rxStats;
    return {
      packetsSent: this.packetsSent,
      octetsSent: this.octetsSent,
      packetsReceived: rx.packets,
      octetsReceived: rx.octets,
      cumulativeLost: rx.cumulativeLost,
      fractionLost: this.reporter.lastFractionLost / 256,
      jitterMs: rx.jitterMs,
      extendedHighestSequence: rx.extendedHighestSequence,
      malformed: { ...this.malformed },
      foreignPackets: this.foreignPackets,
      remoteReport: this.reporter.remoteReport,
    };
  }

  /** Build the compound RTCP packet this session would send now (SR or RR, SDES CNAME, optionally BYE). */
  buildRtcp(bye = false): RtcpCompound {
    const sender: SenderInfo = {
      packetsSent: this.packetsSent,
      octetsSent: this.octetsSent,
      lastRtpTimestampSent: this.lastRtpTimestampSent >>> 0,
      lastSendAt: this.lastSendAt,
      sentSinceReport: this.packetsSent !== this.packetsAtLastReport,
    };
    return this.reporter.build(sender, this.rxStats, bye);
  }

  /** Send a compound RTCP report now (also done periodically). */
  sendRtcp(bye = false): boolean {
    const remote = this.remoteRtcp;
    if (this.closed || remote === undefined) return false;
    const bytes = this.buildRtcp(bye).serialize();
    this.packetsAtLastReport = this.packetsSent;
    (this.rtcpSocket ?? this.socket).send(bytes, 0, bytes.length, remote.port, remote.address);
    return true;
  }

  /** Synchronous, idempotent: BYE, close the sockets, release the ports. */
  close(): void {
    if (this.closed) return;
    try {
      if (this.packetsSent > 0) this.sendRtcp(true);
    } catch (err) {
      this.logger?.debug({ err }, 'RTCP BYE on close failed');
    }
    this.closed = true;
    this.connectedSocket = undefined;
    this.clock.clearTimeout(this.rtcpTimer);
    this.rtcpTimer = undefined;
    this.socket.removeAllListeners('message');
    this.socket.close();
    this.tx?.close();
    if (this.rtcpSocket) {
      this.rtcpSocket.removeAllListeners('message');
      this.rtcpSocket.close();
    }
    if (this.allocator && this.allocatedPort !== undefined) this.allocator.release(this.allocatedPort);
    this.emit('onClose', (d) => d.onClose?.(this));
  }

  private onDatagram(msg: Buffer, rinfo: RemoteInfo, onRtcpSocket: boolean): void {
    if (this.closed) return;
    // RFC 5761 §4: RTCP packet types 200-204 occupy the RTP payload types 72-76 with the marker set, which RTP never
    // uses, so RTCP arriving on the RTP port is recognised even when mux was not negotiated (some peers mux anyway)
    // rather than resetting the receive statistics as a "new source".
    if (onRtcpSocket || RtpPacket.looksLikeRtcp(msg)) {
      this.onRtcpDatagram(msg, rinfo);
      return;
    }
    const p = this.rxPacket;
    const reason = p.decode(msg);
    if (reason !== null) {
      this.malformed[reason] = (this.malformed[reason] ?? 0) + 1;
      return;
    }
    const now = this.clock.now();
    if (this.symmetric && !this.latch(rinfo)) return;
    this.lastReceiveAt = now;
    this.inactiveReported = false;
    const rx = this.rxStats;
    if (!rx.isStarted || p.ssrc !== rx.ssrc) {
      // A new source (first packet, or the peer changed SSRC): statistics and DTMF state start over.
      rx.reset(p.ssrc, p.sequenceNumber);
      this.dtmf.reset();
    }
    rx.update(p.sequenceNumber, p.payloadLength);
    if (p.payloadType === this.telephoneEventPayloadType) {
      this.deliver(p, true);
      this.dtmf.receive(p.sequenceNumber, p.timestamp, p.buffer, p.payloadOffset, p.payloadLength, now);
      return;
    }
    // Jitter from media packets only: telephone-events repeat their start timestamp (RFC 4733 §2.5.1.2).
    rx.updateJitter(p.timestamp, now);
    this.dtmf.expire(now);
    if (this.detector !== undefined && this.pcmScratch !== undefined) {
      const codec = G711Codec.byPayloadType(p.payloadType);
      if (codec !== undefined) {
        this.lastMediaTimestamp = p.timestamp;
        const n = codec.decode(p.buffer, this.pcmScratch, p.payloadLength, p.payloadOffset, 0);
        this.detector.process(this.pcmScratch, n, 0);
      }
    }
    this.deliver(p, false);
  }

  private inbandEvent(digit: string, durationMs: number, ended: boolean): DtmfEvent {
    return {
      digit,
      event: digitToEvent(digit) ?? -1,
      timestamp: this.lastMediaTimestamp,
      duration: Math.round((durationMs * this.clockRate) / 1000),
      durationMs,
      volume: 0,
      endSeen: ended,
    };
  }

  /**
   * Symmetric RTP: decide whether a valid packet from `rinfo` is accepted, latching or relatching as needed. Once
   * latched, packets from another source are not delivered (no injection of foreign media, "RTP bleed") — they only
   * count towards relatching to that source.
   */
  private latch(rinfo: RemoteInfo): boolean {
    const remote = this.remote;
    if (remote !== undefined && remote.address === rinfo.address && remote.port === rinfo.port) {
      this.latched = true;
      this.candidateCount = 0;
      return true;
    }
    if (this.latched) {
      if (rinfo.address === this.candidateAddress && rinfo.port === this.candidatePort) this.candidateCount++;
      else {
        this.candidateAddress = rinfo.address;
        this.candidatePort = rinfo.port;
        this.candidateCount = 1;
      }
      if (this.candidateCount < this.relatchPackets) {
        this.foreignPackets++;
        return false;
      }
    }
    this.latched = true;
    this.candidateCount = 0;
    this.remote = { address: rinfo.address, port: rinfo.port };
    this.remoteIsName = false;
    if (this.rtcpMux) this.remoteRtcp = this.remote;
    else if (this.remoteRtcp === undefined) this.remoteRtcp = { address: rinfo.address, port: rinfo.port + 1 };
    const latchedTo = this.remote;
    this.connectedSocket = undefined;
    this.tx?.follow();
    this.emit('onLatch', (d) => d.onLatch?.(latchedTo, this));
    return true;
  }

  private onRtcpDatagram(msg: Buffer, rinfo: RemoteInfo): void {
    const parsed = RtcpCompound.parse(msg);
    if (!parsed.ok) {
      this.malformed[parsed.reason] = (this.malformed[parsed.reason] ?? 0) + 1;
      return;
    }
    if (this.symmetric && !this.rtcpMux) this.remoteRtcp = { address: rinfo.address, port: rinfo.port };
    // RTCP keeps flowing while a peer sends no media (on hold, a=inactive; RFC 3264 §5.1): the session is alive.
    this.lastReceiveAt = this.clock.now();
    this.inactiveReported = false;
    const bye = this.reporter.receive(parsed.value);
    this.emit('onRtcp', (d) => d.onRtcp?.(parsed.value, this));
    if (bye) this.emit('onBye', (d) => d.onBye?.(this));
  }

  private scheduleRtcp(): void {
    if (this.rtcpIntervalMs <= 0 || this.closed) return;
    // §6.3.1: randomize over [0.5, 1.5] × the interval so that sessions started together do not report together.
    const delay = this.rtcpIntervalMs * (0.5 + Math.random());
    this.rtcpTimer = this.clock.setTimeout(() => {
      this.rtcpTimer = undefined;
      if (this.closed) return;
      try {
        this.sendRtcp();
      } catch (err) {
        this.logger?.warn({ err }, 'RTCP report failed');
      }
      const now = this.clock.now();
      this.dtmf.expire(now);
      const silent = now - this.lastReceiveAt;
      if (this.inactivityTimeoutMs > 0 && silent >= this.inactivityTimeoutMs && !this.inactiveReported) {
        this.inactiveReported = true;
        this.emit('onInactive', (d) => d.onInactive?.(silent, this));
      }
      if (!this.closed) this.scheduleRtcp();
    }, delay);
  }

  /** Per-packet delivery without a closure per call (the hot path does not allocate). */
  private deliver(packet: RtpPacket, telephoneEvent: boolean): void {
    const d = this.delegate;
    try {
      if (telephoneEvent) d.onTelephoneEvent?.(packet, this);
      else d.onPacket?.(packet, this);
    } catch (err) {
      this.logger?.error({ err, event: telephoneEvent ? 'onTelephoneEvent' : 'onPacket' }, 'RTP session listener threw');
    }
  }

  private emit(name: keyof RtpSessionDelegate, call: (delegate: RtpSessionDelegate) => void): void {
    try {
      call(this.delegate);
    } catch (err) {
      this.logger?.error({ err, event: name }, 'RTP session listener threw');
    }
  }
}

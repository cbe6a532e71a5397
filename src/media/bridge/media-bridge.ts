/**
 * Media between two RTP sessions (a B2BUA's two call legs, `<Dial>`): each media packet that arrives on one leg is
 * sent on the other.
 *
 * - Same codec on both legs: the payload is passed through untouched (bit-exact).
 * - PCMU on one leg, PCMA on the other: transcoded byte by byte through the direct 256-entry tables, into a scratch
 *   buffer owned by the bridge (no allocation).
 * - RFC 4733 telephone-events are relayed with the other leg's negotiated payload type; the event payload is unchanged.
 *
 * Each leg keeps its own SSRC and sequence numbers (RFC 3550 §7.1: a translator that changes payloads must not reuse
 * the source's SSRC carelessly; here each leg is its own RTP session). Timestamps are mapped with one offset per
 * direction, fixed at the first packet of each incoming source, so the sender's timing, gaps and the shared
 * timestamp of DTMF events (RFC 4733 §2.5.1.2) survive. A new incoming SSRC re-fixes the offset and sets the marker.
 *
 * Only packets of the leg's negotiated audio payload type are forwarded (comfort noise and unknown types are counted
 * as dropped). The bridge installs itself in both sessions' delegates, passing every notification on to the delegate
 * that was there before; `close()` restores them. It never closes the sessions.
 */
import type { Logger } from '../../core/index.js';
import type { G711Codec } from '../codec/index.js';
import { RtpSession, type RtpPacket, type RtpSessionDelegate } from '../rtp/index.js';

export interface MediaBridgeLeg {
  session: RtpSession;
  /** The codec negotiated on this leg (its payload type is the session's `payloadType`). */
  codec: G711Codec;
}

export interface MediaBridgeStats {
  forwarded: number;
  transcoded: number;
  dtmfRelayed: number;
  dropped: number;
}

class Direction {
  readonly stats: MediaBridgeStats = { forwarded: 0, transcoded: 0, dtmfRelayed: 0, dropped: 0 };
  private readonly scratch = new Uint8Array(RtpSession.MAX_PAYLOAD);
  private readonly table: Uint8Array | undefined;
  private inSsrc = -1;
  private tsOffset = 0;
  private markNext = false;

  constructor(private readonly from: MediaBridgeLeg, private readonly to: MediaBridgeLeg) {
    this.table = from.codec.transcodeTableTo(to.codec);
  }

  private mapTimestamp(p: RtpPacket): number {
    if (p.ssrc !== this.inSsrc) {
      this.inSsrc = p.ssrc;
      this.tsOffset = (this.to.session.currentTimestamp - p.timestamp) >>> 0;
      this.markNext = true;
    }
    return (p.timestamp + this.tsOffset) >>> 0;
  }

  media(p: RtpPacket): void {
    // Wire input: a payload type other than the negotiated one, or a datagram too big to forward, is dropped.
    if (p.payloadType !== this.from.codec.payloadType || p.payloadLength > RtpSession.MAX_PAYLOAD) {
      this.stats.dropped++;
      return;
    }
    const out = this.to.session;
    const ts = this.mapTimestamp(p);
    const marker = p.marker || this.markNext;
    let sent: boolean;
    if (this.table === undefined) {
      sent = out.sendPacket(out.payloadType, marker, ts, p.buffer, p.payloadOffset, p.payloadLength);
    } else {
      const n = p.payloadLength;
      const table = this.table;
      const src = p.buffer;
      const off = p.payloadOffset;
      const dst = this.scratch;
      for (let i = 0; i < n; i++) dst[i] = table[src[off + i]];
      sent = out.sendPacket(out.payloadType, marker, ts, dst, 0, n);
      if (sent) this.stats.transcoded++;
    }
    if (!sent) {
      this.stats.dropped++;
      return;
    }
    this.markNext = false;
    this.stats.forwarded++;
    // G.711: one sample per byte. Media played on the leg afterwards continues from here.
    out.resumeTimestampAt(ts + p.payloadLength);
  }

  event(p: RtpPacket): void {
    const out = this.to.session;
    const pt = out.telephoneEventPayloadType;
    if (pt === null || p.payloadLength > RtpSession.MAX_PAYLOAD) {
      this.stats.dropped++;
      return;
    }
    const ts = this.mapTimestamp(p);
    if (out.sendPacket(pt, p.marker || this.markNext, ts, p.buffer, p.payloadOffset, p.payloadLength)) {
      this.markNext = false;
      this.stats.dtmfRelayed++;
    } else {
      this.stats.dropped++;
    }
  }
}

export class MediaBridge {
  private readonly aToB: Direction;
  private readonly bToA: Direction;
  private readonly previousA: RtpSessionDelegate;
  private readonly previousB: RtpSessionDelegate;
  private closed = false;

  /** `onClose` runs once when the bridge closes (the owner gives the sessions their own sending back). */
  constructor(readonly a: MediaBridgeLeg, readonly b: MediaBridgeLeg, private readonly logger?: Logger, private readonly onClose?: () => void) {
    if (a.session === b.session) throw new RangeError('cannot bridge a session to itself');
    if (a.session.payloadType !== a.codec.payloadType || b.session.payloadType !== b.codec.payloadType) {
      throw new RangeError('each leg\'s session payload type must be its codec\'s');
    }
    this.aToB = new Direction(a, b);
    this.bToA = new Direction(b, a);
    this.previousA = a.session.delegate;
    this.previousB = b.session.delegate;
    a.session.delegate = this.wrap(this.previousA, this.aToB);
    b.session.delegate = this.wrap(this.previousB, this.bToA);
    this.logger?.debug({ a: a.codec.name, b: b.codec.name }, 'media bridge up');
  }

  /** Whether media is transcoded (the legs negotiated different laws). */
  get transcoding(): boolean {
    return this.a.codec !== this.b.codec;
  }

  stats(): { aToB: MediaBridgeStats; bToA: MediaBridgeStats } {
    return { aToB: { ...this.aToB.stats }, bToA: { ...this.bToA.stats } };
  }

  /** Stop forwarding and restore the sessions' own delegates. Idempotent; the sessions stay open. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.a.session.delegate = this.previousA;
    this.b.session.delegate = this.previousB;
    this.onClose?.();
  }

  private wrap(previous: RtpSessionDelegate, direction: Direction): RtpSessionDelegate {
    // Explicit forwarding (not a spread) so that delegates implemented as class instances keep their methods.
    const wrapped: RtpSessionDelegate = {
      onDtmfStart: (event, session) => previous.onDtmfStart?.(event, session),
      onDtmf: (event, session) => previous.onDtmf?.(event, session),
      onRtcp: (compound, session) => previous.onRtcp?.(compound, session),
      onLatch: (remote, session) => previous.onLatch?.(remote, session),
      onBye: (session) => previous.onBye?.(session),
      onInactive: (silentForMs, session) => previous.onInactive?.(silentForMs, session),
      onClose: (session) => previous.onClose?.(session),
      onPacket: (packet, session) => {
        direction.media(packet);
        previous.onPacket?.(packet, session);
      },
      onTelephoneEvent: (packet, session) => {
        direction.event(packet);
        previous.onTelephoneEvent?.(packet, session);
      },
    };
    return wrapped;
  }
}

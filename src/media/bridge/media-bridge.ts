/**
 * Media between two RTP sessions (a B2BUA's two call legs, `<Dial>`): each media packet that arrives on one leg is
 * sent on the other.
 *
 * - Same codec on both legs: the payload is passed through untouched (bit-exact).
 * - PCMU on one leg, PCMA on the other: transcoded byte by byte through the direct 256-entry tables, into a scratch
 *   buffer owned by the bridge (no allocation).
 * - RFC 4733 telephone-events are relayed with the other leg's negotiated payload type; the event payload is unchanged.
 *   When the other leg did not negotiate telephone-event, the key is played to it in band instead (RFC 4733 §2.6:
 *   a gateway regenerates the tones): Q.23 tones for as long as the event lasts, in place of the media of that time.
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
import { DtmfToneGenerator, TelephoneEvent, eventToDigit } from '../dtmf/index.js';
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

/** Longest in-band key played for one event; a stuck event (no end packet) is cut here. */
const MAX_TONE_SAMPLES = 8000 * 10;
const TONE_FRAME = 160;

/** A key being played in band: its event's (mapped) timestamp and how much of it was sent. */
interface InBandKey {
  timestamp: number;
  generator: DtmfToneGenerator;
  sent: number;
  ended: boolean;
}

class Direction {
  readonly stats: MediaBridgeStats = { forwarded: 0, transcoded: 0, dtmfRelayed: 0, dropped: 0 };
  private readonly scratch = new Uint8Array(RtpSession.MAX_PAYLOAD);
  private readonly table: Uint8Array | undefined;
  private readonly tonePcm = new Int16Array(TONE_FRAME);
  private readonly telephoneEvent = new TelephoneEvent();
  private key: InBandKey | null = null;
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
    // While a key is played in band, its tone takes the place of this side's media.
    if (this.key !== null && !this.key.ended) {
      this.stats.dropped++;
      return;
    }
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
    if (p.payloadLength > RtpSession.MAX_PAYLOAD) {
      this.stats.dropped++;
      return;
    }
    const ts = this.mapTimestamp(p);
    if (pt === null) {
      this.inBand(p, ts);
      return;
    }
    if (out.sendPacket(pt, p.marker || this.markNext, ts, p.buffer, p.payloadOffset, p.payloadLength)) {
      this.markNext = false;
      this.stats.dtmfRelayed++;
    } else {
      this.stats.dropped++;
    }
  }

  /** The other leg has no telephone-event: play the key as tones, as far as the event's duration has come. */
  private inBand(p: RtpPacket, ts: number): void {
    const event = this.telephoneEvent;
    const digit = event.decode(p.buffer, p.payloadOffset, p.payloadLength) === null ? eventToDigit(event.event) : undefined;
    if (digit === undefined) {
      this.stats.dropped++;
      return;
    }
    let key = this.key;
    if (key === null || key.timestamp !== ts) {
      // A new event (RFC 4733 §2.5.1.3: each has its own timestamp); retransmitted ends of an old one are ignored.
      if (key !== null && ((ts - key.timestamp) | 0) < 0) return;
      key = { timestamp: ts, generator: new DtmfToneGenerator(digit, { toneMs: MAX_TONE_SAMPLES / 8, gapMs: 0 }), sent: 0, ended: false };
      this.key = key;
      this.markNext = true;
    }
    if (key.ended) return;
    const out = this.to.session;
    const codec = this.to.codec;
    const upTo = Math.min(event.duration, MAX_TONE_SAMPLES);
    // Whole frames while the key is held; the rest of the last frame once it ends.
    while (key.sent + TONE_FRAME <= upTo || (event.end && key.sent < upTo)) {
      const n = key.generator.fill(this.tonePcm, TONE_FRAME);
      if (n < TONE_FRAME) this.tonePcm.fill(0, n);
      codec.encode(this.tonePcm, this.scratch);
      if (out.sendPacket(out.payloadType, this.markNext, (key.timestamp + key.sent) >>> 0, this.scratch, 0, TONE_FRAME)) {
        this.markNext = false;
        this.stats.dtmfRelayed++;
      } else {
        this.stats.dropped++;
      }
      key.sent += TONE_FRAME;
      out.resumeTimestampAt(key.timestamp + key.sent);
    }
    if (event.end || upTo >= MAX_TONE_SAMPLES) key.ended = true;
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

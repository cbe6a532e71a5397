/**
 * The media of one call leg: the SDP answer (RFC 3264), one `RtpSession`, the negotiated G.711 codec, and one
 * `PlayoutStream` on the shared 20 ms `PlayoutClock` for everything sent to the caller (cached prompts, generated
 * tones and silence, DTMF). In the other direction it decodes the caller's audio into 20 ms PCM frames for whoever
 * listens (a recorder, a silence detector) and reports DTMF keys from RFC 4733 events, SIP INFO (handed in by the
 * signalling layer) or in-band tones when telephone-event was not negotiated.
 *
 * Nothing here knows about TwiML or calls. `close()` is synchronous and idempotent (STYLE item 8): the stream
 * leaves the clock, the RTP session closes and returns its ports, listeners are dropped.
 */
import { randomInt } from 'node:crypto';
import type { Clock, Logger } from '../../core/index.js';
import {
  type AudioCodecName, DEFAULT_TELEPHONE_EVENT_PT, LocalSdpOrigin, type NegotiatedAudio, type NegotiationFailureReason,
  type SessionDescription, answerOffer, createAudioOffer, parseSdp, processAnswer, serializeSdp,
} from '../../sdp/index.js';
import type { ProcessedMedia } from '../cache/index.js';
import { type FrameSource, type PlayOutcome, type PlayoutClock, PlayoutStream } from '../clock/index.js';
import { MediaBridge } from '../bridge/index.js';
import { G711Codec } from '../codec/index.js';
import { type PortAllocator, type RtpPacket, RtpSession, type RtpSessionStats } from '../rtp/index.js';

export interface MediaSessionOptions {
  /** The process-wide playout clock. */
  playout: PlayoutClock;
  /** Address announced in the SDP (c= and o=). */
  address: string;
  /** Local address to bind RTP on (default 0.0.0.0). */
  bindAddress?: string;
  /** The configured RTP port range; without one, ephemeral ports (tests). */
  allocator?: PortAllocator;
  /** Codecs we accept; the offerer's order decides (RFC 3264 §6.1). Default PCMU, PCMA. */
  codecs?: readonly AudioCodecName[];
  rtcpIntervalMs?: number;
  /** Report `onInactive` after this long without RTP or RTCP (0: never). */
  inactivityTimeoutMs?: number;
  /** Timers of the RTP session (RTCP, inactivity). */
  clock?: Clock;
  logger?: Logger;
}

export type MediaSessionFailureReason = 'invalid-sdp' | 'no-offer' | 'no-port' | NegotiationFailureReason;

export type MediaSessionOpenResult =
  | { ok: true; session: MediaSession; answer: string }
  | { ok: false; reason: MediaSessionFailureReason; detail: string };

export type MediaSessionOfferResult =
  | { ok: true; session: MediaSession; offer: string }
  | { ok: false; reason: 'no-port'; detail: string };

/** How a key reached us. */
export type DtmfTransport = 'rfc4733' | 'info' | 'inband';

export type DtmfListener = (key: string, via: DtmfTransport) => void;
/** One 20 ms frame of the caller's audio, 160 samples of 8 kHz PCM. The array is reused: copy what you keep. */
export type AudioListener = (frame: Int16Array) => void;

const FRAME = 160;
/** Gaps in the caller's timestamps up to this long are filled with silence (silence suppression, lost packets). */
const MAX_GAP_SAMPLES = 8000 * 5;

export class MediaSession {
  /** The negotiated law (PCMU until the answer to our own offer arrives). */
  codec: G711Codec = G711Codec.PCMU;
  /** Null while our offer awaits its answer (delayed offer): nothing can be played yet. */
  private stream: PlayoutStream | null = null;
  private pendingOffer: SessionDescription | null = null;
  private readonly dtmfListeners = new Set<DtmfListener>();
  private readonly audioListeners = new Set<AudioListener>();
  private readonly sentListeners = new Set<AudioListener>();
  private readonly receivedFrames = new FrameAssembler(FRAME);
  private readonly sentFrames = new FrameAssembler(FRAME);
  private readonly emitReceived = (frame: Int16Array) => this.emit(this.audioListeners, frame);
  private readonly emitSent = (frame: Int16Array) => this.emit(this.sentListeners, frame);
  private readonly decoded = new Int16Array(1500);
  private readonly sentDecoded = new Int16Array(1500);
  private readonly silent = new Int16Array(FRAME);
  private expectedTimestamp = 0;
  private expectedSsrc = -1;
  private closed = false;
  /** Told when neither RTP nor RTCP arrived for `inactivityTimeoutMs`. */
  onInactive: (() => void) | null = null;

  private constructor(
    private readonly rtp: RtpSession,
    private readonly origin: LocalSdpOrigin,
    private readonly options: MediaSessionOptions,
    negotiated: NegotiatedAudio | null,
  ) {
    if (negotiated) this.useCodec(negotiated);
    rtp.delegate = {
      onPacket: (packet) => this.receiveAudio(packet),
      onDtmfStart: (event) => {
        if (event.digit !== undefined) this.emitDtmf(event.digit, this.rtp.telephoneEventPayloadType === null ? 'inband' : 'rfc4733');
      },
      onInactive: () => this.onInactive?.(),
    };
  }

  /**
   * Answer an SDP offer: negotiate (RFC 3264 §6), bind an RTP port from the range, and build the answer. A failure
   * says why, so the signalling layer can answer 488 Not Acceptable Here (RFC 3261 §13.3.1.3).
   */
  static async answer(offer: string | undefined, options: MediaSessionOptions): Promise<MediaSessionOpenResult> {
    if (offer === undefined || offer.trim() === '') return { ok: false, reason: 'no-offer', detail: 'the INVITE carried no SDP offer' };
    const parsed = parseSdp(offer);
    if (!parsed.ok) return { ok: false, reason: 'invalid-sdp', detail: `${parsed.reason} at line ${parsed.line}: ${parsed.detail}` };
    const origin = new LocalSdpOrigin({ address: options.address, sessionId: String(randomInt(1, 2 ** 47)) });
    const answerOptions = { origin: origin.origin, address: options.address, codecs: options.codecs ?? ['PCMU', 'PCMA'] };
    // Negotiate first (pure), so an unacceptable offer costs no port.
    const trial = answerOffer(parsed.value, { ...answerOptions, port: 9 });
    if (!trial.ok) return { ok: false, reason: trial.reason, detail: trial.detail };
    const audio = trial.audio;
    let rtp: RtpSession;
    try {
      rtp = await RtpSession.open({
        allocator: options.allocator,
        bindAddress: options.bindAddress,
        remote: { address: audio.remoteAddress, port: audio.remotePort },
        remoteRtcpPort: audio.remoteRtcpPort,
        rtcpMux: audio.rtcpMux,
        payloadType: audio.codec.payloadType,
        telephoneEventPayloadType: audio.telephoneEvent?.payloadType ?? null,
        rtcpIntervalMs: options.rtcpIntervalMs,
        inactivityTimeoutMs: options.inactivityTimeoutMs,
        clock: options.clock,
        logger: options.logger,
      });
    } catch (err) {
      return { ok: false, reason: 'no-port', detail: err instanceof Error ? err.message : String(err) };
    }
    const final = answerOffer(parsed.value, { ...answerOptions, port: rtp.localPort, rtcpPort: rtp.localRtcpPort });
    if (!final.ok) {
      rtp.close();
      return { ok: false, reason: final.reason, detail: final.detail };
    }
    const session = new MediaSession(rtp, origin, options, final.audio);
    return { ok: true, session, answer: serializeSdp(origin.stamp(final.answer)) };
  }

  /**
   * Our own offer, for an INVITE without one (RFC 3261 §13.2.1 delayed offer: the offer goes in our 2xx and the
   * answer comes in the ACK). Complete it with `completeOffer()`.
   */
  static async offer(options: MediaSessionOptions): Promise<MediaSessionOfferResult> {
    let rtp: RtpSession;
    try {
      rtp = await RtpSession.open({
        allocator: options.allocator, bindAddress: options.bindAddress, rtcpMux: false, payloadType: 0,
        telephoneEventPayloadType: DEFAULT_TELEPHONE_EVENT_PT, rtcpIntervalMs: options.rtcpIntervalMs,
        inactivityTimeoutMs: options.inactivityTimeoutMs, clock: options.clock, logger: options.logger,
      });
    } catch (err) {
      return { ok: false, reason: 'no-port', detail: err instanceof Error ? err.message : String(err) };
    }
    const origin = new LocalSdpOrigin({ address: options.address, sessionId: String(randomInt(1, 2 ** 47)) });
    const offer = origin.stamp(createAudioOffer({
      origin: origin.origin, address: options.address, port: rtp.localPort, rtcpPort: rtp.localRtcpPort,
      codecs: options.codecs ?? ['PCMU', 'PCMA'], rtcpMux: false,
    }));
    const session = new MediaSession(rtp, origin, options, null);
    session.pendingOffer = offer;
    return { ok: true, session, offer: serializeSdp(offer) };
  }

  /** Whether our offer still waits for its answer. */
  get awaitingAnswer(): boolean {
    return this.pendingOffer !== null;
  }

  /** The answer to our offer (RFC 3264 §7). Throws when it is unusable; the session then stays silent. */
  completeOffer(answer: string): void {
    const offer = this.pendingOffer;
    if (offer === null) throw new Error('no offer of ours is waiting for an answer');
    const parsed = parseSdp(answer);
    if (!parsed.ok) throw new Error(`invalid SDP answer: ${parsed.detail}`);
    const result = processAnswer(offer, parsed.value);
    if (!result.ok) throw new Error(`${result.reason}: ${result.detail}`);
    this.pendingOffer = null;
    const audio = result.audio;
    this.rtp.payloadType = audio.codec.payloadType;
    this.rtp.telephoneEventPayloadType = audio.telephoneEvent?.payloadType ?? null;
    this.rtp.setRemote({ address: audio.remoteAddress, port: audio.remotePort }, audio.remoteRtcpPort);
    this.useCodec(audio);
  }

  private useCodec(negotiated: NegotiatedAudio): void {
    this.codec = G711Codec.byName(negotiated.codec.name) ?? G711Codec.byPayloadType(negotiated.codec.payloadType) ?? G711Codec.PCMU;
    // The stream sends with the session's payload type, which must be the codec's static one (RFC 3551 Table 4).
    this.rtp.payloadType = this.codec.payloadType;
    if (!this.closed) this.stream = new PlayoutStream({ clock: this.options.playout, session: this.rtp, codec: this.codec, logger: this.options.logger });
  }

  get localPort(): number {
    return this.rtp.localPort;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  get stats(): RtpSessionStats {
    return this.rtp.stats;
  }

  /**
   * A new offer within the session (re-INVITE, RFC 3264 §8): same port, new remote address and direction. Returns
   * the answer, or throws when the offer is unacceptable (the caller answers 488 and the session stays as it was).
   */
  reanswer(offer: string): string {
    const parsed = parseSdp(offer);
    if (!parsed.ok) throw new Error(`invalid SDP: ${parsed.detail}`);
    const result = answerOffer(parsed.value, {
      origin: this.origin.origin, address: this.options.address, port: this.rtp.localPort, rtcpPort: this.rtp.localRtcpPort,
      codecs: [this.codec.name],
    });
    if (!result.ok) throw new Error(`${result.reason}: ${result.detail}`);
    this.rtp.setRemote({ address: result.audio.remoteAddress, port: result.audio.remotePort }, result.audio.remoteRtcpPort);
    return serializeSdp(this.origin.stamp(result.answer));
  }

  /** Play PCM frames (tones, silence, decoded audio) until they end, another prompt starts, or `signal` fires. */
  play(source: FrameSource, signal?: AbortSignal): Promise<PlayOutcome> {
    return this.stream ? this.stream.play(source, signal) : Promise.resolve('stopped');
  }

  /** Play cached media in the negotiated law, frame by frame, with no transcoding. */
  playMedia(media: ProcessedMedia, signal?: AbortSignal): Promise<PlayOutcome> {
    return this.stream ? this.stream.playEncoded(media.payloads(this.codec.name), signal) : Promise.resolve('stopped');
  }

  /** Send DTMF (`0-9 * # A-D`, `w` 0.5 s, `W` 1 s): RFC 4733 events when negotiated, in-band tones otherwise. */
  sendDigits(digits: string): Promise<void> {
    return this.stream ? this.stream.sendDigits(digits) : Promise.resolve();
  }

  /** Stop whatever prompt plays (it resolves 'stopped'). */
  stopPlaying(): void {
    this.stream?.stop();
  }

  /**
   * Relay media between this session and `other` (a `<Dial>` bridge) until the bridge is closed: passthrough when
   * both legs use the same law, PCMU↔PCMA transcoding otherwise, RFC 4733 events relayed. Prompts playing on either
   * side are stopped first, and neither sends its own silence while bridged; audio and DTMF listeners keep hearing
   * both sides' incoming media.
   */
  bridgeWith(other: MediaSession): MediaBridge {
    const legs = [this, other];
    for (const leg of legs) {
      leg.stopPlaying();
      leg.stream?.setIdleSilence(false);
    }
    return new MediaBridge({ session: this.rtp, codec: this.codec }, { session: other.rtp, codec: other.codec }, this.options.logger, () => {
      for (const leg of legs) leg.stream?.setIdleSilence(true);
    });
  }

  /** Subscribe to the caller's keys; returns the unsubscribe function. */
  onDtmf(listener: DtmfListener): () => void {
    this.dtmfListeners.add(listener);
    return () => this.dtmfListeners.delete(listener);
  }

  /** A key that arrived by SIP INFO (RFC 6086). */
  receiveSignalledDtmf(key: string): void {
    this.emitDtmf(key, 'info');
  }

  /** Subscribe to the caller's audio in 20 ms PCM frames; returns the unsubscribe function. */
  onAudio(listener: AudioListener): () => void {
    this.audioListeners.add(listener);
    return () => this.audioListeners.delete(listener);
  }

  /**
   * Subscribe to the audio this session sends (prompts, tones, bridged media), decoded into 20 ms PCM frames, for
   * recordings of what this side says; returns the unsubscribe function.
   */
  onSentAudio(listener: AudioListener): () => void {
    this.sentListeners.add(listener);
    this.rtp.onSent = (payloadType, payload, offset, length) => this.sentAudio(payloadType, payload, offset, length);
    return () => {
      this.sentListeners.delete(listener);
      if (this.sentListeners.size === 0) this.rtp.onSent = null;
    };
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.rtp.onSent = null;
    this.sentListeners.clear();
    this.stream?.close();
    this.rtp.close();
    this.dtmfListeners.clear();
    this.audioListeners.clear();
    this.onInactive = null;
  }

  private emitDtmf(key: string, via: DtmfTransport): void {
    for (const listener of [...this.dtmfListeners]) {
      try {
        listener(key, via);
      } catch (err) {
        this.options.logger?.error({ err }, 'DTMF listener threw');
      }
    }
  }

  /**
   * Decode one received packet (either G.711 law, by its payload type) into 20 ms frames. Timestamp gaps from the
   * same source (silence suppression, RFC 3551 §4.1; lost packets) become silent frames, so a recording keeps the
   * caller's timing; late packets are dropped.
   */
  private receiveAudio(packet: RtpPacket): void {
    if (this.audioListeners.size === 0) return;
    const codec = G711Codec.byPayloadType(packet.payloadType);
    if (codec === undefined) return;
    const n = Math.min(packet.payloadLength, this.decoded.length);
    if (packet.ssrc === this.expectedSsrc) {
      const delta = (packet.timestamp - this.expectedTimestamp) | 0;
      if (delta < 0) return;
      // Exactly the missing samples (a lost 30 ms packet is 240, not one 160-sample frame), so what follows keeps
      // its place in time.
      if (delta > 0 && delta <= MAX_GAP_SAMPLES) {
        for (let left = delta; left > 0; left -= FRAME) this.receivedFrames.push(this.silent, Math.min(FRAME, left), this.emitReceived);
      }
    }
    this.expectedSsrc = packet.ssrc;
    this.expectedTimestamp = (packet.timestamp + n) >>> 0;
    codec.decode(packet.buffer, this.decoded, n, packet.payloadOffset, 0);
    this.receivedFrames.push(this.decoded, n, this.emitReceived);
  }

  private sentAudio(payloadType: number, payload: Uint8Array, offset: number, length: number): void {
    const codec = G711Codec.byPayloadType(payloadType);
    if (codec === undefined) return; // telephone-events are not audio
    const n = Math.min(length, this.sentDecoded.length);
    codec.decode(payload, this.sentDecoded, n, offset, 0);
    this.sentFrames.push(this.sentDecoded, n, this.emitSent);
  }

  private emit(listeners: ReadonlySet<AudioListener>, frame: Int16Array): void {
    for (const listener of listeners) {
      try {
        listener(frame);
      } catch (err) {
        this.options.logger?.error({ err }, 'audio listener threw');
      }
    }
  }
}

/** Cuts a stream of samples into whole frames of `size`, reusing one frame buffer. */
class FrameAssembler {
  private readonly frame: Int16Array;
  private filled = 0;

  constructor(size: number) {
    this.frame = new Int16Array(size);
  }

  push(from: Int16Array, n: number, emit: (frame: Int16Array) => void): void {
    const size = this.frame.length;
    let at = 0;
    while (at < n) {
      const take = Math.min(size - this.filled, n - at);
      this.frame.set(from.subarray(at, at + take), this.filled);
      this.filled += take;
      at += take;
      if (this.filled === size) {
        this.filled = 0;
        emit(this.frame);
      }
    }
  }
}

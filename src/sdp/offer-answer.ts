/**
 * The offer/answer model of RFC 3264 for Patchbay's one audio stream: build offers, answer offers, read answers.
 *
 * Patchbay speaks plain RTP/AVP with G.711 (PCMU 0, PCMA 8, RFC 3551) and RFC 4733 telephone-event at 20 ms
 * packetization. Everything else in an offer (video, SRTP profiles, ICE) is declined per stream with port 0, which
 * RFC 3264 §6 prescribes for streams the answerer does not accept; the SIP layer turns a failed negotiation into
 * 488 Not Acceptable Here (RFC 3261 §13.3.1.1).
 */
import { type SdpAttribute, type SdpMedia, type SessionDescription } from './session-description.js';
import {
  type MediaDirection,
  type RtpFormat,
  canReceive,
  canSend,
  connectionAddress,
  directionOf,
  effectiveDirection,
  isLegacyHoldAddress,
  ptimeOf,
  reverseDirection,
  rtcpAttribute,
  rtpFormats,
} from './rtp-formats.js';

export type AudioCodecName = 'PCMU' | 'PCMA';

/** Static payload types of our codecs (RFC 3551 Table 4). */
export const STATIC_PAYLOAD_TYPE: Readonly<Record<AudioCodecName, number>> = { PCMU: 0, PCMA: 8 };

/** The dynamic payload type we offer telephone-event on; the common choice, so answers rarely need remapping. */
export const DEFAULT_TELEPHONE_EVENT_PT = 101;

/** RFC 4733 §2.3: events 0-15 are DTMF digits, 16 is flash; what we generate and understand. */
export const TELEPHONE_EVENT_FMTP = '0-16';

export const PTIME_MS = 20;

/** The profiles we can answer: plain RTP (RFC 3551). SAVP/SAVPF need SRTP keys we do not negotiate here. */
const SUPPORTED_PROTOS = new Set(['RTP/AVP']);

/** Local identity of a description's o= line; the version is managed by `LocalSdpOrigin`. */
export interface OriginOptions {
  username?: string;
  sessionId: string;
  sessionVersion: bigint;
  /** Unicast address of the originating host. */
  address: string;
}

export interface AudioOfferOptions {
  origin: OriginOptions;
  /** Address where we receive RTP (c=). */
  address: string;
  port: number;
  /** In preference order; default PCMU then PCMA. */
  codecs?: readonly AudioCodecName[];
  /** Payload type for telephone-event, or null to not offer it. */
  telephoneEventPayloadType?: number | null;
  /** Our direction; `sendonly` puts the other party on hold (RFC 3264 §8.4). */
  direction?: MediaDirection;
  /** Offer RTP/RTCP multiplexing (RFC 5761 §5.1.1); default true. */
  rtcpMux?: boolean;
  /** Port announced in a=rtcp (RFC 3605); default port + 1. */
  rtcpPort?: number;
  /** Also signal hold with c=0.0.0.0 for RFC 2543 peers when we do not want to receive. */
  legacyHold?: boolean;
  sessionName?: string;
}

export interface AnswerOptions {
  origin: OriginOptions;
  address: string;
  port: number;
  /** Codecs we accept, any order; the offerer's order decides (RFC 3264 §6.1). Default PCMU, PCMA. */
  codecs?: readonly AudioCodecName[];
  /** Accept telephone-event when offered; default true. */
  telephoneEvent?: boolean;
  /** The most we want; the answer narrows it by what the offer allows (RFC 3264 §6.1). Default sendrecv. */
  direction?: MediaDirection;
  /** Accept a=rtcp-mux when offered; default true. */
  rtcpMux?: boolean;
  rtcpPort?: number;
  sessionName?: string;
}

/** What both sides agreed for the audio stream, from our point of view. */
export interface NegotiatedAudio {
  /** Index of the m= line in the offer and answer. */
  mediaIndex: number;
  codec: RtpFormat;
  telephoneEvent: RtpFormat | null;
  remoteAddress: string;
  remotePort: number;
  /** Where to send RTCP: the RTP port when multiplexed, else a=rtcp or port + 1 (RFC 3550 §11). */
  remoteRtcpAddress: string;
  remoteRtcpPort: number;
  rtcpMux: boolean;
  ptime: number;
  /** Our own direction: whether we send and/or receive. */
  direction: MediaDirection;
  /** The peer put us on hold: it does not want to receive (a=sendonly, a=inactive or c=0.0.0.0). */
  remoteHold: boolean;
}

export type NegotiationFailureReason =
  | 'no-audio-stream'
  | 'unsupported-transport'
  | 'no-common-codec'
  | 'missing-connection'
  | 'stream-count-mismatch'
  | 'stream-rejected';

export interface NegotiationFailure {
  ok: false;
  reason: NegotiationFailureReason;
  detail: string;
}

export type AnswerResult = { ok: true; answer: SessionDescription; audio: NegotiatedAudio } | NegotiationFailure;
export type AnswerProcessingResult = { ok: true; audio: NegotiatedAudio } | NegotiationFailure;

const failure = (reason: NegotiationFailureReason, detail: string): NegotiationFailure => ({ ok: false, reason, detail });

const addrType = (address: string) => (address.includes(':') ? 'IP6' : 'IP4');

function origin(o: OriginOptions) {
  return {
    username: o.username ?? '-',
    sessionId: o.sessionId,
    sessionVersion: o.sessionVersion,
    netType: 'IN',
    addrType: addrType(o.address),
    address: o.address,
  };
}

function codecAttributes(
  formats: readonly RtpFormat[],
  ptime: number,
  direction: MediaDirection,
  rtcpPort: number,
  rtcpMux: boolean,
): SdpAttribute[] {
  const attrs: SdpAttribute[] = [];
  for (const f of formats) {
    // rtpmap for static types too: not required (RFC 3551) but every phone sends it and some parsers expect it.
    const ch = f.channels > 1 ? `/${f.channels}` : '';
    attrs.push({ name: 'rtpmap', value: `${f.payloadType} ${f.name}/${f.clockRate}${ch}` });
    if (f.fmtp !== null) attrs.push({ name: 'fmtp', value: `${f.payloadType} ${f.fmtp}` });
  }
  attrs.push({ name: 'ptime', value: String(ptime) });
  // RFC 3605: announce RTCP explicitly; with rtcp-mux the port is the RTP port (RFC 5761 §5.1.3).
  attrs.push({ name: 'rtcp', value: String(rtcpPort) });
  if (rtcpMux) attrs.push({ name: 'rtcp-mux', value: null });
  attrs.push({ name: direction, value: null });
  return attrs;
}

const codecFormat = (name: AudioCodecName): RtpFormat => ({
  payloadType: STATIC_PAYLOAD_TYPE[name],
  name,
  clockRate: 8000,
  channels: 1,
  fmtp: null,
});

/** Build an audio offer (RFC 3264 §5): one m=audio line, codecs in preference order, telephone-event last. */
export function createAudioOffer(opts: AudioOfferOptions): SessionDescription {
  const codecs = opts.codecs ?? ['PCMU', 'PCMA'];
  if (codecs.length === 0) throw new RangeError('an offer needs at least one codec');
  const tePt = opts.telephoneEventPayloadType === undefined ? DEFAULT_TELEPHONE_EVENT_PT : opts.telephoneEventPayloadType;
  const formats = codecs.map(codecFormat);
  if (tePt !== null) {
    formats.push({ payloadType: tePt, name: 'telephone-event', clockRate: 8000, channels: 1, fmtp: TELEPHONE_EVENT_FMTP });
  }
  const direction = opts.direction ?? 'sendrecv';
  const rtcpMux = opts.rtcpMux ?? true;
  // RFC 3264 §8.4: new offers use the direction attribute; c=0.0.0.0 only on request for RFC 2543 peers.
  const address = opts.legacyHold && !canReceive(direction) ? '0.0.0.0' : opts.address;
  return {
    version: 0,
    origin: origin(opts.origin),
    sessionName: opts.sessionName ?? 'Patchbay',
    connection: { netType: 'IN', addrType: addrType(address), address },
    bandwidths: [],
    timings: [{ start: '0', stop: '0' }],
    attributes: [],
    extra: [],
    media: [
      {
        type: 'audio',
        port: opts.port,
        portCount: null,
        proto: 'RTP/AVP',
        formats: formats.map((f) => String(f.payloadType)),
        connection: null,
        bandwidths: [],
        attributes: codecAttributes(formats, PTIME_MS, direction, opts.rtcpPort ?? opts.port + 1, rtcpMux),
        extra: [],
      },
    ],
  };
}

const sameName = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

const isTelephoneEvent = (f: RtpFormat) => sameName(f.name, 'telephone-event') && f.clockRate === 8000;

function isCodec(f: RtpFormat, accepted: readonly AudioCodecName[]): boolean {
  return f.clockRate === 8000 && f.channels === 1 && accepted.some((c) => sameName(c, f.name));
}

function rejected(m: SdpMedia): SdpMedia {
  // RFC 3264 §6: a rejected stream keeps its m= line with port 0 and at least one format.
  return {
    type: m.type,
    port: 0,
    portCount: null,
    proto: m.proto,
    formats: m.formats.length > 0 ? [m.formats[0]] : ['0'],
    connection: null,
    bandwidths: [],
    attributes: [],
    extra: [],
  };
}

function remoteRtcp(sdp: SessionDescription, m: SdpMedia, mux: boolean) {
  const address = connectionAddress(sdp, m) ?? '';
  if (mux) return { address, port: m.port };
  const r = rtcpAttribute(m);
  return { address: r?.address ?? address, port: r?.port ?? m.port + 1 };
}

/**
 * Answer an offer (RFC 3264 §6). The first acceptable audio stream is accepted with the first codec of the offer
 * that we support (the offerer's preference order, §6.1); all other streams are declined with port 0.
 */
export function answerOffer(offer: SessionDescription, opts: AnswerOptions): AnswerResult {
  const accepted = opts.codecs ?? ['PCMU', 'PCMA'];
  const wantTe = opts.telephoneEvent ?? true;
  const wantMux = opts.rtcpMux ?? true;
  let chosen: { index: number; codec: RtpFormat; te: RtpFormat | null } | null = null;
  let sawAudio = false;
  let sawAvpAudio = false;

  for (let i = 0; i < offer.media.length && chosen === null; i++) {
    const m = offer.media[i];
    if (m.type !== 'audio' || m.port === 0) continue;
    sawAudio = true;
    if (!SUPPORTED_PROTOS.has(m.proto)) continue;
    sawAvpAudio = true;
    const formats = rtpFormats(m);
    const codec = formats.find((f) => isCodec(f, accepted));
    if (!codec) continue;
    if (connectionAddress(offer, m) === null) return failure('missing-connection', `audio stream ${i} has no c= line`);
    const te = wantTe ? (formats.find(isTelephoneEvent) ?? null) : null;
    chosen = { index: i, codec, te };
  }
  if (chosen === null) {
    if (!sawAudio) return failure('no-audio-stream', 'the offer has no active audio stream');
    if (!sawAvpAudio) return failure('unsupported-transport', 'no audio stream uses RTP/AVP');
    return failure('no-common-codec', `none of the offered codecs is one of ${accepted.join(', ')}`);
  }

  const m = offer.media[chosen.index];
  const offered = effectiveDirection(offer, m);
  const wanted = opts.direction ?? 'sendrecv';
  // §6.1: we may send only if the offerer receives, and receive only if it sends.
  const direction = directionOf(canSend(wanted) && canReceive(offered), canReceive(wanted) && canSend(offered));
  const mux = wantMux && m.attributes.some((a) => a.name === 'rtcp-mux');
  const formats = [chosen.codec];
  if (chosen.te) formats.push({ ...chosen.te, fmtp: chosen.te.fmtp ?? TELEPHONE_EVENT_FMTP });

  const media: SdpMedia[] = offer.media.map((om, i) =>
    i !== chosen.index
      ? rejected(om)
      : {
          type: 'audio',
          port: opts.port,
          portCount: null,
          proto: om.proto,
          formats: formats.map((f) => String(f.payloadType)),
          connection: null,
          bandwidths: [],
          attributes: codecAttributes(formats, PTIME_MS, direction, mux ? opts.port : (opts.rtcpPort ?? opts.port + 1), mux),
          extra: [],
        },
  );
  const answer: SessionDescription = {
    version: 0,
    origin: origin(opts.origin),
    sessionName: opts.sessionName ?? 'Patchbay',
    connection: { netType: 'IN', addrType: addrType(opts.address), address: opts.address },
    bandwidths: [],
    // RFC 3264 §6: the t= line of the answer MUST equal the offer's.
    timings: offer.timings.map((t) => ({ ...t })),
    attributes: [],
    extra: [],
    media,
  };
  const remoteAddress = connectionAddress(offer, m) ?? '';
  const rtcp = remoteRtcp(offer, m, mux);
  return {
    ok: true,
    answer,
    audio: {
      mediaIndex: chosen.index,
      codec: chosen.codec,
      telephoneEvent: chosen.te,
      remoteAddress,
      remotePort: m.port,
      remoteRtcpAddress: rtcp.address,
      remoteRtcpPort: rtcp.port,
      rtcpMux: mux,
      ptime: ptimeOf(m) ?? PTIME_MS,
      direction,
      remoteHold: !canReceive(offered),
    },
  };
}

/**
 * Read the answer to one of our offers (RFC 3264 §7). The answer must have as many m= lines as the offer (§6);
 * the codec it picked must be one we offered, matched by payload type or, for a remapped dynamic type, by name.
 */
export function processAnswer(offer: SessionDescription, answer: SessionDescription): AnswerProcessingResult {
  if (answer.media.length !== offer.media.length) {
    return failure('stream-count-mismatch', `offer has ${offer.media.length} streams, answer ${answer.media.length}`);
  }
  const index = offer.media.findIndex((m) => m.type === 'audio' && m.port !== 0);
  if (index < 0) return failure('no-audio-stream', 'our offer has no active audio stream');
  const om = offer.media[index];
  const am = answer.media[index];
  if (am.port === 0) return failure('stream-rejected', 'the answerer declined the audio stream');
  const address = connectionAddress(answer, am);
  if (address === null) return failure('missing-connection', 'the answered audio stream has no c= line');
  const ours = rtpFormats(om);
  const theirs = rtpFormats(am);
  const match = (f: RtpFormat) =>
    ours.find((o) => o.payloadType === f.payloadType && (f.name === '' || sameName(o.name, f.name))) ??
    ours.find((o) => f.name !== '' && sameName(o.name, f.name) && o.clockRate === f.clockRate);
  const codec = theirs.find((f) => !isTelephoneEvent(f) && match(f) !== undefined && !sameName(f.name, 'CN'));
  if (!codec) return failure('no-common-codec', 'the answer picked no codec we offered');
  const te = theirs.find(isTelephoneEvent) ?? null;
  const ourOffered = effectiveOfferedDirection(offer, om);
  const answered = effectiveDirection(answer, am);
  // Our direction is the answer's, reversed, and never more than we offered.
  const rev = reverseDirection(answered);
  const direction = directionOf(canSend(rev) && canSend(ourOffered), canReceive(rev) && canReceive(ourOffered));
  const mux = om.attributes.some((a) => a.name === 'rtcp-mux') && am.attributes.some((a) => a.name === 'rtcp-mux');
  const rtcp = remoteRtcp(answer, am, mux);
  return {
    ok: true,
    audio: {
      mediaIndex: index,
      // Send with the answerer's payload type number (RFC 3264 §7: the answer's mapping applies to what we send).
      codec: { ...(match(codec) as RtpFormat), payloadType: codec.payloadType },
      telephoneEvent: te,
      remoteAddress: address,
      remotePort: am.port,
      remoteRtcpAddress: rtcp.address,
      remoteRtcpPort: rtcp.port,
      rtcpMux: mux,
      ptime: ptimeOf(am) ?? PTIME_MS,
      direction,
      remoteHold: !canReceive(answered),
    },
  };
}

function effectiveOfferedDirection(offer: SessionDescription, m: SdpMedia): MediaDirection {
  // Our own legacy hold (c=0.0.0.0) means we do not receive.
  return effectiveDirection(offer, m);
}

/** True when the description puts the stream on hold from its sender's side (RFC 3264 §8.4), legacy form included. */
export function isHoldDescription(sdp: SessionDescription): boolean {
  const m = sdp.media.find((x) => x.type === 'audio' && x.port !== 0);
  if (!m) return false;
  return !canReceive(effectiveDirection(sdp, m)) || isLegacyHoldAddress(connectionAddress(sdp, m));
}

import { type SdpAttribute, type SdpMedia, type SessionDescription, findAttribute } from './session-description.js';

/** One RTP payload format of a media description: `a=rtpmap` / `a=fmtp` resolved, static types filled in. */
export interface RtpFormat {
  payloadType: number;
  /** Encoding name as written (compare case-insensitively, RFC 4855 §3). */
  name: string;
  clockRate: number;
  channels: number;
  fmtp: string | null;
}

/**
 * Static payload types we may meet without an rtpmap (RFC 3551 §6, Table 4). Only audio entries matter here; an
 * unknown static type without rtpmap is carried with an empty name and never matches a codec.
 */
const STATIC_AUDIO: Record<number, { name: string; clockRate: number; channels: number }> = {
  0: { name: 'PCMU', clockRate: 8000, channels: 1 },
  3: { name: 'GSM', clockRate: 8000, channels: 1 },
  4: { name: 'G723', clockRate: 8000, channels: 1 },
  8: { name: 'PCMA', clockRate: 8000, channels: 1 },
  9: { name: 'G722', clockRate: 8000, channels: 1 },
  13: { name: 'CN', clockRate: 8000, channels: 1 },
  18: { name: 'G729', clockRate: 8000, channels: 1 },
};

/** Resolve the formats of an RTP m= line in their listed (preference) order (RFC 3264 §5.1). */
export function rtpFormats(media: SdpMedia): RtpFormat[] {
  const maps = new Map<number, { name: string; clockRate: number; channels: number }>();
  const fmtps = new Map<number, string>();
  for (const a of media.attributes) {
    if (a.value === null) continue;
    if (a.name === 'rtpmap') {
      // a=rtpmap:<payload type> <encoding name>/<clock rate>[/<encoding parameters>] (RFC 8866 §6.6)
      const m = /^(\d+)\s+([^/\s]+)\/(\d+)(?:\/(\d+))?/.exec(a.value);
      if (m) maps.set(Number(m[1]), { name: m[2], clockRate: Number(m[3]), channels: m[4] ? Number(m[4]) : 1 });
    } else if (a.name === 'fmtp') {
      const m = /^(\d+)\s+(.*)$/.exec(a.value);
      if (m) fmtps.set(Number(m[1]), m[2]);
    }
  }
  const out: RtpFormat[] = [];
  for (const f of media.formats) {
    if (!/^\d+$/.test(f)) continue;
    const pt = Number(f);
    if (pt > 127) continue;
    const map = maps.get(pt) ?? STATIC_AUDIO[pt] ?? { name: '', clockRate: 0, channels: 1 };
    out.push({ payloadType: pt, ...map, fmtp: fmtps.get(pt) ?? null });
  }
  return out;
}

/** The four direction attributes of RFC 3264 §5.1 / RFC 8866 §6.7. */
export type MediaDirection = 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive';

const DIRECTIONS: readonly MediaDirection[] = ['sendrecv', 'sendonly', 'recvonly', 'inactive'];

export const directionOf = (send: boolean, recv: boolean): MediaDirection =>
  send ? (recv ? 'sendrecv' : 'sendonly') : recv ? 'recvonly' : 'inactive';

export const canSend = (d: MediaDirection): boolean => d === 'sendrecv' || d === 'sendonly';
export const canReceive = (d: MediaDirection): boolean => d === 'sendrecv' || d === 'recvonly';

/** The same stream seen from the other end: sendonly ↔ recvonly. */
export const reverseDirection = (d: MediaDirection): MediaDirection => directionOf(canReceive(d), canSend(d));

function directionIn(attributes: readonly SdpAttribute[]): MediaDirection | null {
  for (const a of attributes) if (a.value === null && (DIRECTIONS as readonly string[]).includes(a.name)) return a.name as MediaDirection;
  return null;
}

/**
 * Direction declared for a stream: media-level attribute, else session-level, else sendrecv (RFC 8866 §6.7).
 */
export function declaredDirection(sdp: SessionDescription, media: SdpMedia): MediaDirection {
  return directionIn(media.attributes) ?? directionIn(sdp.attributes) ?? 'sendrecv';
}

/** The connection address that applies to a stream (media-level c= overrides session-level, RFC 8866 §5.7). */
export function connectionAddress(sdp: SessionDescription, media: SdpMedia): string | null {
  const c = media.connection ?? sdp.connection;
  if (!c) return null;
  // Strip a multicast TTL / count suffix.
  return c.address.split('/')[0];
}

/** RFC 2543 hold: a connection address of 0.0.0.0 (RFC 3264 §8.4 keeps it as a legacy signal). */
export const isLegacyHoldAddress = (address: string | null): boolean => address === '0.0.0.0' || address === '::';

/**
 * Effective direction of a remote stream, folding in the legacy `c=0.0.0.0` hold: a party that advertises 0.0.0.0
 * cannot receive, so whatever its attribute says, it is at most sendonly (RFC 3264 §8.4).
 */
export function effectiveDirection(sdp: SessionDescription, media: SdpMedia): MediaDirection {
  const d = declaredDirection(sdp, media);
  return isLegacyHoldAddress(connectionAddress(sdp, media)) ? directionOf(canSend(d), false) : d;
}

/** `a=rtcp:<port> [<nettype> <addrtype> <address>]` (RFC 3605), or null. */
export function rtcpAttribute(media: SdpMedia): { port: number; address: string | null } | null {
  const v = findAttribute(media.attributes, 'rtcp');
  if (typeof v !== 'string') return null;
  const m = /^(\d+)(?:\s+\S+\s+\S+\s+(\S+))?/.exec(v);
  return m ? { port: Number(m[1]), address: m[2] ?? null } : null;
}

/** `a=ptime` in milliseconds, or null (RFC 8866 §6.4). */
export function ptimeOf(media: SdpMedia): number | null {
  const v = findAttribute(media.attributes, 'ptime');
  if (typeof v !== 'string') return null;
  const n = Number(v);
  return Number.isFinite(n) && n > 0 ? n : null;
}

/**
 * SDP session descriptions: the data model, a strict-but-forgiving parser and a serializer.
 *
 * RFC 8866 §5 fixes the line order of a description:
 *
 *   v=  (protocol version, always 0)
 *   o=  (originator and session identifier)
 *   s=  (session name)
 *   i=* u=* e=* p=* c=* b=*
 *   one or more time descriptions: t= then r=*
 *   z=* k=* a=*
 *   zero or more media descriptions: m= then i=* c=* b=* k=* a=*
 *
 * Fields we do not interpret (i, u, e, p, r, z, k, and any line type a future revision adds) are kept verbatim in
 * `extra` so a description survives parse → serialize without losing information (RFC 8866 §5: "parsers MUST
 * completely ignore any session description that contains a type letter that it does not understand" applies to
 * *changed* semantics; we are lenient and keep them, which is what every deployed SIP stack does).
 */

/** `o=<username> <sess-id> <sess-version> <nettype> <addrtype> <unicast-address>` (RFC 8866 §5.2). */
export interface SdpOrigin {
  username: string;
  /** Kept as text: it is an opaque numeric string that may exceed 2^53. */
  sessionId: string;
  /** Incremented on every change of the description (RFC 3264 §8); a bigint because NTP-based values overflow. */
  sessionVersion: bigint;
  netType: string;
  addrType: string;
  address: string;
}

/** `c=<nettype> <addrtype> <connection-address>` (RFC 8866 §5.7). `address` may carry `/ttl[/count]` for multicast. */
export interface SdpConnection {
  netType: string;
  addrType: string;
  address: string;
}

/** `b=<bwtype>:<bandwidth>` (RFC 8866 §5.8). */
export interface SdpBandwidth {
  type: string;
  value: number;
}

/** `t=<start-time> <stop-time>` (RFC 8866 §5.9); NTP seconds kept as text, `0 0` for a permanent session. */
export interface SdpTiming {
  start: string;
  stop: string;
}

/** `a=<name>` (property attribute, `value` null) or `a=<name>:<value>` (value attribute) (RFC 8866 §5.13). */
export interface SdpAttribute {
  name: string;
  value: string | null;
}

/** A line we carry but do not interpret. */
export interface SdpLine {
  type: string;
  value: string;
}

/** `m=<media> <port>[/<number of ports>] <proto> <fmt> ...` and its lines (RFC 8866 §5.14). */
export interface SdpMedia {
  type: string;
  port: number;
  portCount: number | null;
  proto: string;
  formats: string[];
  connection: SdpConnection | null;
  bandwidths: SdpBandwidth[];
  attributes: SdpAttribute[];
  /** i=, k= and unknown media-level lines, in their original order. */
  extra: SdpLine[];
}

export interface SessionDescription {
  version: number;
  origin: SdpOrigin;
  sessionName: string;
  connection: SdpConnection | null;
  bandwidths: SdpBandwidth[];
  timings: SdpTiming[];
  attributes: SdpAttribute[];
  /** i=, u=, e=, p=, r=, z=, k= and unknown session-level lines, in their original order. */
  extra: SdpLine[];
  media: SdpMedia[];
}

export type SdpParseFailureReason =
  | 'empty'
  | 'bad-line'
  | 'bad-version'
  | 'bad-origin'
  | 'missing-origin'
  | 'missing-session-name'
  | 'bad-connection'
  | 'bad-bandwidth'
  | 'bad-timing'
  | 'missing-timing'
  | 'bad-media'
  | 'missing-connection';

export type SdpParseResult =
  | { ok: true; value: SessionDescription }
  | { ok: false; reason: SdpParseFailureReason; line: number; detail: string };

const fail = (reason: SdpParseFailureReason, line: number, detail: string): SdpParseResult => ({
  ok: false,
  reason,
  line,
  detail,
});

function parseConnection(value: string): SdpConnection | null {
  const parts = value.split(' ');
  if (parts.length !== 3 || parts.some((p) => p.length === 0)) return null;
  return { netType: parts[0], addrType: parts[1], address: parts[2] };
}

function parseBandwidth(value: string): SdpBandwidth | null {
  const colon = value.indexOf(':');
  if (colon <= 0) return null;
  const num = value.slice(colon + 1);
  if (!/^\d+$/.test(num)) return null;
  return { type: value.slice(0, colon), value: Number(num) };
}

function parseAttribute(value: string): SdpAttribute {
  const colon = value.indexOf(':');
  return colon < 0 ? { name: value, value: null } : { name: value.slice(0, colon), value: value.slice(colon + 1) };
}

/**
 * Parse an SDP body. Accepts CRLF or bare LF line endings (RFC 8866 §5: parsers SHOULD accept LF) and ignores
 * trailing blank lines. Returns a typed failure rather than throwing: the caller answers 400/488 from it.
 */
export function parseSdp(text: string): SdpParseResult {
  const lines = text.split(/\r?\n/);
  while (lines.length > 0 && lines[lines.length - 1].trim() === '') lines.pop();
  if (lines.length === 0) return fail('empty', 0, 'empty session description');

  let version: number | null = null;
  let origin: SdpOrigin | null = null;
  let sessionName: string | null = null;
  let connection: SdpConnection | null = null;
  const bandwidths: SdpBandwidth[] = [];
  const timings: SdpTiming[] = [];
  const attributes: SdpAttribute[] = [];
  const extra: SdpLine[] = [];
  const media: SdpMedia[] = [];
  let current: SdpMedia | null = null;

  for (let i = 0; i < lines.length; i++) {
    const lineNo = i + 1;
    const line = lines[i];
    // RFC 8866 §5: `<type>=<value>`, type is exactly one case-significant letter, no whitespace around '='.
    if (line.length < 2 || line[1] !== '=' || !/^[a-zA-Z]$/.test(line[0])) {
      return fail('bad-line', lineNo, `not a <type>=<value> line: ${JSON.stringify(line)}`);
    }
    const type = line[0];
    const value = line.slice(2);
    if (i === 0 && type !== 'v') return fail('bad-version', lineNo, 'first line must be v=');

    if (current !== null) {
      switch (type) {
        case 'm':
          break; // handled below
        case 'c': {
          const c = parseConnection(value);
          if (!c) return fail('bad-connection', lineNo, `bad c= line: ${value}`);
          current.connection = c;
          continue;
        }
        case 'b': {
          const b = parseBandwidth(value);
          if (!b) return fail('bad-bandwidth', lineNo, `bad b= line: ${value}`);
          current.bandwidths.push(b);
          continue;
        }
        case 'a':
          current.attributes.push(parseAttribute(value));
          continue;
        default:
          current.extra.push({ type, value });
          continue;
      }
    }

    switch (type) {
      case 'v':
        if (value !== '0') return fail('bad-version', lineNo, `unsupported SDP version ${value}`);
        version = 0;
        break;
      case 'o': {
        const p = value.split(' ');
        if (p.length !== 6 || !/^\d+$/.test(p[1]) || !/^\d+$/.test(p[2])) {
          return fail('bad-origin', lineNo, `bad o= line: ${value}`);
        }
        origin = {
          username: p[0],
          sessionId: p[1],
          sessionVersion: BigInt(p[2]),
          netType: p[3],
          addrType: p[4],
          address: p[5],
        };
        break;
      }
      case 's':
        sessionName = value;
        break;
      case 'c': {
        const c = parseConnection(value);
        if (!c) return fail('bad-connection', lineNo, `bad c= line: ${value}`);
        connection = c;
        break;
      }
      case 'b': {
        const b = parseBandwidth(value);
        if (!b) return fail('bad-bandwidth', lineNo, `bad b= line: ${value}`);
        bandwidths.push(b);
        break;
      }
      case 't': {
        const p = value.split(' ');
        if (p.length !== 2 || !/^\d+$/.test(p[0]) || !/^\d+$/.test(p[1])) {
          return fail('bad-timing', lineNo, `bad t= line: ${value}`);
        }
        timings.push({ start: p[0], stop: p[1] });
        break;
      }
      case 'a':
        attributes.push(parseAttribute(value));
        break;
      case 'm': {
        // m=<media> <port>[/<n>] <proto> <fmt> ... (at least one fmt, RFC 8866 §5.14)
        const p = value.split(' ').filter((s) => s.length > 0);
        const portMatch = p.length >= 4 ? /^(\d+)(?:\/(\d+))?$/.exec(p[1]) : null;
        if (!portMatch || Number(portMatch[1]) > 65535) return fail('bad-media', lineNo, `bad m= line: ${value}`);
        current = {
          type: p[0],
          port: Number(portMatch[1]),
          portCount: portMatch[2] === undefined ? null : Number(portMatch[2]),
          proto: p[2],
          formats: p.slice(3),
          connection: null,
          bandwidths: [],
          attributes: [],
          extra: [],
        };
        media.push(current);
        break;
      }
      default:
        extra.push({ type, value });
    }
  }

  if (version === null) return fail('bad-version', 1, 'missing v= line');
  if (origin === null) return fail('missing-origin', 0, 'missing o= line');
  // Many phones send `s=` with nothing after it; RFC 8866 §5.3 asks for a single space, we accept both.
  if (sessionName === null) return fail('missing-session-name', 0, 'missing s= line');
  if (timings.length === 0) return fail('missing-timing', 0, 'missing t= line');
  // RFC 8866 §5.7: a c= line is required at session level or in every media description.
  if (connection === null) {
    const bare = media.findIndex((m) => m.connection === null);
    if (bare >= 0) return fail('missing-connection', 0, `media description ${bare} has no connection address`);
  }
  return {
    ok: true,
    value: { version, origin, sessionName, connection, bandwidths, timings, attributes, extra, media },
  };
}

const connectionLine = (c: SdpConnection) => `c=${c.netType} ${c.addrType} ${c.address}`;
const attributeLine = (a: SdpAttribute) => (a.value === null ? `a=${a.name}` : `a=${a.name}:${a.value}`);

/** Serialize with CRLF line endings (RFC 8866 §5), fields in the order §5 requires. */
export function serializeSdp(sdp: SessionDescription): string {
  const out: string[] = [];
  const o = sdp.origin;
  out.push(`v=${sdp.version}`);
  out.push(`o=${o.username} ${o.sessionId} ${o.sessionVersion} ${o.netType} ${o.addrType} ${o.address}`);
  out.push(`s=${sdp.sessionName}`);
  // i u e p come before c; r z k after t. Keep each unknown line in its RFC slot where we know it.
  for (const l of sdp.extra) if ('iuep'.includes(l.type)) out.push(`${l.type}=${l.value}`);
  if (sdp.connection) out.push(connectionLine(sdp.connection));
  for (const b of sdp.bandwidths) out.push(`b=${b.type}:${b.value}`);
  for (const t of sdp.timings) out.push(`t=${t.start} ${t.stop}`);
  for (const l of sdp.extra) if (!'iuep'.includes(l.type)) out.push(`${l.type}=${l.value}`);
  for (const a of sdp.attributes) out.push(attributeLine(a));
  for (const m of sdp.media) {
    const port = m.portCount === null ? `${m.port}` : `${m.port}/${m.portCount}`;
    out.push(`m=${m.type} ${port} ${m.proto} ${m.formats.join(' ')}`);
    for (const l of m.extra) if (l.type === 'i') out.push(`i=${l.value}`);
    if (m.connection) out.push(connectionLine(m.connection));
    for (const b of m.bandwidths) out.push(`b=${b.type}:${b.value}`);
    for (const l of m.extra) if (l.type !== 'i') out.push(`${l.type}=${l.value}`);
    for (const a of m.attributes) out.push(attributeLine(a));
  }
  return out.join('\r\n') + '\r\n';
}

/** First value of attribute `name` in a list, `undefined` if absent (null for a property attribute). */
export function findAttribute(attributes: readonly SdpAttribute[], name: string): string | null | undefined {
  const a = attributes.find((x) => x.name === name);
  return a === undefined ? undefined : a.value;
}

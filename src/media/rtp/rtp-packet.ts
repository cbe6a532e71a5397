/**
 * RTP data packet, RFC 3550 §5.1 (fixed header), §5.3.1 (header extension), padding per §5.1 "P".
 *
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |V=2|P|X|  CC   |M|     PT      |       sequence number         |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                           timestamp                           |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |           synchronization source (SSRC) identifier            |
 * +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
 * |            contributing source (CSRC) identifiers             |
 * |                             ....                              |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |      defined by profile       |           length              |   (§5.3.1, present when X = 1;
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+    length counts 32-bit words
 * |                        header extension                       |    after this one)
 * |                             ....                              |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                            payload  ...   | padding ... | count |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * On the hot path one instance is reused: `decode(buf)` fills it in place and returns `null` or a failure reason; the
 * payload is described by `payloadOffset`/`payloadLength` into the same buffer (the `payload` getter makes a
 * `subarray` view when a caller wants one). `serializeInto(buf)` writes without allocating.
 */
import { fail, ok, type ParseFailure, type ParseResult } from './parse-result.js';

export const RTP_VERSION = 2;
export const RTP_FIXED_HEADER_SIZE = 12;

const EMPTY = new Uint8Array(0);

export class RtpPacket {
  padding = false;
  marker = false;
  payloadType = 0;
  sequenceNumber = 0;
  timestamp = 0;
  ssrc = 0;
  /** Contributing sources (CC = length, at most 15). */
  csrcs: number[] = [];
  /** The 16-bit "defined by profile" field, when the X bit is set. */
  extensionProfile: number | undefined = undefined;
  /** Header extension data (a multiple of 4 bytes), when the X bit is set. */
  extensionData: Uint8Array = EMPTY;
  /** Number of padding bytes including the final count octet (0 when P is clear). */
  paddingLength = 0;
  /** The buffer the payload lives in, and where. */
  buffer: Uint8Array = EMPTY;
  payloadOffset = 0;
  payloadLength = 0;

  /** Parse a packet into a new instance. The payload remains a view into `buf`. */
  static parse(buf: Uint8Array): ParseResult<RtpPacket> {
    const packet = new RtpPacket();
    const reason = packet.decode(buf);
    return reason === null ? ok(packet) : fail(reason);
  }

  /** Quick check used to demultiplex RTP from RTCP on one port (RFC 5761 §4): PT 64-95 with the marker are RTCP. */
  static looksLikeRtcp(buf: Uint8Array, length = buf.length): boolean {
    if (length < 2) return false;
    const pt = buf[1];
    return pt >= 192 && pt <= 223;
  }

  /**
   * Fill this instance from `buf[0, length)`, checking every length. Returns `null` on success or the failure reason.
   * Allocates only when the packet carries CSRCs or an extension (the extension data is a view).
   */
  decode(buf: Uint8Array, length = buf.length): ParseFailure | null {
    if (length < RTP_FIXED_HEADER_SIZE) return 'truncated';
    const b0 = buf[0];
    if (b0 >> 6 !== RTP_VERSION) return 'bad-version';
    const hasPadding = (b0 & 0x20) !== 0;
    const hasExtension = (b0 & 0x10) !== 0;
    const cc = b0 & 0x0f;
    const b1 = buf[1];
    let offset = RTP_FIXED_HEADER_SIZE + cc * 4;
    if (length < offset) return 'truncated';
    this.padding = hasPadding;
    this.marker = (b1 & 0x80) !== 0;
    this.payloadType = b1 & 0x7f;
    this.sequenceNumber = (buf[2] << 8) | buf[3];
    this.timestamp = ((buf[4] << 24) | (buf[5] << 16) | (buf[6] << 8) | buf[7]) >>> 0;
    this.ssrc = ((buf[8] << 24) | (buf[9] << 16) | (buf[10] << 8) | buf[11]) >>> 0;
    if (cc > 0 || this.csrcs.length > 0) {
      const csrcs: number[] = [];
      for (let i = 0; i < cc; i++) csrcs.push(readU32(buf, RTP_FIXED_HEADER_SIZE + i * 4));
      this.csrcs = csrcs;
    }
    if (hasExtension) {
      if (length < offset + 4) return 'truncated';
      this.extensionProfile = (buf[offset] << 8) | buf[offset + 1];
      const words = (buf[offset + 2] << 8) | buf[offset + 3];
      offset += 4;
      if (length < offset + words * 4) return 'bad-extension';
      this.extensionData = buf.subarray(offset, offset + words * 4);
      offset += words * 4;
    } else {
      this.extensionProfile = undefined;
      this.extensionData = EMPTY;
    }
    let end = length;
    if (hasPadding) {
      // §5.1: the last octet of the padding counts how many padding octets to ignore, including itself.
      if (end <= offset) return 'bad-padding';
      const count = buf[end - 1];
      if (count === 0 || count > end - offset) return 'bad-padding';
      this.paddingLength = count;
      end -= count;
    } else {
      this.paddingLength = 0;
    }
    this.buffer = buf;
    this.payloadOffset = offset;
    this.payloadLength = end - offset;
    return null;
  }

  /** The payload as a view (allocates a view object; hot paths use `buffer`/`payloadOffset`/`payloadLength`). */
  get payload(): Uint8Array {
    return this.buffer.subarray(this.payloadOffset, this.payloadOffset + this.payloadLength);
  }

  /** Point the payload at `data` (no copy). */
  setPayload(data: Uint8Array, offset = 0, length = data.length - offset): this {
    this.buffer = data;
    this.payloadOffset = offset;
    this.payloadLength = length;
    return this;
  }

  get headerSize(): number {
    const ext = this.extensionProfile === undefined ? 0 : 4 + this.extensionData.length;
    return RTP_FIXED_HEADER_SIZE + this.csrcs.length * 4 + ext;
  }

  /** Bytes `serialize()` produces. */
  get size(): number {
    return this.headerSize + this.payloadLength + (this.padding ? this.paddingLength : 0);
  }

  /** Serialize into a new buffer of exactly `size` bytes. */
  serialize(): Uint8Array {
    const out = new Uint8Array(this.size);
    this.serializeInto(out);
    return out;
  }

  /**
   * Serialize into `out` at `offset`; returns the bytes written. Throws a RangeError when `out` is too small or a field
   * cannot be represented (programming errors, not wire input).
   */
  serializeInto(out: Uint8Array, offset = 0): number {
    const size = this.size;
    if (out.length - offset < size) throw new RangeError(`RTP packet needs ${size} bytes, buffer has ${out.length - offset}`);
    if (this.csrcs.length > 15) throw new RangeError('RTP packet cannot carry more than 15 CSRCs');
    if (this.extensionData.length % 4 !== 0) throw new RangeError('RTP header extension must be a multiple of 4 bytes');
    if (this.padding && (this.paddingLength < 1 || this.paddingLength > 255)) {
      throw new RangeError('RTP padding length must be 1..255');
    }
    const hasExt = this.extensionProfile !== undefined;
    out[offset] = (RTP_VERSION << 6) | (this.padding ? 0x20 : 0) | (hasExt ? 0x10 : 0) | this.csrcs.length;
    out[offset + 1] = (this.marker ? 0x80 : 0) | (this.payloadType & 0x7f);
    out[offset + 2] = (this.sequenceNumber >> 8) & 0xff;
    out[offset + 3] = this.sequenceNumber & 0xff;
    writeU32(out, offset + 4, this.timestamp);
    writeU32(out, offset + 8, this.ssrc);
    let o = offset + RTP_FIXED_HEADER_SIZE;
    for (const csrc of this.csrcs) {
      writeU32(out, o, csrc);
      o += 4;
    }
    if (hasExt) {
      const profile = this.extensionProfile ?? 0;
      out[o] = (profile >> 8) & 0xff;
      out[o + 1] = profile & 0xff;
      const words = this.extensionData.length / 4;
      out[o + 2] = (words >> 8) & 0xff;
      out[o + 3] = words & 0xff;
      out.set(this.extensionData, o + 4);
      o += 4 + this.extensionData.length;
    }
    if (this.payloadLength > 0) {
      out.set(this.buffer.subarray(this.payloadOffset, this.payloadOffset + this.payloadLength), o);
      o += this.payloadLength;
    }
    if (this.padding) {
      out.fill(0, o, o + this.paddingLength - 1);
      o += this.paddingLength;
      out[o - 1] = this.paddingLength;
    }
    return o - offset;
  }
}

/**
 * Write a 12-byte RTP fixed header (no CSRC, no extension, no padding) — the allocation-free sending path.
 * Returns the header size (12).
 */
export function writeRtpHeader(
  out: Uint8Array, payloadType: number, marker: boolean, sequenceNumber: number, timestamp: number, ssrc: number,
): number {
  out[0] = RTP_VERSION << 6;
  out[1] = (marker ? 0x80 : 0) | (payloadType & 0x7f);
  out[2] = (sequenceNumber >> 8) & 0xff;
  out[3] = sequenceNumber & 0xff;
  writeU32(out, 4, timestamp);
  writeU32(out, 8, ssrc);
  return RTP_FIXED_HEADER_SIZE;
}

export function readU32(buf: Uint8Array, offset: number): number {
  return ((buf[offset] << 24) | (buf[offset + 1] << 16) | (buf[offset + 2] << 8) | buf[offset + 3]) >>> 0;
}

export function writeU32(buf: Uint8Array, offset: number, value: number): void {
  buf[offset] = (value >>> 24) & 0xff;
  buf[offset + 1] = (value >>> 16) & 0xff;
  buf[offset + 2] = (value >>> 8) & 0xff;
  buf[offset + 3] = value & 0xff;
}

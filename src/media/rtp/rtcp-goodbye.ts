/**
 * RTCP BYE, RFC 3550 §6.6:
 *
 *        0                   1                   2                   3
 *        0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *       +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *       |V=2|P|    SC   |   PT=BYE=203  |             length            |
 *       +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *       |                           SSRC/CSRC                           |
 *       +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *       :                              ...                              :
 *       +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
 * (opt) |     length    |               reason for leaving            ...
 *       +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * The optional reason is padded with null octets to the next 32-bit boundary.
 */
import { fail, ok, type ParseResult } from './parse-result.js';
import { RTCP_BYE, checkRoom, readRtcpHeader, writeRtcpHeader } from './rtcp-header.js';
import { readU32, writeU32 } from './rtp-packet.js';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export class RtcpGoodbye {
  readonly packetType = RTCP_BYE;

  constructor(
    public sources: number[] = [],
    /** Reason for leaving, raw UTF-8 bytes; `undefined` when absent. */
    public reasonBytes: Uint8Array | undefined = undefined,
  ) {}

  static withReason(sources: number[], reason: string): RtcpGoodbye {
    return new RtcpGoodbye(sources, encoder.encode(reason));
  }

  static parse(buf: Uint8Array): ParseResult<RtcpGoodbye> {
    const h = readRtcpHeader(buf);
    if (typeof h === 'string') return fail(h);
    if (h.packetType !== RTCP_BYE) return fail('bad-packet-type');
    const sourcesEnd = 4 + h.count * 4;
    if (h.contentEnd < sourcesEnd) return fail('bad-report-count');
    const sources: number[] = [];
    for (let i = 0; i < h.count; i++) sources.push(readU32(buf, 4 + i * 4));
    let reasonBytes: Uint8Array | undefined;
    if (h.contentEnd > sourcesEnd) {
      const len = buf[sourcesEnd];
      if (sourcesEnd + 1 + len > h.contentEnd) return fail('bad-length');
      reasonBytes = buf.subarray(sourcesEnd + 1, sourcesEnd + 1 + len);
    }
    return ok(new RtcpGoodbye(sources, reasonBytes));
  }

  get reason(): string | undefined {
    return this.reasonBytes === undefined ? undefined : decoder.decode(this.reasonBytes);
  }

  get size(): number {
    const reason = this.reasonBytes === undefined ? 0 : (1 + this.reasonBytes.length + 3) & ~3;
    return 4 + this.sources.length * 4 + reason;
  }

  serialize(): Uint8Array {
    const out = new Uint8Array(this.size);
    this.serializeInto(out);
    return out;
  }

  serializeInto(out: Uint8Array, offset = 0): number {
    const size = this.size;
    checkRoom(out, offset, size);
    writeRtcpHeader(out, offset, this.sources.length, RTCP_BYE, size);
    let o = offset + 4;
    for (const s of this.sources) {
      writeU32(out, o, s);
      o += 4;
    }
    if (this.reasonBytes !== undefined) {
      if (this.reasonBytes.length > 255) throw new RangeError('BYE reason is at most 255 octets');
      out[o] = this.reasonBytes.length;
      out.set(this.reasonBytes, o + 1);
      out.fill(0, o + 1 + this.reasonBytes.length, offset + size);
    }
    return size;
  }
}

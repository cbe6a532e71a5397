/**
 * RTCP source description (SDES), RFC 3550 §6.5:
 *
 *         0                   1                   2                   3
 *         0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *        +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * header |V=2|P|    SC   |  PT=SDES=202  |             length            |
 *        +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
 * chunk  |                          SSRC/CSRC_1                          |
 *   1    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *        |                           SDES items                          |
 *        |                              ...                              |
 *        +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
 *
 * Each item is `type (8) | length (8) | text (length octets, UTF-8)`; a chunk's item list ends with one or more null
 * octets (type 0, "END") padding the chunk to the next 32-bit boundary. CNAME is type 1 (§6.5.1).
 */
import { fail, ok, type ParseResult } from './parse-result.js';
import { RTCP_SDES, checkRoom, readRtcpHeader, writeRtcpHeader } from './rtcp-header.js';
import { readU32, writeU32 } from './rtp-packet.js';

export const SDES_END = 0;
export const SDES_CNAME = 1;

export interface SdesItem {
  type: number;
  /** The item text's raw bytes (UTF-8 per §6.5). */
  value: Uint8Array;
}

export interface SdesChunk {
  ssrc: number;
  items: SdesItem[];
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export class RtcpSourceDescription {
  readonly packetType = RTCP_SDES;

  constructor(public chunks: SdesChunk[] = []) {}

  /** A one-chunk SDES carrying only the CNAME, as every compound packet must (§6.1). */
  static withCname(ssrc: number, cname: string): RtcpSourceDescription {
    return new RtcpSourceDescription([{ ssrc, items: [{ type: SDES_CNAME, value: encoder.encode(cname) }] }]);
  }

  static parse(buf: Uint8Array): ParseResult<RtcpSourceDescription> {
    const h = readRtcpHeader(buf);
    if (typeof h === 'string') return fail(h);
    if (h.packetType !== RTCP_SDES) return fail('bad-packet-type');
    const chunks: SdesChunk[] = [];
    let o = 4;
    for (let c = 0; c < h.count; c++) {
      if (o + 4 > h.contentEnd) return fail('bad-sdes');
      const ssrc = readU32(buf, o);
      o += 4;
      const items: SdesItem[] = [];
      for (;;) {
        if (o >= h.contentEnd) return fail('bad-sdes');
        const type = buf[o];
        if (type === SDES_END) {
          // Skip the null octets up to the next 32-bit boundary (at least one).
          o = (o + 4) & ~3;
          break;
        }
        if (o + 2 > h.contentEnd) return fail('bad-sdes');
        const len = buf[o + 1];
        if (o + 2 + len > h.contentEnd) return fail('bad-sdes');
        items.push({ type, value: buf.subarray(o + 2, o + 2 + len) });
        o += 2 + len;
      }
      if (o > h.contentEnd) return fail('bad-sdes');
      chunks.push({ ssrc, items });
    }
    return ok(new RtcpSourceDescription(chunks));
  }

  /** The CNAME of the first chunk that has one. */
  get cname(): string | undefined {
    for (const chunk of this.chunks) {
      for (const item of chunk.items) if (item.type === SDES_CNAME) return decoder.decode(item.value);
    }
    return undefined;
  }

  private static chunkSize(chunk: SdesChunk): number {
    let n = 4;
    for (const item of chunk.items) n += 2 + item.value.length;
    return (n + 4) & ~3; // at least one END octet, then pad to 32 bits
  }

  get size(): number {
    let n = 4;
    for (const chunk of this.chunks) n += RtcpSourceDescription.chunkSize(chunk);
    return n;
  }

  serialize(): Uint8Array {
    const out = new Uint8Array(this.size);
    this.serializeInto(out);
    return out;
  }

  serializeInto(out: Uint8Array, offset = 0): number {
    const size = this.size;
    checkRoom(out, offset, size);
    writeRtcpHeader(out, offset, this.chunks.length, RTCP_SDES, size);
    let o = offset + 4;
    for (const chunk of this.chunks) {
      const end = o + RtcpSourceDescription.chunkSize(chunk);
      writeU32(out, o, chunk.ssrc);
      o += 4;
      for (const item of chunk.items) {
        if (item.value.length > 255) throw new RangeError('SDES item text is at most 255 octets');
        if (item.type === SDES_END) throw new RangeError('SDES item type 0 is the list terminator');
        out[o] = item.type;
        out[o + 1] = item.value.length;
        out.set(item.value, o + 2);
        o += 2 + item.value.length;
      }
      out.fill(0, o, end);
      o = end;
    }
    return size;
  }
}

/**
 * RTCP receiver report, RFC 3550 §6.4.2:
 *
 *         0                   1                   2                   3
 *         0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *        +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * header |V=2|P|    RC   |   PT=RR=201   |             length            |
 *        +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *        |                     SSRC of packet sender                     |
 *        +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
 *        |                 report blocks (24 bytes each)                 |
 *        +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
 *        |                  profile-specific extensions                  |
 *        +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 */
import { fail, ok, type ParseResult } from './parse-result.js';
import { RTCP_RR, checkRoom, readRtcpHeader, writeRtcpHeader } from './rtcp-header.js';
import { REPORT_BLOCK_SIZE, RtcpReportBlock } from './rtcp-report-block.js';
import { readU32, writeU32 } from './rtp-packet.js';

const EMPTY = new Uint8Array(0);

export class RtcpReceiverReport {
  readonly packetType = RTCP_RR;

  constructor(
    public ssrc = 0,
    public reports: RtcpReportBlock[] = [],
    public extension: Uint8Array = EMPTY,
  ) {}

  static parse(buf: Uint8Array): ParseResult<RtcpReceiverReport> {
    const h = readRtcpHeader(buf);
    if (typeof h === 'string') return fail(h);
    if (h.packetType !== RTCP_RR) return fail('bad-packet-type');
    const reportsEnd = 8 + h.count * REPORT_BLOCK_SIZE;
    if (h.contentEnd < reportsEnd) return fail('bad-report-count');
    const reports: RtcpReportBlock[] = [];
    for (let i = 0; i < h.count; i++) reports.push(RtcpReportBlock.read(buf, 8 + i * REPORT_BLOCK_SIZE));
    return ok(new RtcpReceiverReport(readU32(buf, 4), reports, buf.subarray(reportsEnd, h.contentEnd)));
  }

  get size(): number {
    return 8 + this.reports.length * REPORT_BLOCK_SIZE + this.extension.length;
  }

  serialize(): Uint8Array {
    const out = new Uint8Array(this.size);
    this.serializeInto(out);
    return out;
  }

  serializeInto(out: Uint8Array, offset = 0): number {
    const size = this.size;
    checkRoom(out, offset, size);
    if (this.extension.length % 4 !== 0) throw new RangeError('RR extension must be a multiple of 4 bytes');
    writeRtcpHeader(out, offset, this.reports.length, RTCP_RR, size);
    writeU32(out, offset + 4, this.ssrc);
    let o = offset + 8;
    for (const block of this.reports) o += block.write(out, o);
    out.set(this.extension, o);
    return size;
  }
}

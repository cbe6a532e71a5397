/**
 * RTCP sender report, RFC 3550 §6.4.1:
 *
 *         0                   1                   2                   3
 *         0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *        +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * header |V=2|P|    RC   |   PT=SR=200   |             length            |
 *        +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *        |                         SSRC of sender                        |
 *        +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
 * sender |              NTP timestamp, most significant word             |
 * info   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *        |             NTP timestamp, least significant word             |
 *        +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *        |                         RTP timestamp                         |
 *        +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *        |                     sender's packet count                     |
 *        +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *        |                      sender's octet count                     |
 *        +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
 *        |                 report blocks (24 bytes each)                 |
 *        +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
 *        |                  profile-specific extensions                  |
 *        +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 */
import { fail, ok, type ParseResult } from './parse-result.js';
import { RTCP_SR, checkRoom, readRtcpHeader, writeRtcpHeader } from './rtcp-header.js';
import { REPORT_BLOCK_SIZE, RtcpReportBlock } from './rtcp-report-block.js';
import { readU32, writeU32 } from './rtp-packet.js';

const EMPTY = new Uint8Array(0);

export class RtcpSenderReport {
  readonly packetType = RTCP_SR;

  constructor(
    public ssrc = 0,
    public ntpMsw = 0,
    public ntpLsw = 0,
    public rtpTimestamp = 0,
    public packetCount = 0,
    public octetCount = 0,
    public reports: RtcpReportBlock[] = [],
    /** Profile-specific extension bytes (a multiple of 4). */
    public extension: Uint8Array = EMPTY,
  ) {}

  static parse(buf: Uint8Array): ParseResult<RtcpSenderReport> {
    const h = readRtcpHeader(buf);
    if (typeof h === 'string') return fail(h);
    if (h.packetType !== RTCP_SR) return fail('bad-packet-type');
    const reportsEnd = 28 + h.count * REPORT_BLOCK_SIZE;
    if (h.contentEnd < reportsEnd) return fail('bad-report-count');
    const reports: RtcpReportBlock[] = [];
    for (let i = 0; i < h.count; i++) reports.push(RtcpReportBlock.read(buf, 28 + i * REPORT_BLOCK_SIZE));
    return ok(new RtcpSenderReport(
      readU32(buf, 4), readU32(buf, 8), readU32(buf, 12), readU32(buf, 16), readU32(buf, 20), readU32(buf, 24),
      reports, buf.subarray(reportsEnd, h.contentEnd),
    ));
  }

  get size(): number {
    return 28 + this.reports.length * REPORT_BLOCK_SIZE + this.extension.length;
  }

  serialize(): Uint8Array {
    const out = new Uint8Array(this.size);
    this.serializeInto(out);
    return out;
  }

  serializeInto(out: Uint8Array, offset = 0): number {
    const size = this.size;
    checkRoom(out, offset, size);
    if (this.extension.length % 4 !== 0) throw new RangeError('SR extension must be a multiple of 4 bytes');
    writeRtcpHeader(out, offset, this.reports.length, RTCP_SR, size);
    writeU32(out, offset + 4, this.ssrc);
    writeU32(out, offset + 8, this.ntpMsw);
    writeU32(out, offset + 12, this.ntpLsw);
    writeU32(out, offset + 16, this.rtpTimestamp);
    writeU32(out, offset + 20, this.packetCount);
    writeU32(out, offset + 24, this.octetCount);
    let o = offset + 28;
    for (const block of this.reports) o += block.write(out, o);
    out.set(this.extension, o);
    return size;
  }

  /** The middle 32 bits of the NTP timestamp: what a receiver echoes as LSR (§6.4.1). */
  get compactNtp(): number {
    return (((this.ntpMsw & 0xffff) << 16) | (this.ntpLsw >>> 16)) >>> 0;
  }
}

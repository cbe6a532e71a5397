/**
 * An RTCP reception report block, RFC 3550 §6.4.1 (24 bytes, in SR and RR):
 *
 * +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
 * |                 SSRC_1 (SSRC of first source)                 |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * | fraction lost |       cumulative number of packets lost       |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |           extended highest sequence number received           |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                      interarrival jitter                      |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                         last SR (LSR)                         |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                   delay since last SR (DLSR)                  |
 * +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
 */
import { readU32, writeU32 } from './rtp-packet.js';

export const REPORT_BLOCK_SIZE = 24;

export class RtcpReportBlock {
  constructor(
    public ssrc = 0,
    /** Fraction lost since the previous report, as a fixed-point number with the binary point at the left (0-255). */
    public fractionLost = 0,
    /** Cumulative packets lost: a signed 24-bit value (duplicates can make it negative, §6.4.1). */
    public cumulativeLost = 0,
    public extendedHighestSequence = 0,
    public jitter = 0,
    public lastSr = 0,
    public delaySinceLastSr = 0,
  ) {}

  /** Read a block at `offset`; the caller has checked that 24 bytes are present. */
  static read(buf: Uint8Array, offset: number): RtcpReportBlock {
    const lostRaw = (buf[offset + 5] << 16) | (buf[offset + 6] << 8) | buf[offset + 7];
    return new RtcpReportBlock(
      readU32(buf, offset),
      buf[offset + 4],
      (lostRaw << 8) >> 8, // sign-extend 24 bits
      readU32(buf, offset + 8),
      readU32(buf, offset + 12),
      readU32(buf, offset + 16),
      readU32(buf, offset + 20),
    );
  }

  write(out: Uint8Array, offset: number): number {
    writeU32(out, offset, this.ssrc);
    // Clamp to the 24-bit signed range as §6.4.1 requires.
    const lost = Math.max(-0x800000, Math.min(0x7fffff, this.cumulativeLost)) & 0xffffff;
    out[offset + 4] = this.fractionLost & 0xff;
    out[offset + 5] = (lost >> 16) & 0xff;
    out[offset + 6] = (lost >> 8) & 0xff;
    out[offset + 7] = lost & 0xff;
    writeU32(out, offset + 8, this.extendedHighestSequence);
    writeU32(out, offset + 12, this.jitter);
    writeU32(out, offset + 16, this.lastSr);
    writeU32(out, offset + 20, this.delaySinceLastSr);
    return REPORT_BLOCK_SIZE;
  }
}

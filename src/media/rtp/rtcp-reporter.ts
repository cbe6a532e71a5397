/**
 * The RTCP side of one RTP session (RFC 3550 §6): builds the compound report — an SR when we sent media since the
 * last report, otherwise an RR (§6.4), with one report block about the remote source, then the SDES CNAME (§6.5.1)
 * and optionally a BYE (§6.6) — and digests the peer's reports (LSR/DLSR bookkeeping, the block about our stream).
 */
import type { Clock } from '../../core/index.js';
import type { ReceiveStatistics } from './receive-statistics.js';
import { RtcpCompound, type RtcpPacket } from './rtcp-compound.js';
import { RtcpSenderReport } from './rtcp-sender-report.js';
import { RtcpReceiverReport } from './rtcp-receiver-report.js';
import { RtcpReportBlock } from './rtcp-report-block.js';
import { RtcpSourceDescription } from './rtcp-source-description.js';
import { RtcpGoodbye } from './rtcp-goodbye.js';

const NTP_EPOCH_OFFSET = 2208988800; // seconds from 1900-01-01 to 1970-01-01

/** What the sending side tracks per packet, read when a report is built. */
export interface SenderInfo {
  packetsSent: number;
  octetsSent: number;
  lastRtpTimestampSent: number;
  /** Clock time of the last packet sent (ms). */
  lastSendAt: number;
  /** Whether media went out since the previous report (SR rather than RR). */
  sentSinceReport: boolean;
}

export class RtcpReporter {
  private lastSrCompact = 0;
  private lastSrArrival = 0;
  /** Fraction lost (8-bit fixed point) computed for the last report built. */
  lastFractionLost = 0;
  /** The last report block the peer sent about our stream. */
  remoteReport: RtcpReportBlock | undefined;

  constructor(
    private readonly ssrc: number,
    private readonly cname: string,
    private readonly clock: Clock,
    private readonly clockRate: number,
  ) {}

  /** Build the compound packet to send now. Moves the fraction-lost interval of `rx` (A.3). */
  build(sender: SenderInfo, rx: ReceiveStatistics, bye: boolean): RtcpCompound {
    const now = this.clock.now();
    const blocks: RtcpReportBlock[] = [];
    if (rx.isValid) {
      this.lastFractionLost = rx.takeFractionLost();
      // DLSR in units of 1/65536 s since the last SR arrived (§6.4.1), 0 when none has.
      const dlsr = this.lastSrArrival === 0 ? 0 : Math.floor(((now - this.lastSrArrival) * 65536) / 1000);
      blocks.push(new RtcpReportBlock(
        rx.ssrc, this.lastFractionLost, rx.cumulativeLost, rx.extendedHighestSequence, rx.jitter, this.lastSrCompact,
        dlsr >>> 0,
      ));
    }
    const packets: RtcpPacket[] = [];
    if (sender.sentSinceReport) {
      const seconds = Math.floor(now / 1000);
      const fraction = Math.floor(((now % 1000) / 1000) * 4294967296);
      // The RTP timestamp corresponding to the NTP time (§6.4.1): extrapolated from the last packet sent.
      const rtpNow = (sender.lastRtpTimestampSent + Math.round(((now - sender.lastSendAt) * this.clockRate) / 1000)) >>> 0;
      packets.push(new RtcpSenderReport(
        this.ssrc, (seconds + NTP_EPOCH_OFFSET) >>> 0, fraction >>> 0, rtpNow, sender.packetsSent >>> 0,
        sender.octetsSent >>> 0, blocks,
      ));
    } else {
      packets.push(new RtcpReceiverReport(this.ssrc, blocks));
    }
    packets.push(RtcpSourceDescription.withCname(this.ssrc, this.cname));
    if (bye) packets.push(new RtcpGoodbye([this.ssrc]));
    return new RtcpCompound(packets);
  }

  /** Digest a received compound packet. Returns whether it carried a BYE. */
  receive(compound: RtcpCompound): boolean {
    const now = this.clock.now();
    let bye = false;
    for (const packet of compound.packets) {
      if (packet instanceof RtcpSenderReport) {
        this.lastSrCompact = packet.compactNtp;
        this.lastSrArrival = now;
      }
      if (packet instanceof RtcpSenderReport || packet instanceof RtcpReceiverReport) {
        for (const block of packet.reports) if (block.ssrc === this.ssrc) this.remoteReport = block;
      }
      if (packet instanceof RtcpGoodbye) bye = true;
    }
    return bye;
  }
}

export { type ParseResult, type ParseFailure } from './parse-result.js';
export { RtpPacket, RTP_VERSION, RTP_FIXED_HEADER_SIZE, writeRtpHeader } from './rtp-packet.js';
export { RTCP_SR, RTCP_RR, RTCP_SDES, RTCP_BYE, RTCP_APP } from './rtcp-header.js';
export { RtcpReportBlock, REPORT_BLOCK_SIZE } from './rtcp-report-block.js';
export { RtcpSenderReport } from './rtcp-sender-report.js';
export { RtcpReceiverReport } from './rtcp-receiver-report.js';
export { RtcpSourceDescription, SDES_CNAME, SDES_END, type SdesChunk, type SdesItem } from './rtcp-source-description.js';
export { RtcpGoodbye } from './rtcp-goodbye.js';
export { RtcpCompound, RtcpUnknown, type RtcpPacket } from './rtcp-compound.js';
export { ReceiveStatistics } from './receive-statistics.js';
export { RtcpReporter, type SenderInfo } from './rtcp-reporter.js';
export { PortAllocator, type PortRange } from './port-allocator.js';
export {
  RtpSession, type RtpSessionOptions, type RtpSessionDelegate, type RtpSessionStats, type RtpEndpoint,
} from './rtp-session.js';

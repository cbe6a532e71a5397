/**
 * Compound RTCP packets, RFC 3550 §6.1: several RTCP packets concatenated in one datagram, each carrying its own
 * length. §6.1 requires the first packet to be an SR or RR, an SDES with CNAME in every compound packet, and padding
 * only on the last packet; `parse` accepts what it can decode (so a non-compliant peer still gets its reports read)
 * and `isStrictlyValid` reports the §6.1 / Appendix A.2 checks separately.
 */
import { fail, ok, type ParseResult } from './parse-result.js';
import { RTCP_BYE, RTCP_RR, RTCP_SDES, RTCP_SR, readRtcpHeader } from './rtcp-header.js';
import { RtcpSenderReport } from './rtcp-sender-report.js';
import { RtcpReceiverReport } from './rtcp-receiver-report.js';
import { RtcpSourceDescription } from './rtcp-source-description.js';
import { RtcpGoodbye } from './rtcp-goodbye.js';

/** An RTCP packet type this module does not decode (APP, XR, feedback…), kept as raw bytes for a byte-exact copy. */
export class RtcpUnknown {
  constructor(readonly packetType: number, readonly bytes: Uint8Array) {}

  get size(): number {
    return this.bytes.length;
  }

  serializeInto(out: Uint8Array, offset = 0): number {
    out.set(this.bytes, offset);
    return this.bytes.length;
  }
}

export type RtcpPacket = RtcpSenderReport | RtcpReceiverReport | RtcpSourceDescription | RtcpGoodbye | RtcpUnknown;

export class RtcpCompound {
  constructor(public packets: RtcpPacket[] = [], private readonly paddedLast = false) {}

  static parse(buf: Uint8Array, length = buf.length): ParseResult<RtcpCompound> {
    const packets: RtcpPacket[] = [];
    let o = 0;
    let paddedLast = false;
    if (length === 0) return fail('truncated');
    while (o < length) {
      const view = buf.subarray(o, length);
      const h = readRtcpHeader(view);
      if (typeof h === 'string') return fail(h);
      const one = view.subarray(0, h.byteLength);
      let parsed: ParseResult<RtcpPacket>;
      switch (h.packetType) {
        case RTCP_SR: parsed = RtcpSenderReport.parse(one); break;
        case RTCP_RR: parsed = RtcpReceiverReport.parse(one); break;
        case RTCP_SDES: parsed = RtcpSourceDescription.parse(one); break;
        case RTCP_BYE: parsed = RtcpGoodbye.parse(one); break;
        default:
          if (h.packetType < 192 || h.packetType > 223) return fail('bad-packet-type');
          parsed = ok(new RtcpUnknown(h.packetType, one));
      }
      if (!parsed.ok) return parsed;
      packets.push(parsed.value);
      o += h.byteLength;
      paddedLast = h.padding;
      if (h.padding && o < length) return fail('bad-padding'); // §6.4.1: only the last packet may be padded
    }
    return ok(new RtcpCompound(packets, paddedLast));
  }

  /** RFC 3550 A.2 validity: first packet SR or RR, an SDES present, padding only on the last (checked at parse). */
  get isStrictlyValid(): boolean {
    const first = this.packets[0];
    if (first === undefined || !(first instanceof RtcpSenderReport || first instanceof RtcpReceiverReport)) return false;
    return this.packets.some((p) => p instanceof RtcpSourceDescription);
  }

  /** Whether the last packet was padded on the wire (padding is not reproduced by `serialize`). */
  get hadPadding(): boolean {
    return this.paddedLast;
  }

  get size(): number {
    let n = 0;
    for (const p of this.packets) n += p.size;
    return n;
  }

  serialize(): Uint8Array {
    const out = new Uint8Array(this.size);
    this.serializeInto(out);
    return out;
  }

  serializeInto(out: Uint8Array, offset = 0): number {
    let o = offset;
    for (const p of this.packets) o += p.serializeInto(out, o);
    return o - offset;
  }
}

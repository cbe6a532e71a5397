/**
 * The common RTCP header, RFC 3550 §6.4.1 (same first word for every packet type):
 *
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |V=2|P|    RC   |      PT       |             length            |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * `length` is the packet length in 32-bit words minus one, including the header and any padding.
 */
import type { ParseFailure } from './parse-result.js';

export const RTCP_SR = 200;
export const RTCP_RR = 201;
export const RTCP_SDES = 202;
export const RTCP_BYE = 203;
export const RTCP_APP = 204;

export interface RtcpHeader {
  padding: boolean;
  /** Report count / source count / subtype: the 5-bit field after P. */
  count: number;
  packetType: number;
  /** Total packet size in bytes, (length + 1) * 4. */
  byteLength: number;
  /** Bytes of content after the 4-byte header, excluding padding. */
  contentEnd: number;
}

/** Read and check the common header of the packet starting at `buf[0]`. */
export function readRtcpHeader(buf: Uint8Array): RtcpHeader | ParseFailure {
  if (buf.length < 4) return 'truncated';
  if (buf[0] >> 6 !== 2) return 'bad-version';
  const byteLength = (((buf[2] << 8) | buf[3]) + 1) * 4;
  if (buf.length < byteLength) return 'truncated';
  const padding = (buf[0] & 0x20) !== 0;
  let contentEnd = byteLength;
  if (padding) {
    const count = buf[byteLength - 1];
    if (count === 0 || count > byteLength - 4) return 'bad-padding';
    contentEnd -= count;
  }
  return { padding, count: buf[0] & 0x1f, packetType: buf[1], byteLength, contentEnd };
}

export function writeRtcpHeader(out: Uint8Array, offset: number, count: number, packetType: number, byteLength: number): void {
  if (byteLength % 4 !== 0) throw new RangeError('RTCP packets are a whole number of 32-bit words');
  if (count > 31) throw new RangeError('RTCP count field holds at most 31');
  const words = byteLength / 4 - 1;
  out[offset] = 0x80 | count;
  out[offset + 1] = packetType;
  out[offset + 2] = (words >> 8) & 0xff;
  out[offset + 3] = words & 0xff;
}

export function checkRoom(out: Uint8Array, offset: number, size: number): void {
  if (out.length - offset < size) throw new RangeError(`RTCP packet needs ${size} bytes, buffer has ${out.length - offset}`);
}

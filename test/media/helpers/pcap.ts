/**
 * A tiny libpcap reader (and writer) for test fixtures: classic pcap files (magic 0xa1b2c3d4 in either byte order, µs or ns),
 * link type Ethernet (1), IPv4, UDP. Returns the UDP payloads with their capture time and addresses.
 */
import { readFileSync, writeFileSync } from 'node:fs';

export interface UdpDatagram {
  timeUs: number;
  srcAddress: string;
  srcPort: number;
  dstAddress: string;
  dstPort: number;
  payload: Uint8Array;
}

export function readPcapUdp(path: string): UdpDatagram[] {
  const buf = readFileSync(path);
  if (buf.length < 24) throw new Error(`${path}: too short for a pcap header`);
  const magic = buf.readUInt32LE(0);
  let le: boolean;
  let nano = false;
  if (magic === 0xa1b2c3d4) le = true;
  else if (magic === 0xd4c3b2a1) le = false;
  else if (magic === 0xa1b23c4d) { le = true; nano = true; }
  else if (magic === 0x4d3cb2a1) { le = false; nano = true; }
  else throw new Error(`${path}: not a pcap file (magic ${magic.toString(16)})`);
  const u32 = (o: number): number => (le ? buf.readUInt32LE(o) : buf.readUInt32BE(o));
  const linkType = u32(20);
  if (linkType !== 1) throw new Error(`${path}: link type ${linkType} is not Ethernet`);
  const out: UdpDatagram[] = [];
  let o = 24;
  while (o + 16 <= buf.length) {
    const sec = u32(o);
    const frac = u32(o + 4);
    const incl = u32(o + 8);
    o += 16;
    if (o + incl > buf.length) throw new Error(`${path}: record runs past the end of the file`);
    const frame = buf.subarray(o, o + incl);
    o += incl;
    let e = 12;
    let etherType = frame.readUInt16BE(e);
    if (etherType === 0x8100) { e += 4; etherType = frame.readUInt16BE(e); } // 802.1Q tag
    if (etherType !== 0x0800) continue;
    const ip = frame.subarray(e + 2);
    if (ip[0] >> 4 !== 4 || ip[9] !== 17) continue;
    const ihl = (ip[0] & 0x0f) * 4;
    const totalLength = ip.readUInt16BE(2);
    const udp = ip.subarray(ihl, totalLength);
    const udpLength = udp.readUInt16BE(4);
    out.push({
      timeUs: sec * 1e6 + (nano ? Math.floor(frac / 1000) : frac),
      srcAddress: `${ip[12]}.${ip[13]}.${ip[14]}.${ip[15]}`,
      dstAddress: `${ip[16]}.${ip[17]}.${ip[18]}.${ip[19]}`,
      srcPort: udp.readUInt16BE(0),
      dstPort: udp.readUInt16BE(2),
      payload: Uint8Array.from(udp.subarray(8, udpLength)),
    });
  }
  return out;
}

export const SIPP_DIR = '/usr/share/sip-tester';
/** The SIPp RFC 2833 captures and the digit each one carries. */
export const SIPP_DTMF_CAPTURES: ReadonlyArray<[string, string]> = [
  ...'0123456789'.split('').map((d): [string, string] => [`dtmf_2833_${d}.pcap`, d]),
  ['dtmf_2833_star.pcap', '*'],
  ['dtmf_2833_pound.pcap', '#'],
];

/**
 * Write UDP datagrams as a classic pcap (µs, link type Ethernet) that `readPcapUdp` and SIPp's `play_pcap_audio`
 * read: Ethernet II, IPv4 without options (header checksum filled in), UDP with checksum 0 ("none", RFC 768).
 */
export function writePcapUdp(path: string, datagrams: readonly UdpDatagram[]): void {
  const header = Buffer.alloc(24);
  header.writeUInt32LE(0xa1b2c3d4, 0);
  header.writeUInt16LE(2, 4);
  header.writeUInt16LE(4, 6);
  header.writeUInt32LE(65535, 16);
  header.writeUInt32LE(1, 20);
  const records = datagrams.map((d) => {
    const frame = Buffer.alloc(14 + 20 + 8 + d.payload.length);
    frame.writeUInt16BE(0x0800, 12);
    const ip = frame.subarray(14, 34);
    ip[0] = 0x45;
    ip.writeUInt16BE(20 + 8 + d.payload.length, 2);
    ip[8] = 64;
    ip[9] = 17;
    d.srcAddress.split('.').forEach((b, i) => (ip[12 + i] = Number(b)));
    d.dstAddress.split('.').forEach((b, i) => (ip[16 + i] = Number(b)));
    let sum = 0;
    for (let i = 0; i < 20; i += 2) sum += ip.readUInt16BE(i);
    while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
    ip.writeUInt16BE(~sum & 0xffff, 10);
    frame.writeUInt16BE(d.srcPort, 34);
    frame.writeUInt16BE(d.dstPort, 36);
    frame.writeUInt16BE(8 + d.payload.length, 38);
    frame.set(d.payload, 42);
    const record = Buffer.alloc(16);
    record.writeUInt32LE(Math.floor(d.timeUs / 1e6), 0);
    record.writeUInt32LE(d.timeUs % 1e6, 4);
    record.writeUInt32LE(frame.length, 8);
    record.writeUInt32LE(frame.length, 12);
    return Buffer.concat([record, frame]);
  });
  writeFileSync(path, Buffer.concat([header, ...records]));
}

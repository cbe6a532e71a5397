/**
 * Real speech for media tests: a clip of SIPp's `g711a.pcap` (A-law, 30 ms packets) written as a new capture that
 * SIPp's `play_pcap_audio` replays, in A-law as captured or in μ-law (each byte mapped through the ITU-T G.711
 * A→μ table, payload type 0). The tests read the RTP payloads back from the written file, so they compare against
 * exactly what went on the wire.
 */
import { join } from 'node:path';
import { ALAW_TO_MULAW, G711Codec, RtpPacket } from '../../../src/media/index.js';
import { SIPP_DIR, readPcapUdp, writePcapUdp } from './pcap.js';

/** Packets 50–89 of g711a.pcap: 1.2 s of continuous speech (the capture starts with 0.6 s of line noise). */
const FIRST_PACKET = 50;
const PACKETS = 40;

/** Write the clip in `codec`'s law to `dir`; returns the file's path. */
export function writeSpeechClip(dir: string, codec: G711Codec): string {
  const packet = new RtpPacket();
  const datagrams = readPcapUdp(join(SIPP_DIR, 'g711a.pcap')).slice(FIRST_PACKET, FIRST_PACKET + PACKETS).map((d) => {
    const failure = packet.decode(d.payload);
    if (failure !== null) throw new Error(`g711a.pcap: ${String(failure)}`);
    if (packet.payloadType !== G711Codec.PCMA.payloadType) throw new Error(`g711a.pcap: payload type ${packet.payloadType}`);
    const rtp = Uint8Array.from(d.payload);
    if (codec === G711Codec.PCMU) {
      rtp[1] = (rtp[1] & 0x80) | G711Codec.PCMU.payloadType;
      for (let i = packet.payloadOffset; i < packet.payloadOffset + packet.payloadLength; i++) rtp[i] = ALAW_TO_MULAW[rtp[i]];
    }
    return { ...d, payload: rtp };
  });
  const path = join(dir, `speech-${codec.name.toLowerCase()}.pcap`);
  writePcapUdp(path, datagrams);
  return path;
}

/** The RTP payload type and concatenated payload bytes of every packet in a capture, in capture order. */
export function rtpPayloadOf(pcapPath: string): { payloadType: number; payload: Uint8Array; packets: number } {
  const packet = new RtpPacket();
  const parts: Uint8Array[] = [];
  let payloadType = -1;
  for (const d of readPcapUdp(pcapPath)) {
    const failure = packet.decode(d.payload);
    if (failure !== null) throw new Error(`${pcapPath}: ${String(failure)}`);
    if (payloadType !== -1 && packet.payloadType !== payloadType) throw new Error(`${pcapPath}: mixed payload types`);
    payloadType = packet.payloadType;
    parts.push(Uint8Array.from(packet.payload));
  }
  return { payloadType, payload: Buffer.concat(parts), packets: parts.length };
}

/** Decode G.711 bytes with the project's codec. */
export function decodeG711(codec: G711Codec, bytes: Uint8Array): Int16Array {
  const out = new Int16Array(bytes.length);
  codec.decode(bytes, out, bytes.length);
  return out;
}

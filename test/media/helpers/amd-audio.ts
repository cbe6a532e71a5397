/**
 * What answers a call, as 8 kHz PCM for answering machine detection tests: espeak-ng speech (a person's "Hello?",
 * a voicemail greeting), silence, steady tones (a voicemail beep, fax CED/CNG), and the same audio as a capture of
 * G.711 RTP packets that SIPp's `play_pcap_audio` sends. Generated at test time, so nothing large is committed.
 */
import { EspeakNgProvider, G711Codec, RtpPacket, decodeToTelephonyPcm } from '../../../src/media/index.js';
import { writePcapUdp } from './pcap.js';

export const HELLO = 'Hello?';
export const GREETING =
  "Hi, you have reached the voicemail of Alex Smith. I can't take your call right now. Please leave your name, " +
  'your number and a short message after the tone, and I will call you back as soon as I can.';

const tts = new EspeakNgProvider();

/** `text` spoken by espeak-ng's default voice, resampled to 8 kHz. */
export async function speak(text: string): Promise<Int16Array> {
  const { audio } = await tts.synthesize({ text });
  return decodeToTelephonyPcm(audio, 'wav');
}

export function silence(ms: number): Int16Array {
  return new Int16Array(ms * 8);
}

/** A sine of `hz` at peak `amplitude` (default about -15 dBFS RMS, a loud but ordinary telephone level). */
export function tone(ms: number, hz: number, amplitude = 5000): Int16Array {
  const out = new Int16Array(ms * 8);
  for (let n = 0; n < out.length; n++) out[n] = Math.round(amplitude * Math.sin((2 * Math.PI * hz * n) / 8000));
  return out;
}

export function concat(...parts: Int16Array[]): Int16Array {
  const out = new Int16Array(parts.reduce((sum, p) => sum + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Through G.711 and back, as the detector hears a call. */
export function throughG711(pcm: Int16Array, codec: G711Codec = G711Codec.PCMU): Int16Array {
  const bytes = new Uint8Array(pcm.length);
  codec.encode(pcm, bytes, pcm.length);
  const out = new Int16Array(pcm.length);
  codec.decode(bytes, out, pcm.length);
  return out;
}

/**
 * `pcm` as a capture of 20 ms PCMU RTP packets (payload type 0) for SIPp's `play_pcap_audio`, which replays them
 * at their capture times to the negotiated media address (the addresses in the capture are placeholders).
 */
export function writeRtpCapture(path: string, pcm: Int16Array): void {
  const packet = new RtpPacket();
  packet.payloadType = G711Codec.PCMU.payloadType;
  packet.ssrc = 0x5eed_a4d0;
  const datagrams = [];
  for (let at = 0, i = 0; at < pcm.length; at += 160, i++) {
    const payload = new Uint8Array(160);
    const n = Math.min(160, pcm.length - at);
    G711Codec.PCMU.encode(pcm, payload, n, at, 0);
    payload.fill(0xff, n); // μ-law silence pads the last packet
    packet.sequenceNumber = i & 0xffff;
    packet.timestamp = at;
    packet.marker = i === 0;
    packet.setPayload(payload);
    datagrams.push({ timeUs: i * 20_000, srcAddress: '127.0.0.1', srcPort: 4000, dstAddress: '127.0.0.1', dstPort: 4002, payload: packet.serialize() });
  }
  writePcapUdp(path, datagrams);
}

import { alawEncode, mulawEncode } from '../codec/index.js';
import { wavHeader } from '../recorder/index.js';
import { PcmSource } from '../source/index.js';

/** Samples per 20 ms frame at 8 kHz; one G.711 byte per sample. */
const FRAME = 160;

export type PayloadLaw = 'PCMU' | 'PCMA';

/**
 * Media decoded and transcoded once, ready for any number of calls: 8 kHz PCM (for mixing, recording, streams) and
 * the G.711 μ-law and A-law encodings, padded to whole 20 ms frames so frame `i` of either law is the 160 bytes at
 * `i · 160` — an RTP payload as is (RFC 3551 §4.5.14). Immutable and shared; never copied per call.
 */
export class ProcessedMedia {
  /** Stable id: the hex SHA-256 of the source key. */
  readonly id: string;
  /** Patchbay address of the resource, e.g. `/media/<id>`. */
  readonly address: string;
  /** PCM, padded with silence to whole frames. */
  readonly pcm: Int16Array;
  readonly ulaw: Uint8Array;
  readonly alaw: Uint8Array;
  /** Length of the audio before frame padding, in samples. */
  readonly sampleCount: number;

  constructor(id: string, address: string, pcm: Int16Array, sampleCount: number, ulaw: Uint8Array, alaw: Uint8Array) {
    if (pcm.length % FRAME !== 0 || ulaw.length !== pcm.length || alaw.length !== pcm.length) {
      throw new RangeError('processed media must hold whole frames in every encoding');
    }
    this.id = id;
    this.address = address;
    this.pcm = pcm;
    this.sampleCount = sampleCount;
    this.ulaw = ulaw;
    this.alaw = alaw;
  }

  /** Transcode 8 kHz PCM: pad to whole frames, encode both G.711 laws (table driven, one pass each). */
  static fromPcm(id: string, address: string, pcm: Int16Array): ProcessedMedia {
    const frames = Math.ceil(pcm.length / FRAME);
    const padded = new Int16Array(frames * FRAME);
    padded.set(pcm);
    const ulaw = new Uint8Array(padded.length);
    const alaw = new Uint8Array(padded.length);
    mulawEncode(padded, ulaw);
    alawEncode(padded, alaw);
    return new ProcessedMedia(id, address, padded, pcm.length, ulaw, alaw);
  }

  get frameCount(): number {
    return this.pcm.length / FRAME;
  }

  get durationMs(): number {
    return (this.sampleCount * 1000) / 8000;
  }

  /** Memory held: PCM (2 bytes/sample) plus both laws (1 byte/sample each). */
  get byteSize(): number {
    return this.pcm.length * 4;
  }

  /** Encoded bytes of one law; frame `i` is `[i * 160, i * 160 + 160)`. */
  payloads(law: PayloadLaw): Uint8Array {
    return law === 'PCMU' ? this.ulaw : this.alaw;
  }

  /** The audio as an 8 kHz 16-bit mono WAV file (for serving the resource at its address). */
  toWav(): Buffer {
    const data = Buffer.from(this.pcm.buffer, this.pcm.byteOffset, this.sampleCount * 2);
    return Buffer.concat([wavHeader(1, 8000, data.length), data]);
  }

  /** A fresh frame reader over the shared PCM (for `<Play>` through the mixer or a recorder). */
  source(): PcmSource {
    return new PcmSource(this.pcm);
  }
}

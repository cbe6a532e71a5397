/**
 * WAV (RIFF WAVE) decoding to mono float samples.
 *
 * Layout (Microsoft/IBM "Multimedia Programming Interface and Data Specifications 1.0", 1991):
 *
 *   "RIFF" <u32 size> "WAVE" { <4-char id> <u32 size> <data, padded to an even length> }*
 *
 * `fmt ` carries wFormatTag (1 = PCM, 3 = IEEE float, 6 = A-law, 7 = μ-law, 0xFFFE = WAVE_FORMAT_EXTENSIBLE whose
 * sub-format GUID begins with the real tag), channels, sample rate and bits per sample. Other chunks (LIST, fact,
 * cue, bext, ...) are skipped. A `data` size larger than the file, as left by streaming writers, is clamped.
 */
import { ALAW_DECODE_TABLE, MULAW_DECODE_TABLE } from '../codec/index.js';
import { AudioDecodeError } from './audio-decode-error.js';

export interface DecodedAudio {
  sampleRate: number;
  /** Mono samples in [-1, 1). */
  samples: Float32Array;
}

/** Rates we accept; all reduce to a small polyphase ratio against 8 kHz. */
export const SUPPORTED_SAMPLE_RATES: readonly number[] = [8000, 11025, 12000, 16000, 22050, 24000, 32000, 44100, 48000];

const FORMAT_PCM = 1;
const FORMAT_FLOAT = 3;
const FORMAT_ALAW = 6;
const FORMAT_MULAW = 7;
const FORMAT_EXTENSIBLE = 0xfffe;

const id = (b: Buffer, at: number) => b.toString('latin1', at, at + 4);

export function decodeWav(buf: Buffer): DecodedAudio {
  if (buf.length < 12 || id(buf, 0) !== 'RIFF') throw new AudioDecodeError('not-riff', 'not a RIFF file');
  if (id(buf, 8) !== 'WAVE') throw new AudioDecodeError('not-wave', 'RIFF file is not of form WAVE');

  let fmt: { tag: number; channels: number; rate: number; bits: number; blockAlign: number } | null = null;
  let data: Buffer | null = null;
  let at = 12;
  while (at + 8 <= buf.length) {
    const chunkId = id(buf, at);
    const size = buf.readUInt32LE(at + 4);
    const body = at + 8;
    if (chunkId === 'fmt ') {
      if (size < 16 || body + 16 > buf.length) throw new AudioDecodeError('truncated', 'fmt chunk too short');
      let tag = buf.readUInt16LE(body);
      if (tag === FORMAT_EXTENSIBLE) {
        // WAVEFORMATEXTENSIBLE: cbSize(2) validBits(2) channelMask(4) then the sub-format GUID at offset 24.
        if (size < 40 || body + 26 > buf.length) throw new AudioDecodeError('truncated', 'extensible fmt chunk too short');
        tag = buf.readUInt16LE(body + 24);
      }
      fmt = {
        tag,
        channels: buf.readUInt16LE(body + 2),
        rate: buf.readUInt32LE(body + 4),
        blockAlign: buf.readUInt16LE(body + 12),
        bits: buf.readUInt16LE(body + 14),
      };
    } else if (chunkId === 'data') {
      data = buf.subarray(body, Math.min(buf.length, body + size));
      if (fmt !== null) break; // nothing after data matters once we have both
    }
    // Chunks are word aligned: an odd size is followed by a pad byte.
    at = body + size + (size & 1);
  }
  if (fmt === null) throw new AudioDecodeError('missing-fmt', 'no fmt chunk');
  if (data === null) throw new AudioDecodeError('missing-data', 'no data chunk');
  if (fmt.channels < 1 || fmt.channels > 2) {
    throw new AudioDecodeError('unsupported-channels', `${fmt.channels} channels; mono or stereo expected`);
  }
  if (!SUPPORTED_SAMPLE_RATES.includes(fmt.rate)) {
    throw new AudioDecodeError('unsupported-sample-rate', `sample rate ${fmt.rate} Hz is not supported`);
  }
  const read = sampleReader(fmt.tag, fmt.bits);
  const bytesPerSample = fmt.bits / 8;
  const frameBytes = bytesPerSample * fmt.channels;
  if (fmt.blockAlign !== frameBytes) {
    throw new AudioDecodeError('unsupported-encoding', `block align ${fmt.blockAlign} does not match ${fmt.channels}×${fmt.bits} bits`);
  }
  const frames = Math.floor(data.length / frameBytes);
  if (frames === 0) throw new AudioDecodeError('empty', 'data chunk holds no samples');
  const samples = new Float32Array(frames);
  for (let f = 0, off = 0; f < frames; f++, off += frameBytes) {
    // Stereo → mono by averaging, which keeps the level of a centred source and cannot clip.
    samples[f] = fmt.channels === 1 ? read(data, off) : (read(data, off) + read(data, off + bytesPerSample)) / 2;
  }
  return { sampleRate: fmt.rate, samples };
}

type SampleReader = (b: Buffer, at: number) => number;

function sampleReader(tag: number, bits: number): SampleReader {
  if (tag === FORMAT_PCM && bits === 16) return (b, at) => b.readInt16LE(at) / 32768;
  if (tag === FORMAT_PCM && bits === 8) return (b, at) => (b[at] - 128) / 128; // 8-bit PCM is unsigned
  if (tag === FORMAT_PCM && bits === 24) return (b, at) => b.readIntLE(at, 3) / 8388608;
  if (tag === FORMAT_PCM && bits === 32) return (b, at) => b.readInt32LE(at) / 2147483648;
  if (tag === FORMAT_FLOAT && bits === 32) return (b, at) => Math.max(-1, Math.min(1, b.readFloatLE(at)));
  if (tag === FORMAT_MULAW && bits === 8) return (b, at) => MULAW_DECODE_TABLE[b[at]] / 32768;
  if (tag === FORMAT_ALAW && bits === 8) return (b, at) => ALAW_DECODE_TABLE[b[at]] / 32768;
  throw new AudioDecodeError('unsupported-encoding', `WAV format tag ${tag} with ${bits} bits per sample is not supported`);
}

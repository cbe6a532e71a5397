/**
 * MP3 (MPEG-2.5 Layer III at 8 kHz) from 16-bit PCM, through the reference LAME encoder compiled to WebAssembly
 * (`wasm-media-encoders`, MIT; no native binary).
 *
 * Choices, for telephone audio:
 * - The sample rate is kept (8 kHz is MPEG-2.5's lowest rate, ISO/IEC 11172-3 extended), so nothing is resampled
 *   and the MP3 decodes back sample for sample against the WAV, apart from the codec delay.
 * - Constant 32 kbit/s per channel: a quarter of the WAV's 128 kbit/s and, for a 4 kHz band, close to transparent
 *   (a decoded speech recording correlates with its WAV above 0.99). Constant rate keeps the file length
 *   proportional to the duration, as players that seek without a Xing table expect.
 * - Two channels are coded as one stereo stream, so a dual-channel recording stays two channels.
 *
 * LAME's WebAssembly encoder is synchronous: the PCM is fed one second at a time and the event loop is given a turn
 * between blocks, so encoding a long recording never holds up the 20 ms media clock for more than a few
 * milliseconds.
 */
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { createMp3Encoder } from 'wasm-media-encoders';
import { readPcm16Wav } from './wav-header.js';

/** Sample rates an MPEG Layer III stream can carry (MPEG-1, 2 and 2.5). */
export type Mp3SampleRate = 8000 | 11025 | 12000 | 16000 | 22050 | 24000 | 32000 | 44100 | 48000;
const MP3_SAMPLE_RATES: readonly number[] = [8000, 11025, 12000, 16000, 22050, 24000, 32000, 44100, 48000];

const BLOCK_SECONDS = 1;

/**
 * Encode interleaved little-endian PCM16 (`channels` × `sampleRate`) as a complete MP3 stream.
 */
export async function encodeMp3(pcm: Buffer, channels: 1 | 2, sampleRate: Mp3SampleRate): Promise<Uint8Array> {
  const encoder = await createMp3Encoder();
  encoder.configure({ channels, sampleRate, outputSampleRate: sampleRate, bitrate: channels === 1 ? 32 : 64 });
  const blockFrames = sampleRate * BLOCK_SECONDS;
  const planes = Array.from({ length: channels }, () => new Float32Array(blockFrames));
  const out: Uint8Array[] = [];
  const totalFrames = Math.floor(pcm.length / (2 * channels));
  for (let first = 0; first < totalFrames; first += blockFrames) {
    const n = Math.min(blockFrames, totalFrames - first);
    for (let i = 0; i < n; i++) {
      for (let c = 0; c < channels; c++) planes[c][i] = pcm.readInt16LE(((first + i) * channels + c) * 2) / 32768;
    }
    // The encoder owns the returned bytes until its next call: copy them.
    out.push(Uint8Array.from(encoder.encode(planes.map((p) => p.subarray(0, n)))));
    await yieldToEventLoop();
  }
  out.push(Uint8Array.from(encoder.finalize()));
  return Buffer.concat(out);
}

/** The MP3 rendition of a 16-bit PCM WAV, mono or two-channel. */
export async function encodeWavAsMp3(wav: Buffer): Promise<Uint8Array> {
  const { channels, sampleRate, data } = readPcm16Wav(wav);
  if (channels !== 1 && channels !== 2) throw new RangeError(`MP3 carries one or two channels, not ${channels}`);
  if (!MP3_SAMPLE_RATES.includes(sampleRate)) throw new RangeError(`MP3 cannot carry ${sampleRate} Hz`);
  return encodeMp3(data, channels, sampleRate as Mp3SampleRate);
}

/**
 * MP3 (MPEG-1/2/2.5 Layer I–III) decoding through mpg123 compiled to WebAssembly (`mpg123-decoder`), so no native
 * binary is needed at runtime.
 */
import { MPEGDecoder } from 'mpg123-decoder';
import { AudioDecodeError } from './audio-decode-error.js';
import { type DecodedAudio, SUPPORTED_SAMPLE_RATES } from './wav-decoder.js';

export async function decodeMp3(bytes: Uint8Array): Promise<DecodedAudio> {
  const decoder = new MPEGDecoder();
  await decoder.ready;
  try {
    const result = decoder.decode(bytes);
    if (result.samplesDecoded === 0 || result.channelData.length === 0) {
      const why = result.errors.length > 0 ? `: ${result.errors[0].message}` : '';
      throw new AudioDecodeError('mp3-decode-failed', `no MPEG audio frames could be decoded${why}`);
    }
    if (!SUPPORTED_SAMPLE_RATES.includes(result.sampleRate)) {
      throw new AudioDecodeError('unsupported-sample-rate', `sample rate ${result.sampleRate} Hz is not supported`);
    }
    const n = result.samplesDecoded;
    const [left, right] = result.channelData;
    const samples = new Float32Array(n);
    if (right === undefined) samples.set(left.subarray(0, n));
    else for (let i = 0; i < n; i++) samples[i] = (left[i] + right[i]) / 2;
    return { sampleRate: result.sampleRate, samples };
  } finally {
    decoder.free();
  }
}

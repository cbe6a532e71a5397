import { mulawDecode } from '../codec/index.js';
import { SAMPLE_RATE } from './audio-source.js';
import { AudioDecodeError } from './audio-decode-error.js';
import { decodeMp3 } from './mp3-decoder.js';
import { PolyphaseResampler, floatToPcm16 } from './polyphase-resampler.js';
import { type DecodedAudio, decodeWav } from './wav-decoder.js';

/** Containers we decode. `ulaw` is headerless G.711 μ-law at 8 kHz (Twilio's `audio/ulaw`). */
export type AudioContainer = 'wav' | 'mp3' | 'ulaw';

/** Resample decoded audio to 8 kHz 16-bit PCM through the anti-aliasing resampler. */
export function toTelephonyPcm(audio: DecodedAudio): Int16Array {
  if (audio.sampleRate === SAMPLE_RATE) return floatToPcm16(audio.samples);
  return floatToPcm16(new PolyphaseResampler(audio.sampleRate, SAMPLE_RATE).process(audio.samples));
}

/** Decode a whole file into 8 kHz mono PCM. Throws `AudioDecodeError` for anything it cannot use. */
export async function decodeToTelephonyPcm(bytes: Buffer, container: AudioContainer): Promise<Int16Array> {
  switch (container) {
    case 'wav':
      return toTelephonyPcm(decodeWav(bytes));
    case 'mp3':
      return toTelephonyPcm(await decodeMp3(bytes));
    case 'ulaw': {
      if (bytes.length === 0) throw new AudioDecodeError('empty', 'empty μ-law stream');
      const out = new Int16Array(bytes.length);
      mulawDecode(bytes, out);
      return out;
    }
    default: {
      const never: never = container;
      throw new AudioDecodeError('unsupported-encoding', `unknown container ${String(never)}`);
    }
  }
}

/** Guess the container from the first bytes (RIFF/WAVE, ID3 tag or MPEG frame sync), or null. */
export function sniffContainer(bytes: Uint8Array): 'wav' | 'mp3' | null {
  if (bytes.length >= 12 && Buffer.from(bytes.subarray(0, 4)).toString('latin1') === 'RIFF' &&
      Buffer.from(bytes.subarray(8, 12)).toString('latin1') === 'WAVE') return 'wav';
  if (bytes.length >= 3 && bytes[0] === 0x49 && bytes[1] === 0x44 && bytes[2] === 0x33) return 'mp3'; // "ID3"
  // MPEG audio frame header: 11 sync bits set (ISO/IEC 11172-3 §2.4.2.3), layer bits not 00.
  if (bytes.length >= 2 && bytes[0] === 0xff && (bytes[1] & 0xe0) === 0xe0 && (bytes[1] & 0x06) !== 0) return 'mp3';
  return null;
}

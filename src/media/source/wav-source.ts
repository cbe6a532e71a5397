import { PcmSource } from './pcm-source.js';
import { toTelephonyPcm } from './telephony-pcm.js';
import { decodeWav } from './wav-decoder.js';

/** A WAV file (PCM 8/16/24/32-bit, float, μ-law, A-law; 8–48 kHz; mono or stereo) as 8 kHz frames. */
export class WavSource extends PcmSource {
  /** Decode and resample once; throws `AudioDecodeError` on malformed or unsupported files. */
  static fromBuffer(bytes: Buffer): WavSource {
    return new WavSource(toTelephonyPcm(decodeWav(bytes)));
  }
}

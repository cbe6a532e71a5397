import { decodeMp3 } from './mp3-decoder.js';
import { PcmSource } from './pcm-source.js';
import { toTelephonyPcm } from './telephony-pcm.js';

/** An MP3 file as 8 kHz frames: decoded with mpg123 (WASM), then resampled. */
export class Mp3Source extends PcmSource {
  /** Throws `AudioDecodeError` when nothing decodes. */
  static async fromBuffer(bytes: Uint8Array): Promise<Mp3Source> {
    return new Mp3Source(toTelephonyPcm(await decodeMp3(bytes)));
  }
}

/**
 * The canonical 44-byte header of a PCM WAV file: RIFF/WAVE with a 16-byte `fmt ` chunk (wFormatTag 1) followed by
 * the `data` chunk header (Microsoft "Multimedia Programming Interface and Data Specifications 1.0", 1991).
 */
export const WAV_HEADER_BYTES = 44;

export function wavHeader(channels: number, sampleRate: number, dataBytes: number): Buffer {
  const h = Buffer.alloc(WAV_HEADER_BYTES);
  const blockAlign = channels * 2;
  h.write('RIFF', 0, 'latin1');
  h.writeUInt32LE(36 + dataBytes, 4);
  h.write('WAVE', 8, 'latin1');
  h.write('fmt ', 12, 'latin1');
  h.writeUInt32LE(16, 16);
  h.writeUInt16LE(1, 20); // PCM
  h.writeUInt16LE(channels, 22);
  h.writeUInt32LE(sampleRate, 24);
  h.writeUInt32LE(sampleRate * blockAlign, 28);
  h.writeUInt16LE(blockAlign, 32);
  h.writeUInt16LE(16, 34);
  h.write('data', 36, 'latin1');
  h.writeUInt32LE(dataBytes, 40);
  return h;
}

export interface Pcm16Wav {
  channels: number;
  sampleRate: number;
  /** The `data` chunk: little-endian 16-bit samples, channels interleaved. */
  data: Buffer;
}

/**
 * Find the format and the samples of a 16-bit PCM WAV (our recordings; chunks other than `fmt ` and `data` are
 * skipped, as the specification asks of readers). Anything else throws: a recording that is not what we wrote is
 * not silently converted.
 */
export function readPcm16Wav(wav: Buffer): Pcm16Wav {
  if (wav.length < 12 || wav.toString('latin1', 0, 4) !== 'RIFF' || wav.toString('latin1', 8, 12) !== 'WAVE') {
    throw new RangeError('not a RIFF WAVE file');
  }
  let format: { channels: number; sampleRate: number } | null = null;
  let at = 12;
  while (at + 8 <= wav.length) {
    const id = wav.toString('latin1', at, at + 4);
    const size = wav.readUInt32LE(at + 4);
    const body = wav.subarray(at + 8, Math.min(wav.length, at + 8 + size));
    if (id === 'fmt ') {
      if (body.length < 16 || body.readUInt16LE(0) !== 1 || body.readUInt16LE(14) !== 16) {
        throw new RangeError('WAV is not 16-bit PCM');
      }
      format = { channels: body.readUInt16LE(2), sampleRate: body.readUInt32LE(4) };
    } else if (id === 'data') {
      if (format === null) throw new RangeError('WAV data chunk before its fmt chunk');
      const frameBytes = 2 * format.channels;
      return { ...format, data: body.subarray(0, body.length - (body.length % frameBytes)) };
    }
    at += 8 + size + (size % 2);
  }
  throw new RangeError('WAV without a data chunk');
}

/**
 * MP3 renditions of WAV recordings, made when first asked for. Twilio keeps every recording as WAV and serves it as
 * MP3 when `.mp3` is appended to the media URL; most recordings are never fetched as MP3, so encoding each at the
 * end of every call would cost CPU on the media path for nothing. Instead the first request encodes the WAV and
 * stores the MP3 beside it, durably (a recording file must survive a crash once served), and later requests read
 * that file.
 *
 * Requests that arrive while the encode runs share it (one encode per file in this process). Across cluster nodes
 * sharing a file system two encodes may race; each writes a temporary file and renames it, so readers always see
 * one whole, identical file.
 */
import { readFile, rm, stat } from 'node:fs/promises';
import { writeFileDurably } from './durable-file.js';
import { encodeWavAsMp3 } from './mp3-encoder.js';

/** `…/RE….wav` → `…/RE….mp3` (any other name gets `.mp3` appended). */
export function mp3PathFor(wavPath: string): string {
  return /\.wav$/i.test(wavPath) ? `${wavPath.slice(0, -4)}.mp3` : `${wavPath}.mp3`;
}

export class Mp3Renditions {
  /** Encodes in flight, by MP3 path. */
  private readonly pending = new Map<string, Promise<string>>();
  private readonly encode: (wav: Buffer) => Promise<Uint8Array>;

  /** `encode` is replaceable so tests can count and slow down encodes. */
  constructor(options: { encode?: (wav: Buffer) => Promise<Uint8Array> } = {}) {
    this.encode = options.encode ?? encodeWavAsMp3;
  }

  /** The path of `wavPath`'s MP3 rendition, encoded first if it does not exist yet. */
  ensure(wavPath: string): Promise<string> {
    const mp3Path = mp3PathFor(wavPath);
    const inFlight = this.pending.get(mp3Path);
    if (inFlight) return inFlight;
    // Registered before the first await, so a request arriving while we look at the disk joins this one.
    const made = this.make(wavPath, mp3Path).finally(() => this.pending.delete(mp3Path));
    this.pending.set(mp3Path, made);
    return made;
  }

  /**
   * Delete `wavPath`'s rendition, after an encode in flight has finished (else it would rename its file into place
   * after the delete). The WAV itself is the caller's.
   */
  async remove(wavPath: string): Promise<void> {
    const mp3Path = mp3PathFor(wavPath);
    await this.pending.get(mp3Path)?.catch(() => undefined);
    await rm(mp3Path, { force: true });
  }

  private async make(wavPath: string, mp3Path: string): Promise<string> {
    if (await stat(mp3Path).then(() => true, () => false)) return mp3Path;
    const mp3 = await this.encode(await readFile(wavPath));
    await writeFileDurably(mp3Path, mp3);
    return mp3Path;
  }
}

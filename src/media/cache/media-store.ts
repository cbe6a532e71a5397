/**
 * The on-disk half of the media cache: one file per processed media plus an index, under a data directory.
 *
 * Media file layout (little-endian):
 *
 *   0   "PBMC"            magic
 *   4   u32 version (1)
 *   8   u32 sampleCount   audio length before frame padding
 *   12  u32 paddedLength  samples after padding to whole 20 ms frames
 *   16  i16[paddedLength] PCM · u8[paddedLength] μ-law · u8[paddedLength] A-law
 *
 * Files and the index are written to a temporary name and renamed into place, so a crash leaves either the old or
 * the new version, never a torn one; a file that fails its length check on load is treated as absent.
 */
import { mkdir, open, readFile, readdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { ProcessedMedia } from './processed-media.js';

const MAGIC = 'PBMC';
const VERSION = 1;
const HEADER = 16;
const INDEX_FILE = 'index.json';

/** What the cache remembers about one entry across restarts. */
export interface StoredEntry {
  id: string;
  /** The source key the id was derived from (URL or TTS key). */
  key: string;
  kind: 'url' | 'tts';
  etag: string | null;
  lastModified: string | null;
  contentType: string | null;
  /** Epoch ms, or null for never stale (TTS renders are deterministic). */
  freshUntil: number | null;
  revalidateAlways: boolean;
  bytes: number;
}

export interface StoredIndex {
  version: 1;
  /** Least recently used first. */
  entries: StoredEntry[];
}

export class MediaStore {
  /** Per-id chain of file operations, so a removal queued by an eviction cannot delete a later rewrite. */
  private readonly ops = new Map<string, Promise<unknown>>();

  constructor(readonly dir: string) {}

  private serialize<T>(id: string, op: () => Promise<T>): Promise<T> {
    const prev = this.ops.get(id) ?? Promise.resolve();
    const next = prev.then(op, op);
    const settled = next.catch(() => undefined);
    this.ops.set(id, settled);
    void settled.then(() => {
      if (this.ops.get(id) === settled) this.ops.delete(id);
    });
    return next;
  }

  async init(): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    // Temporary files left by a crash mid-write are garbage.
    for (const name of await readdir(this.dir)) if (name.endsWith('.tmp')) await rm(join(this.dir, name), { force: true });
  }

  private file(id: string): string {
    return join(this.dir, `${id}.pbm`);
  }

  write(media: ProcessedMedia): Promise<void> {
    return this.serialize(media.id, () => this.writeNow(media));
  }

  read(id: string, address: string): Promise<ProcessedMedia | null> {
    return this.serialize(id, () => this.readNow(id, address));
  }

  remove(id: string): Promise<void> {
    return this.serialize(id, () => rm(this.file(id), { force: true }));
  }

  private async writeNow(media: ProcessedMedia): Promise<void> {
    const n = media.pcm.length;
    const header = Buffer.alloc(HEADER);
    header.write(MAGIC, 0, 'latin1');
    header.writeUInt32LE(VERSION, 4);
    header.writeUInt32LE(media.sampleCount, 8);
    header.writeUInt32LE(n, 12);
    // Typed arrays use the host byte order; Node's supported platforms are all little-endian.
    const pcm = Buffer.from(media.pcm.buffer, media.pcm.byteOffset, n * 2);
    await this.atomicWrite(this.file(media.id), [header, pcm, media.ulaw, media.alaw]);
  }

  private async readNow(id: string, address: string): Promise<ProcessedMedia | null> {
    let buf: Buffer;
    try {
      buf = await readFile(this.file(id));
    } catch {
      return null;
    }
    if (buf.length < HEADER || buf.toString('latin1', 0, 4) !== MAGIC || buf.readUInt32LE(4) !== VERSION) return null;
    const sampleCount = buf.readUInt32LE(8);
    const n = buf.readUInt32LE(12);
    if (buf.length !== HEADER + n * 4 || sampleCount > n) return null;
    const pcm = new Int16Array(n);
    Buffer.from(pcm.buffer).set(buf.subarray(HEADER, HEADER + n * 2));
    const ulaw = new Uint8Array(buf.subarray(HEADER + n * 2, HEADER + n * 3));
    const alaw = new Uint8Array(buf.subarray(HEADER + n * 3, HEADER + n * 4));
    try {
      return new ProcessedMedia(id, address, pcm, sampleCount, ulaw, alaw);
    } catch {
      return null;
    }
  }

  async readIndex(): Promise<StoredIndex | null> {
    try {
      const parsed: unknown = JSON.parse(await readFile(join(this.dir, INDEX_FILE), 'utf8'));
      if (typeof parsed !== 'object' || parsed === null) return null;
      const idx = parsed as { version?: unknown; entries?: unknown };
      if (idx.version !== 1 || !Array.isArray(idx.entries)) return null;
      return { version: 1, entries: idx.entries.filter(isStoredEntry) };
    } catch {
      return null;
    }
  }

  async writeIndex(index: StoredIndex): Promise<void> {
    await this.atomicWrite(join(this.dir, INDEX_FILE), [Buffer.from(JSON.stringify(index))]);
  }

  private async atomicWrite(path: string, parts: Uint8Array[]): Promise<void> {
    const temp = `${path}.${randomBytes(4).toString('hex')}.tmp`;
    const fh = await open(temp, 'w');
    try {
      for (const p of parts) await fh.write(p);
    } finally {
      await fh.close();
    }
    await rename(temp, path);
  }
}

function isStoredEntry(x: unknown): x is StoredEntry {
  if (typeof x !== 'object' || x === null) return false;
  const e = x as Record<string, unknown>;
  return (
    typeof e.id === 'string' && /^[0-9a-f]{64}$/.test(e.id) && typeof e.key === 'string' &&
    (e.kind === 'url' || e.kind === 'tts') && typeof e.bytes === 'number' &&
    (e.freshUntil === null || typeof e.freshUntil === 'number') && typeof e.revalidateAlways === 'boolean' &&
    (e.etag === null || typeof e.etag === 'string') && (e.lastModified === null || typeof e.lastModified === 'string') &&
    (e.contentType === null || typeof e.contentType === 'string')
  );
}

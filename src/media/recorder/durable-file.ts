/**
 * Durable file writes for recordings. A recording is billed and listed, so what we write for it must survive a
 * crash once we report it (DESIGN.md): data goes to a temporary file in the target directory, is fsync'ed, renamed
 * into place (atomic within a file system, POSIX rename(2): readers see the old state or the whole new file), and
 * the directory is fsync'ed so the new name itself is durable.
 */
import { randomBytes } from 'node:crypto';
import { open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/** A fresh temporary path beside `path` (same directory, so the final rename stays within one file system). */
export function temporaryPathFor(path: string): string {
  return join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
}

/** Write `data` to `path` durably and atomically; on failure nothing is left behind. */
export async function writeFileDurably(path: string, data: Uint8Array): Promise<void> {
  const tempPath = temporaryPathFor(path);
  const fh = await open(tempPath, 'wx', 0o640);
  try {
    await fh.writeFile(data);
    await fh.sync();
    await fh.close();
    await rename(tempPath, path);
  } catch (err) {
    await fh.close().catch(() => undefined);
    await rm(tempPath, { force: true });
    throw err;
  }
  await syncDirectory(dirname(path));
}

/** fsync a directory so a rename into it is durable (POSIX: the entry lives in the directory's data). */
export async function syncDirectory(dir: string): Promise<void> {
  const d = await open(dir, 'r');
  try {
    await d.sync();
  } finally {
    await d.close();
  }
}

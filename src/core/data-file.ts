import { randomBytes } from 'node:crypto';
import { linkSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/**
 * The text of `<dataDir>/<name>`, created with `initial()` on first use (mode 0600). The first text is written to a
 * temporary file and hard-linked into place, which fails if the file exists: processes starting together all end up
 * reading the same complete text, never a half-written one or two different ones.
 */
export function readOrCreateDataFile(dataDir: string, name: string, initial: () => string): string {
  const file = path.join(dataDir, name);
  const read = (): string | undefined => {
    try {
      return readFileSync(file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
  };
  const existing = read();
  if (existing !== undefined) return existing;
  mkdirSync(dataDir, { recursive: true });
  const temp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`;
  writeFileSync(temp, initial(), { flag: 'wx', mode: 0o600 });
  try {
    linkSync(temp, file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  } finally {
    rmSync(temp, { force: true });
  }
  const created = read();
  if (created === undefined) throw new Error(`could not create ${file}`);
  return created;
}

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

/** The repository root (this file is test/media/helpers/testdata.ts). */
export const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
/** The shared test data next to the repository: `../shared/testdata`. */
export const sharedTestdata = join(repoRoot, '..', 'shared', 'testdata');

/** Read a file of 16-bit little-endian words as an Int16Array (copying so alignment is guaranteed). */
export function readInt16LE(path: string): Int16Array {
  const bytes = readFileSync(path);
  const out = new Int16Array(bytes.length >> 1);
  for (let i = 0; i < out.length; i++) out[i] = bytes.readInt16LE(i * 2);
  return out;
}

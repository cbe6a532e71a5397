import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export interface Figure {
  value: number;
  unit: string;
  target: number | null;
  better: 'higher' | 'lower';
  reference: number | null;
}

/** Writes bench/results/<name>.json in the shape every Patchbay benchmark shares. */
export function writeResults(name: string, figures: Record<string, Figure>): string {
  const dir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), 'results');
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${name}.json`);
  const machine = `${os.cpus()[0]?.model ?? 'unknown cpu'} · ${os.cpus().length} cores · ${Math.round(os.totalmem() / 2 ** 30)} GiB · node ${process.version}`;
  writeFileSync(file, JSON.stringify({ date: new Date().toISOString(), machine, figures }, null, 2) + '\n');
  return file;
}

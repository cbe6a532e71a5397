/** The real `patchbay` CLI as a child process, for tests of what a user sees. */
import { spawn, spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bin/patchbay.mjs');

export function run(args: string[], env: Record<string, string> = {}) {
  return spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: { ...process.env, ...env }, timeout: 30_000 });
}

/** Starts the real CLI, waits for its summary, and returns what it printed plus a way to stop it with SIGTERM. */
export async function start(env: Record<string, string>): Promise<{ summary: string; stop: () => Promise<{ code: number | null; output: string }> }> {
  const child = spawn(process.execPath, [BIN, 'start', '--http-port', '0', '--sip-port', '0', '--host', '127.0.0.1'], {
    env: { ...process.env, PATCHBAY_LOG_LEVEL: 'warn', ...env },
  });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((resolve) =>
    child.on('exit', (code, signal) => {
      // Say so when a signal ended it (code null), so that a failure tells a crash from a hang or an error.
      if (signal) output += `\n[ended by ${signal}]\n`;
      resolve(code);
    }),
  );
  const deadline = Date.now() + 30_000;
  while (!output.includes('Stop with Ctrl+C')) {
    if (Date.now() > deadline || child.exitCode !== null) throw new Error(`server did not start:\n${output}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    summary: output,
    async stop() {
      child.kill('SIGTERM');
      return { code: await exited, output };
    },
  };
}

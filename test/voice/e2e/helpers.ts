/**
 * Helpers of the end-to-end voice tests: SIPp as the caller with a scenario from ./fixtures (placeholders filled in),
 * a tiny media server for `<Play>` WAVs, and WAV inspection for recordings.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { wavHeader } from '../../../src/media/index.js';
import { POSTGRES_ADMIN_URL, postgresAvailable } from '../../helpers/databases.js';
import { redisSkipReason } from '../../helpers/redis.js';
import { SIPP, type SippResult, runSipp } from '../../sip/ua/sipp.js';

export { SIPP };
export const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url));
export const SIPP_PCAPS = '/usr/share/sip-tester';

/** Why the cluster tests (SIPp, PostgreSQL and Redis) cannot run here, or false; in CI the servers must be there. */
export async function clusterSkipReason(): Promise<string | false> {
  if (!existsSync(SIPP)) return 'SIPp not installed';
  if (!(await postgresAvailable())) {
    if (process.env.CI) throw new Error(`PostgreSQL is not reachable at ${POSTGRES_ADMIN_URL}; CI requires it`);
    return 'PostgreSQL not reachable';
  }
  return redisSkipReason();
}

/**
 * Runs SIPp once as the caller of `number` against the server's SIP port with `scenario` from ./fixtures, each
 * `@KEY@` replaced by its value (`@TARGET@`, the Request-URI host, defaults to the server's address). Media on
 * 127.0.0.1 (`-mi`; runSipp adds `-mp`).
 */
export async function callWithSipp(
  scenario: string, sipPort: number, number: string, vars: Record<string, string | number> = {}, deadlineMs = 90_000,
  extraArgs: readonly string[] = [],
): Promise<SippResult> {
  const dir = mkdtempSync(path.join(tmpdir(), 'patchbay-e2e-'));
  try {
    let xml = readFileSync(path.join(FIXTURES, scenario), 'utf8');
    for (const [key, value] of Object.entries({ TARGET: '[remote_ip]:[remote_port]', ...vars })) xml = xml.split(`@${key}@`).join(String(value));
    const file = path.join(dir, scenario);
    writeFileSync(file, xml);
    const args = ['-sf', file, '-s', number, '-m', '1', '-mi', '127.0.0.1', '-timeout', String(Math.ceil(deadlineMs / 1000)), ...extraArgs, `127.0.0.1:${sipPort}`];
    for (let attempt = 1; ; attempt++) {
      const result = await runSipp(args, deadlineMs + 5_000);
      // SIPp also binds media port + 2 (video), which another process may hold: it fails before sending anything,
      // so trying again with other ports is safe.
      if (attempt < 3 && /Unable to bind|Address already in use/.test(result.errors + result.stderr)) continue;
      return result;
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** 8 kHz mono 16-bit WAV of a sine tone. */
export function toneWav(ms: number, hz = 440, amplitude = 8000): Buffer {
  const samples = Math.round((ms * 8000) / 1000);
  const data = Buffer.alloc(samples * 2);
  for (let i = 0; i < samples; i++) data.writeInt16LE(Math.round(amplitude * Math.sin((2 * Math.PI * hz * i) / 8000)), i * 2);
  return Buffer.concat([wavHeader(1, 8000, data.length), data]);
}

/** Serves WAV files for `<Play>` and counts the requests. */
export async function startMediaServer(files: Record<string, Buffer>): Promise<{ url(p: string): string; hits: string[]; close(): Promise<void> }> {
  const hits: string[] = [];
  const server: Server = createServer((req, res) => {
    const p = (req.url ?? '/').split('?')[0];
    hits.push(p);
    const body = files[p];
    if (!body) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'audio/wav', 'content-length': body.length }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: (p) => base + p,
    hits,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Reads a PCM16 mono WAV: sample rate, duration and the RMS of its samples. */
export function inspectWav(wav: Buffer): { sampleRate: number; channels: number; seconds: number; rms: number } {
  if (wav.toString('ascii', 0, 4) !== 'RIFF' || wav.toString('ascii', 8, 12) !== 'WAVE') throw new Error('not a WAV file');
  let at = 12;
  let sampleRate = 0;
  let channels = 0;
  while (at + 8 <= wav.length) {
    const id = wav.toString('ascii', at, at + 4);
    const size = wav.readUInt32LE(at + 4);
    if (id === 'fmt ') {
      channels = wav.readUInt16LE(at + 10);
      sampleRate = wav.readUInt32LE(at + 12);
    } else if (id === 'data') {
      const data = wav.subarray(at + 8, at + 8 + size);
      const n = Math.floor(data.length / 2);
      let sum = 0;
      for (let i = 0; i < n; i++) sum += data.readInt16LE(i * 2) ** 2;
      return { sampleRate, channels, seconds: n / channels / sampleRate, rms: n === 0 ? 0 : Math.sqrt(sum / n) };
    }
    at += 8 + size + (size % 2);
  }
  throw new Error('WAV without data chunk');
}

/** Polls until `check` returns a value (not undefined), or fails after `limitMs`. */
export async function eventually<T>(check: () => Promise<T | undefined> | T | undefined, what: string, limitMs = 10_000): Promise<T> {
  const deadline = Date.now() + limitMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

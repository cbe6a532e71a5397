// The processes of the voice benchmarks (`npm run bench:voice`, `npm run bench:dial`): the Patchbay target
// (bench/voice-target.ts) pinned to the server's core, the webhook (bench/voice-webhook.ts) pinned to SIPp's, both
// speaking one JSON object a line; the preflight checks; and the small helpers of their tables.
import type { ChildProcess } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { spawnPinned, which } from './sip-procs.js';
import { SIPP_CORE, SUT_CORE } from './sip-sipp.js';
import type { RunResult } from './voice-sipp.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..');

/** A positive number from an environment variable, or the fallback. */
export function positive(value: string | undefined, fallback: number): number {
  const n = Number(value);
  return value !== undefined && Number.isFinite(n) && n > 0 ? n : fallback;
}

/** Positive numbers from a comma-separated environment variable, or from the fallback list. */
export function list(value: string | undefined, fallback: string): number[] {
  return (value ?? fallback).split(',').map(Number).filter((r) => Number.isFinite(r) && r > 0);
}

/**
 * SIPp's path and version ("SIPp v3.6.1-…"); exits with a clear message when SIPp or taskset is missing, and warns on
 * a one-core machine.
 */
export function preflight(bench: string): { sipp: string; sippVersion: string } {
  const sipp = which('sipp');
  if (!sipp) {
    console.error(`${bench} needs SIPp, which is not installed. On Debian/Ubuntu: apt-get install -y sip-tester`);
    process.exit(1);
  }
  if (!which('taskset')) {
    console.error(`${bench} needs taskset (util-linux) to pin processes to cores.`);
    process.exit(1);
  }
  let sippVersion = 'SIPp';
  try {
    execFileSync(sipp, ['-v'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (err) {
    // `sipp -v` prints its version and exits non-zero.
    sippVersion = /SIPp v[\w.-]+/.exec(String((err as { stdout?: string }).stdout ?? ''))?.[0]?.replace(/\.$/, '') ?? 'SIPp';
  }
  if (os.cpus().length < 2) console.log('WARNING: one CPU only: the server, the webhook and SIPp share it; figures are low.');
  return { sipp, sippVersion };
}

// ---- child processes speaking one JSON object a line -------------------------------------------------------

export interface LineChild {
  child: ChildProcess;
  next(ms?: number): Promise<Record<string, unknown>>;
  ask(line: string, ms?: number): Promise<Record<string, unknown>>;
}

export function lineChild(child: ChildProcess, name: string): LineChild {
  const lines = createInterface({ input: child.stdout! });
  const waiting: Array<(line: string) => void> = [];
  lines.on('line', (line) => waiting.shift()?.(line));
  const next = (ms = 30_000): Promise<Record<string, unknown>> =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${name} did not answer in time`)), ms);
      const onExit = (code: number | null): void => reject(new Error(`${name} exited (${code})`));
      child.once('exit', onExit);
      waiting.push((line) => {
        clearTimeout(timer);
        child.off('exit', onExit);
        try {
          resolve(JSON.parse(line) as Record<string, unknown>);
        } catch {
          reject(new Error(`${name} said: ${line}`));
        }
      });
    });
  return {
    child, next,
    ask(line, ms = 10_000) {
      child.stdin!.write(line + '\n');
      return next(ms);
    },
  };
}

export interface Webhook extends LineChild {
  port: number;
  pid: number;
}

/** The bench application (bench/voice-webhook.ts) on SIPp's core. */
export async function startWebhook(): Promise<Webhook> {
  const proc = lineChild(spawnPinned(SIPP_CORE, process.execPath, ['--import', 'tsx', path.join(here, 'voice-webhook.ts')], {
    cwd: root, stdio: ['pipe', 'pipe', 'inherit'],
  }), 'the webhook server');
  const hello = await proc.next();
  return { ...proc, port: hello.port as number, pid: hello.pid as number };
}

export interface Target extends LineChild {
  pid: number;
  sipPort: number;
  httpUrl: string;
  number: string;
  /** The owner account, for the bench's own REST requests. */
  accountSid: string;
  authToken: string;
  /** Distinct lines the target wrote to stderr, with how many times. */
  stderr: Map<string, number>;
}

/**
 * A full Patchbay (bench/voice-target.ts) on the server's core, its number's VoiceUrl `voiceUrl`; under
 * `node --cpu-prof` when `profileDir` is given.
 */
export async function startTarget(voiceUrl: string, profileDir?: string): Promise<Target> {
  const args = [
    ...(profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : []),
    '--import', 'tsx', path.join(here, 'voice-target.ts'), voiceUrl,
  ];
  const child = spawnPinned(SUT_CORE, process.execPath, args, {
    cwd: root, stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, PATCHBAY_LOG_LEVEL: 'silent' },
  });
  const stderr = new Map<string, number>();
  // The server's stderr (Node warnings, crashes) is shown, each distinct line once; repeats are counted.
  createInterface({ input: child.stderr! }).on('line', (line) => {
    const n = (stderr.get(line) ?? 0) + 1;
    stderr.set(line, n);
    if (n === 1) console.log(`      | target: ${line.slice(0, 200)}`);
  });
  const lc = lineChild(child, 'the Patchbay target');
  const hello = await lc.next(60_000);
  return {
    ...lc, stderr, pid: hello.pid as number, sipPort: hello.sipPort as number, httpUrl: hello.httpUrl as string,
    number: hello.number as string, accountSid: hello.accountSid as string, authToken: hello.authToken as string,
  };
}

export async function targetStats(target: Target): Promise<Record<string, number>> {
  return (await target.ask('stats')) as Record<string, number>;
}

/** Waits until the server holds no call (the previous step's calls have all ended), up to `ms`. */
export async function drained(target: Target, ms = 20_000): Promise<number> {
  const until = Date.now() + ms;
  for (;;) {
    const s = await targetStats(target);
    const live = (s.liveCalls ?? 0) + (s.outboundLive ?? 0) + (s.outboundQueued ?? 0);
    if (live === 0 || Date.now() > until) return live;
    await new Promise((r) => setTimeout(r, 250));
  }
}

// ---- the tables ---------------------------------------------------------------------------------------------

const tty = process.stdout.isTTY;
/**
 * A live line for a step: rewritten in place on a terminal; otherwise (a log, a pipe) printed as its own line every
 * 15 s, so long steps still show progress.
 */
export function progress(label: string): (c: { elapsedS: number; successful: number; failed: number; current: number }) => void {
  let printedAt = 0;
  return (c) => {
    const line = `  ${label}   ${c.elapsedS.toFixed(0).padStart(3)} s   ok ${c.successful}   failed ${c.failed}   open ${c.current}`;
    if (tty) process.stdout.write(`\r${line}      `);
    else if (c.elapsedS - printedAt >= 15) {
      printedAt = c.elapsedS;
      console.log(`${line}   …`);
    }
  };
}
export function clearLive(): void {
  if (tty) process.stdout.write('\r' + ' '.repeat(100) + '\r');
}
export function pct(v: number): string {
  return `${Math.round(v * 100)}%`.padStart(5);
}
export function num(v: number | null, digits = 1): string {
  return (v === null ? '-' : v.toFixed(digits)).padStart(6);
}

/** Other processes used a good share of the machine during the step (/proc/stat undercounts: this reads low). */
export function noisy(r: Pick<RunResult, 'otherCpu'>): boolean {
  return r.otherCpu >= 0.25;
}

// One step of `npm run bench:sip`: SIPp's built-in `uac` scenario (INVITE → 200 → ACK → BYE → 200, no pause) at a fixed
// call rate for a fixed number of calls, with -trace_stat (cumulative counters) and -trace_rtt (every INVITE → 200
// response time, in ms) read back afterwards.
import type { ChildProcess } from 'node:child_process';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { cpuSeconds, makeTempDir, removeTempDir, freeUdpPort, freeUdpPorts, machineBusySeconds, spawnPinned, udpSocketDrops } from './sip-procs.js';

/** The system under test runs on core 0; SIPp on core 1 (on a one-core machine they have to share). */
export const SUT_CORE = 0;
export const SIPP_CORE = os.cpus().length > 1 ? 1 : 0;
/** RFC 3261 T1: SIPp retransmits an unanswered INVITE or BYE after 500 ms, so a p99 above it means the stack lags. */
export const T1_MS = 500;

export interface StepOptions {
  sipp: string;
  /** host:port the calls go to. */
  destination: string;
  rate: number;
  seconds: number;
  /** UDP port of the system under test, for its socket's drop counter. */
  sutPort: number;
  /** UDP ports of other SIPp instances of the setup. */
  extraSippPorts?: readonly number[];
  /** Processes whose CPU time is the system under test (target, or Kamailio). */
  targetPid: number | undefined;
  /** Other SIPp processes of the same setup (the UAS behind Kamailio), counted as SIPp's CPU. */
  extraSippPids?: ReadonlyArray<number | undefined>;
  /** Called about once a second with the live counters. */
  onProgress?: (live: LiveCounters) => void;
}

export interface LiveCounters {
  elapsedS: number;
  successful: number;
  failed: number;
  retransmissions: number;
  current: number;
}

export interface StepResult {
  rate: number;
  planned: number;
  successful: number;
  failed: number;
  retransmissions: number;
  /** Successful calls per second over the span SIPp needed to get every 200. */
  achievedCps: number;
  p50: number | null;
  p90: number | null;
  p99: number | null;
  max: number | null;
  /** UDP datagrams the kernel dropped for a full receive buffer during the step: on the system under test's socket… */
  sutDrops: number;
  /** …and on SIPp's. */
  sippDrops: number;
  /** Share of one core used over the step. */
  targetCpu: number;
  sippCpu: number;
  /**
   * CPU used by everything else on the machine (other processes), in cores: the machine's busy time from /proc/stat
   * minus ours. /proc/stat is sampled at the scheduler tick and undercounts short bursty work like ours (in this VM
   * by about half), so this reads low; it does catch other busy processes.
   */
  otherCpu: number;
  killed: boolean;
  /** The first lines of SIPp's error log, when calls failed. */
  errors: string;
  /** Zero failed calls, the offered rate achieved, and p99 below T1. */
  passed: boolean;
  /** Why the step did not pass. */
  verdict: string;
}

/** Reads the last complete line of SIPp's -trace_stat CSV as a field map. */
export function readStats(file: string): Record<string, string> {
  const lines = readFileSync(file, 'utf8').trim().split('\n');
  if (lines.length < 2) return {};
  const header = lines[0]!.split(';');
  const last = lines[lines.length - 1]!.split(';');
  return Object.fromEntries(header.map((h, i) => [h, last[i] ?? '']));
}

/** Nearest-rank percentile of sorted values, or null when there are none. */
export function percentile(sorted: Float64Array, p: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/** Runs SIPp uac at `rate` calls/s for `seconds` against `destination`, pinned to the SIPp core. */
export async function runStep(opts: StepOptions): Promise<StepResult> {
  const planned = Math.max(1, Math.round(opts.rate * opts.seconds));
  const dir = makeTempDir('patchbay-bench-sip-');
  const [sipPort, mediaPort] = [await freeUdpPort(), await freeUdpPorts(4)];
  // Up to two seconds of calls may be open at once; beyond that SIPp slows down, which shows as a missed rate.
  const limit = Math.max(1000, opts.rate * 2);
  const recvTimeoutMs = 10_000;
  const args = [
    '-sn', 'uac', '-i', '127.0.0.1', '-p', String(sipPort), '-mp', String(mediaPort),
    '-r', String(opts.rate), '-m', String(planned), '-l', String(limit), '-d', '0',
    '-recv_timeout', String(recvTimeoutMs), '-buff_size', String(4 * 2 ** 20), '-max_recv_loops', '10000',
    '-timeout', `${opts.seconds + 30}s`, '-nostdin',
    '-trace_stat', '-fd', '1', '-trace_rtt', '-rtt_freq', '1000', '-trace_err',
    opts.destination,
  ];
  const cpu0 = { target: cpuSeconds(opts.targetPid), machine: machineBusySeconds(), sutDrops: udpSocketDrops([opts.sutPort]), extra: sum(opts.extraSippPids) };
  const started = performance.now();
  const child: ChildProcess = spawnPinned(SIPP_CORE, opts.sipp, args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  let sippCpuLast = 0;
  // SIPp's own CPU has to be read while it runs: once it has exited /proc forgets it.
  // Likewise its socket's drop counter (the UAS behind Kamailio lives on, so it is read at the end).
  let sippDrops = 0;
  const extraDrops0 = udpSocketDrops(opts.extraSippPorts ?? []);
  const sampler = setInterval(() => {
    const s = cpuSeconds(child.pid);
    if (s > 0) sippCpuLast = s;
    sippDrops = udpSocketDrops([sipPort]);
    const csv = readdirSync(dir).find((f) => f.endsWith('_.csv'));
    if (csv && opts.onProgress) {
      try {
        const st = readStats(path.join(dir, csv));
        opts.onProgress({
          elapsedS: (performance.now() - started) / 1000,
          successful: Number(st['SuccessfulCall(C)'] ?? 0),
          failed: Number(st['FailedCall(C)'] ?? 0),
          retransmissions: Number(st['Retransmissions(C)'] ?? 0),
          current: Number(st['CurrentCall'] ?? 0),
        });
      } catch {
        // half-written file
      }
    }
  }, 1000);
  // A hard deadline on top of SIPp's own -timeout: a step can never hang the bench.
  let killed = false;
  const deadline = setTimeout(() => {
    killed = true;
    child.kill('SIGKILL');
  }, (opts.seconds + recvTimeoutMs / 1000 + 20) * 1000);
  await new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
  clearTimeout(deadline);
  clearInterval(sampler);
  const wall = (performance.now() - started) / 1000;
  const targetCpu = (cpuSeconds(opts.targetPid) - cpu0.target) / wall;
  sippDrops += udpSocketDrops(opts.extraSippPorts ?? []) - extraDrops0;
  const sippCpu = (sippCpuLast + sum(opts.extraSippPids) - cpu0.extra) / wall;
  const machine = (machineBusySeconds() - cpu0.machine) / wall;
  const sutDrops = udpSocketDrops([opts.sutPort]) - cpu0.sutDrops;

  const files = readdirSync(dir);
  const statFile = files.find((f) => f.endsWith('_.csv'));
  const rttFile = files.find((f) => f.endsWith('_rtt.csv'));
  const errFile = files.find((f) => f.endsWith('_errors.log'));
  const stats = statFile ? readStats(path.join(dir, statFile)) : {};
  const successful = Number(stats['SuccessfulCall(C)'] ?? 0);
  // Calls that never completed (still open when SIPp was stopped, or never placed) count as failed too.
  const failed = Math.max(Number(stats['FailedCall(C)'] ?? 0), planned - successful);
  const retransmissions = Number(stats['Retransmissions(C)'] ?? 0);

  let rtts = new Float64Array(0);
  let spanMs = 0;
  if (rttFile) {
    const lines = readFileSync(path.join(dir, rttFile), 'utf8').split('\n');
    rtts = new Float64Array(lines.length);
    let n = 0;
    for (let i = 1; i < lines.length; i++) {
      const line = lines[i]!;
      const a = line.indexOf(';');
      if (a < 0) continue;
      const b = line.indexOf(';', a + 1);
      const at = Number(line.slice(0, a));
      const rtt = Number(line.slice(a + 1, b < 0 ? undefined : b));
      if (!Number.isFinite(rtt)) continue;
      rtts[n++] = Math.round(rtt);
      if (at > spanMs) spanMs = at;
    }
    rtts = rtts.subarray(0, n).sort();
  }
  let errors = '';
  if (errFile && failed > 0) {
    const file = path.join(dir, errFile);
    const text = readFileSync(file, 'utf8').slice(0, Math.min(statSync(file).size, 4000));
    errors = text.split('\n').filter((l) => l.trim()).slice(0, 6).join('\n');
  }
  if (!statFile) errors = `SIPp wrote no statistics (exit ${child.exitCode ?? child.signalCode}): ${stderr.trim().slice(-600)}`;
  removeTempDir(dir);

  const achievedCps = spanMs > 0 ? rtts.length / (spanMs / 1000) : 0;
  const p99 = percentile(rtts, 99);
  const verdicts: string[] = [];
  if (failed > 0) verdicts.push(`${failed} failed calls`);
  if (killed) verdicts.push('SIPp did not finish in time');
  if (achievedCps < 0.95 * opts.rate) verdicts.push(`only ${Math.round(achievedCps)} calls/s achieved`);
  if (p99 !== null && p99 >= T1_MS) verdicts.push(`p99 ${p99} ms ≥ T1 (${T1_MS} ms): calls needed retransmissions`);
  return {
    rate: opts.rate, planned, successful, failed, retransmissions, achievedCps,
    p50: percentile(rtts, 50), p90: percentile(rtts, 90), p99, max: rtts.length ? rtts[rtts.length - 1]! : null,
    sutDrops, sippDrops, targetCpu, sippCpu, otherCpu: Math.max(0, machine - targetCpu - sippCpu), killed, errors,
    passed: verdicts.length === 0, verdict: verdicts.join('; ') || 'ok',
  };
}

/** CPU seconds used so far by all of these processes together. */
export function sum(pids: ReadonlyArray<number | undefined> | undefined): number {
  let total = 0;
  for (const pid of pids ?? []) total += cpuSeconds(pid);
  return total;
}

/**
 * SIPp's built-in `uas` (180, 200, waits for ACK and BYE) on a free port, pinned to the SIPp core, running until
 * stopped; the callee behind Kamailio.
 */
export async function startUas(sipp: string, lifetimeSeconds: number): Promise<{ child: ChildProcess; port: number; dir: string }> {
  const dir = makeTempDir('patchbay-bench-sipp-uas-');
  const [port, mediaPort] = [await freeUdpPort(), await freeUdpPorts(4)];
  const child = spawnPinned(SIPP_CORE, sipp, [
    '-sn', 'uas', '-i', '127.0.0.1', '-p', String(port), '-mp', String(mediaPort), '-buff_size', String(4 * 2 ** 20),
    '-max_recv_loops', '10000', '-timeout', `${lifetimeSeconds}s`, '-nostdin',
  ], { cwd: dir, stdio: 'ignore' });
  return { child, port, dir };
}

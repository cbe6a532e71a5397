// One SIPp run of `npm run bench:voice`: a scenario of bench/fixtures/voice (its @KEY@ placeholders filled in) at a
// call rate, pinned to the SIPp core, with -trace_stat (counters, also read live) and -trace_rtt (INVITE → 200 of
// every call, the post-dial delay) read back afterwards.
import type { ChildProcess } from 'node:child_process';
import { readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { cpuSeconds, freeUdpPort, machineBusySeconds, makeTempDir, removeTempDir, spawnPinned } from './sip-procs.js';
import { mulawEncodeSample } from '../src/media/index.js';
import { SIPP_CORE, percentile, readStats, sum } from './sip-sipp.js';

export { percentile };

const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures', 'voice');

export interface RunOptions {
  sipp: string;
  scenario: string;
  vars?: Record<string, string | number>;
  destination: string;
  service: string;
  rate: number;
  calls: number;
  /** Most calls open at once (SIPp's -l). */
  limit: number;
  /** Hard end of the run, seconds. */
  timeoutS: number;
  /** First local RTP port of SIPp (-mp). */
  mediaPort: number;
  targetPid: number | undefined;
  /** Processes that are SIPp's side of the machine (the webhook), counted apart from "other". */
  helperPids?: ReadonlyArray<number | undefined>;
  onProgress?: (live: Live) => void;
}

export interface Live {
  elapsedS: number;
  successful: number;
  failed: number;
  current: number;
}

export interface RunResult {
  successful: number;
  failed: number;
  retransmissions: number;
  /** Every INVITE → 200 time in ms, sorted. */
  rtts: Float64Array;
  /** Calls answered per second over the span from the first INVITE to the last 200. */
  achievedCps: number;
  /** Most calls SIPp had open at once (sampled each second). */
  peakOpen: number;
  wallS: number;
  targetCpu: number;
  sippCpu: number;
  helperCpu: number;
  otherCpu: number;
  errors: string;
}




export async function runSippScenario(opts: RunOptions): Promise<RunResult> {
  const dir = makeTempDir('patchbay-bench-voice-sipp-');
  let xml = readFileSync(path.join(FIXTURES, opts.scenario), 'utf8');
  for (const [key, value] of Object.entries(opts.vars ?? {})) xml = xml.split(`@${key}@`).join(String(value));
  const file = path.join(dir, opts.scenario);
  writeFileSync(file, xml);
  const sipPort = await freeUdpPort();
  const args = [
    '-sf', file, '-s', opts.service, '-i', '127.0.0.1', '-mi', '127.0.0.1', '-p', String(sipPort), '-mp', String(opts.mediaPort),
    '-r', String(opts.rate), '-m', String(opts.calls), '-l', String(opts.limit),
    '-recv_timeout', '20000', '-buff_size', String(4 * 2 ** 20), '-max_recv_loops', '10000',
    '-timeout', `${Math.ceil(opts.timeoutS)}s`, '-nostdin', '-cp', String(await freeUdpPort()),
    '-trace_stat', '-fd', '1', '-trace_rtt', '-rtt_freq', '1', '-trace_err',
    opts.destination,
  ];
  const cpu0 = { target: cpuSeconds(opts.targetPid), helper: sum(opts.helperPids), machine: machineBusySeconds() };
  const started = performance.now();
  const child: ChildProcess = spawnPinned(SIPP_CORE, opts.sipp, args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  let sippCpuLast = 0;
  let peakOpen = 0;
  const sampler = setInterval(() => {
    const s = cpuSeconds(child.pid);
    if (s > 0) sippCpuLast = s;
    const csv = readdirSync(dir).find((f) => f.endsWith('_.csv'));
    if (!csv) return;
    try {
      const st = readStats(path.join(dir, csv));
      const current = Number(st['CurrentCall'] ?? 0);
      if (current > peakOpen) peakOpen = current;
      opts.onProgress?.({
        elapsedS: (performance.now() - started) / 1000, successful: Number(st['SuccessfulCall(C)'] ?? 0),
        failed: Number(st['FailedCall(C)'] ?? 0), current,
      });
    } catch {
      // half-written file
    }
  }, 1000);
  let killed = false;
  const deadline = setTimeout(() => {
    killed = true;
    child.kill('SIGKILL');
  }, (opts.timeoutS + 15) * 1000);
  await new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
  clearTimeout(deadline);
  clearInterval(sampler);
  const wallS = (performance.now() - started) / 1000;
  const targetCpu = (cpuSeconds(opts.targetPid) - cpu0.target) / wallS;
  const helperCpu = (sum(opts.helperPids) - cpu0.helper) / wallS;
  const sippCpu = sippCpuLast / wallS;
  const machine = (machineBusySeconds() - cpu0.machine) / wallS;

  const files = readdirSync(dir);
  const statFile = files.find((f) => f.endsWith('_.csv'));
  const rttFile = files.find((f) => f.endsWith('_rtt.csv'));
  const errFile = files.find((f) => f.endsWith('_errors.log'));
  const stats = statFile ? readStats(path.join(dir, statFile)) : {};
  const successful = Number(stats['SuccessfulCall(C)'] ?? 0);
  const failed = Math.max(Number(stats['FailedCall(C)'] ?? 0), opts.calls - successful);
  let rtts = new Float64Array(0);
  let spanMs = 0;
  if (rttFile) {
    const lines = readFileSync(path.join(dir, rttFile), 'utf8').split('\n');
    rtts = new Float64Array(lines.length);
    let n = 0;
    for (let i = 1; i < lines.length; i++) {
      const [at, rtt] = lines[i]!.split(';').map(Number);
      if (!Number.isFinite(rtt) || !Number.isFinite(at)) continue;
      rtts[n++] = rtt!;
      if (at! > spanMs) spanMs = at!;
    }
    rtts = rtts.subarray(0, n).sort();
  }
  let errors = '';
  if (errFile && failed > 0) {
    const f = path.join(dir, errFile);
    errors = readFileSync(f, 'utf8').slice(0, Math.min(statSync(f).size, 4000)).split('\n').filter((l) => l.trim()).slice(0, 6).join('\n');
  }
  if (!statFile) errors = `SIPp wrote no statistics (exit ${child.exitCode ?? child.signalCode}): ${stderr.trim().slice(-600)}`;
  else if (killed) errors = `SIPp did not finish in time and was killed. ${errors}`;
  removeTempDir(dir);
  return {
    successful, failed, retransmissions: Number(stats['Retransmissions(C)'] ?? 0), rtts,
    achievedCps: spanMs > 0 ? rtts.length / (spanMs / 1000) : 0, peakOpen, wallS, targetCpu, sippCpu, helperCpu,
    otherCpu: Math.max(0, machine - targetCpu - sippCpu - helperCpu), errors,
  };
}

/** 1 s of a 440 Hz tone as raw G.711 µ-law (payload type 0), what SIPp's rtp_stream sends in a loop. */
export function writeUlawTone(file: string, ms = 1000): void {
  const n = Math.round((ms * 8000) / 1000);
  const out = Buffer.alloc(n);
  for (let i = 0; i < n; i++) out[i] = mulawEncodeSample(Math.round(6000 * Math.sin((2 * Math.PI * 440 * i) / 8000)));
  writeFileSync(file, out);
}

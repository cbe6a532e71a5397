// npm run bench:sip — SIP call rate on one core: SIPp's built-in uac (INVITE / 200 / ACK / BYE / 200, no pause) at
// stepped call rates against the Patchbay SIP stack answering every call (bench/sip-target.ts), then the same load
// through Kamailio (t_relay to a SIPp uas) as the C reference. The system under test is pinned to core 0, SIPp to
// core 1. A step passes with zero failed calls, the offered rate achieved (≥ 95 %) and p99 below T1 (500 ms, after
// which SIPp retransmits); the ladder stops at the first step that does not pass.
//
// Environment: BENCH_STEP_SECONDS (default 30), BENCH_SIP_RATES (comma-separated calls/s), BENCH_BUDGET_SECONDS
// (default 540: steps that would end later are skipped), BENCH_SIP_PROFILE=<rate> (profile the target at one rate
// with node --cpu-prof and print its hot spots instead of running the comparison), BENCH_SIP_NICE=<n> (run the
// system under test and SIPp at this niceness, e.g. -10 as root on a busy machine), BENCH_SIP_TARGET=<file> (another
// target script speaking bench/sip-target.ts's stdout protocol, to try a change to the stack without editing this),
// BENCH_SIP_KAMAILIO=0 (skip the reference).
import type { ChildProcess } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface, type Interface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { type Figure, writeResults } from './results.js';
import { printHotSpots } from './sip-profile.js';
import { freeUdpPort, killAll, makeTempDir, removeTempDir, spawnPinned, stop, which } from './sip-procs.js';
import { SIPP_CORE, SUT_CORE, T1_MS, runStep, startUas, type LiveCounters, type StepResult } from './sip-sipp.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..');
const STEP_SECONDS = positive(process.env.BENCH_STEP_SECONDS, 30);
const RATES = (process.env.BENCH_SIP_RATES ?? '250,500,1000,1500,2000,2500,3000,4000,5000,6000,8000,10000')
  .split(',').map(Number).filter((r) => Number.isFinite(r) && r > 0);
const BUDGET_SECONDS = positive(process.env.BENCH_BUDGET_SECONDS, 540);
const PROFILE_RATE = process.env.BENCH_SIP_PROFILE ? positive(process.env.BENCH_SIP_PROFILE, 2000) : undefined;
const TARGET_CPS = 2000;
const WARMUP = { rate: 500, seconds: 5 };
/** SIPp is single-threaded: above this share of its core, it may be what limits the rate. */
const SIPP_BOUND = 0.85;
const benchStart = performance.now();

function positive(value: string | undefined, fallback: number): number {
  const n = Number(value);
  return value !== undefined && Number.isFinite(n) && n > 0 ? n : fallback;
}

function elapsed(): number {
  return (performance.now() - benchStart) / 1000;
}

// ---- preflight ------------------------------------------------------------------------------------------------

const sipp = which('sipp');
if (!sipp) {
  console.error('bench:sip needs SIPp, which is not installed. On Debian/Ubuntu: apt-get install -y sip-tester');
  process.exit(1);
}
if (!which('taskset')) {
  console.error('bench:sip needs taskset (util-linux) to pin processes to cores.');
  process.exit(1);
}
const kamailio = process.env.BENCH_SIP_KAMAILIO === '0' ? undefined : which('kamailio');
const kamailioVersion = kamailio ? versionOf(kamailio) : undefined;
const sippVersion = /SIPp v[\w.-]+/.exec(run(sipp, ['-v']))?.[0]?.replace(/\.$/, '') ?? 'SIPp';
if (os.cpus().length < 2) console.log('WARNING: one CPU only: the system under test and SIPp share it; figures are low.');

function run(cmd: string, args: string[]): string {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (err) {
    // sipp -v exits non-zero after printing its version
    const e = err as { stdout?: string };
    return e.stdout ?? '';
  }
}

function versionOf(bin: string): string {
  return /kamailio [\d.]+/.exec(run(bin, ['-v']))?.[0] ?? 'kamailio';
}

// ---- the Patchbay target ------------------------------------------------------------------------------------

interface Target {
  child: ChildProcess;
  pid: number;
  port: number;
  stats(): Promise<Record<string, number>>;
}

async function startTarget(profileDir?: string): Promise<Target> {
  const args = [
    ...(profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : []),
    '--import', 'tsx', process.env.BENCH_SIP_TARGET ? path.resolve(process.env.BENCH_SIP_TARGET) : path.join(here, 'sip-target.ts'),
  ];
  const child = spawnPinned(SUT_CORE, process.execPath, args, { cwd: root, stdio: ['pipe', 'pipe', 'inherit'] });
  const lines: Interface = createInterface({ input: child.stdout! });
  const waiting: Array<(line: string) => void> = [];
  lines.on('line', (line) => waiting.shift()?.(line));
  const next = (ms: number): Promise<string> =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('the SIP target did not answer in time')), ms);
      waiting.push((line) => {
        clearTimeout(timer);
        resolve(line);
      });
      child.once('exit', (code) => reject(new Error(`the SIP target exited (${code})`)));
    });
  const hello = JSON.parse(await next(30_000)) as { port: number; pid: number };
  return {
    child, pid: hello.pid, port: hello.port,
    async stats() {
      child.stdin!.write('\n');
      return JSON.parse(await next(10_000)) as Record<string, number>;
    },
  };
}

// ---- the table ----------------------------------------------------------------------------------------------

const live = process.stdout.isTTY;
const HEADER = '  calls/s    calls  failed  retrans  drops sut/sipp  achieved   p50   p90   p99   max ms   CPU sut  sipp  other   verdict';

function ms(v: number | null): string {
  return (v === null ? '-' : String(v)).padStart(5);
}

function pct(v: number): string {
  return `${Math.round(v * 100)}%`.padStart(5);
}

function row(r: StepResult): string {
  const notes = [r.passed ? 'ok' : r.verdict];
  if (r.sippCpu >= SIPP_BOUND) notes.push('SIPp near its core limit');
  if (noisy(r)) notes.push(`other processes busy (${r.otherCpu.toFixed(1)} cores)`);
  return `  ${String(r.rate).padStart(7)} ${String(r.successful).padStart(8)} ${String(r.failed).padStart(7)} ${String(r.retransmissions).padStart(8)} ${`${r.sutDrops}/${r.sippDrops}`.padStart(15)}`
    + ` ${Math.round(r.achievedCps).toString().padStart(9)} ${ms(r.p50)} ${ms(r.p90)} ${ms(r.p99)} ${ms(r.max)}    `
    + `  ${pct(r.targetCpu)} ${pct(r.sippCpu)} ${pct(r.otherCpu)}   ${notes.join('; ')}`;
}

function progress(rate: number): (c: LiveCounters) => void {
  return (c) => {
    if (!live) return;
    process.stdout.write(`\r  ${String(rate).padStart(7)}   ${c.elapsedS.toFixed(0).padStart(3)}/${STEP_SECONDS} s   ok ${c.successful}`
      + `   failed ${c.failed}   retrans ${c.retransmissions}   open ${c.current}      `);
  };
}

function clearLive(): void {
  if (live) process.stdout.write('\r' + ' '.repeat(100) + '\r');
}

/** What a step drives: the system under test's address and process, and the SIPp uas behind it, if any. */
interface Setup {
  port: number;
  pid: number | undefined;
  uas?: { pid: number | undefined; port: number };
}

async function step(setup: Setup, rate: number, seconds: number): Promise<StepResult> {
  const r = await runStep({
    sipp: sipp!, destination: `127.0.0.1:${setup.port}`, rate, seconds, sutPort: setup.port, targetPid: setup.pid,
    extraSippPids: setup.uas ? [setup.uas.pid] : [], extraSippPorts: setup.uas ? [setup.uas.port] : [],
    onProgress: progress(rate),
  });
  clearLive();
  return r;
}

/** Steps through `rates` until a step does not pass or the time budget would be exceeded. */
async function ladder(setup: Setup, rates: number[], budget = BUDGET_SECONDS): Promise<{ steps: StepResult[]; budgetHit: boolean }> {
  const steps: StepResult[] = [];
  for (const rate of rates) {
    if (elapsed() + STEP_SECONDS + 5 > budget) {
      console.log(`  (time budget reached: ${rate} calls/s and above not run)`);
      return { steps, budgetHit: true };
    }
    let r = await step(setup, rate, STEP_SECONDS);
    // Other processes on a shared machine can take the core from the system under test: a step that failed while
    // they were busy is run again (twice at most) before it counts.
    for (let retry = 1; !r.passed && noisy(r) && retry <= 2 && elapsed() + STEP_SECONDS + 5 <= budget; retry++) {
      console.log(`${row(r)}  → busy machine, step run again`);
      r = await step(setup, rate, STEP_SECONDS);
    }
    console.log(row(r));
    if (r.errors) console.log(r.errors.split('\n').map((l) => `      | ${l.slice(0, 150)}`).join('\n'));
    steps.push(r);
    if (!r.passed) break;
  }
  return { steps, budgetHit: false };
}

/** Other processes used a good share of the machine during the step. */
function noisy(r: StepResult): boolean {
  return r.otherCpu >= 0.25;
}

function best(steps: StepResult[]): StepResult | undefined {
  return steps.filter((s) => s.passed).sort((a, b) => b.rate - a.rate)[0];
}

// ---- profile mode -------------------------------------------------------------------------------------------

if (PROFILE_RATE !== undefined) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'patchbay-bench-sip-prof-')); // kept: its path is printed
  console.log(`bench:sip profile — Patchbay target under node --cpu-prof, warm-up then ${STEP_SECONDS} s at ${PROFILE_RATE} calls/s`);
  const target = await startTarget(dir);
  await step(target, WARMUP.rate, WARMUP.seconds);
  console.log(HEADER);
  console.log(row(await step(target, PROFILE_RATE, STEP_SECONDS)));
  console.log('  target:', JSON.stringify(await target.stats()));
  await stop(target.child, 10_000);
  process.exit(printHotSpots(dir, root, 'warm-up') ? 0 : 1);
}

// ---- the comparison -----------------------------------------------------------------------------------------

console.log(`bench:sip — ${sippVersion} built-in uac, ${STEP_SECONDS} s per step, system under test on core ${SUT_CORE}, SIPp on core ${SIPP_CORE}`);
console.log(`  pass = zero failed calls, ≥ 95% of the offered rate achieved, p99 INVITE→200 < T1 (${T1_MS} ms); response times in whole ms (SIPp's resolution)`);

console.log(`\nPatchbay SIP stack (TransportLayer + UserAgent, UDP), auto-answering 200 + SDP, accepting BYE`);
const target = await startTarget();
const warm = await step(target, WARMUP.rate, WARMUP.seconds);
console.log(`  warm-up: ${WARMUP.seconds} s at ${WARMUP.rate} calls/s, ${warm.successful} calls, ${warm.failed} failed (not counted)`);
console.log(HEADER);
// Leave time for two reference steps.
const pb = await ladder(target, RATES, BUDGET_SECONDS - (kamailio ? 2 * (STEP_SECONDS + 5) : 0));
const pbStats = await target.stats().catch(() => undefined);
if (pbStats) {
  console.log(`  target afterwards: rss ${pbStats.rssMiB} MiB, heap ${pbStats.heapMiB} MiB, ${pbStats.transactions} live transactions,`
    + ` ${pbStats.dialogs} dialogs, ${pbStats.invites} INVITEs, ${pbStats.byes} BYEs, ${pbStats.failedAnswers} answers without ACK`);
}
await stop(target.child);
const pbBest = best(pb.steps);

let kamSteps: StepResult[] = [];
let kamNote: string;
let kamBudgetHit = false;
if (!kamailio) {
  kamNote = process.env.BENCH_SIP_KAMAILIO === '0'
    ? 'Kamailio skipped (BENCH_SIP_KAMAILIO=0): no reference figures'
    : 'Kamailio is not installed (Debian: apt-get install -y kamailio): no reference figures';
  console.log(`\n${kamNote}`);
} else {
  console.log(`\n${kamailioVersion} (C reference): t_relay, one UDP worker, to a SIPp uas on core ${SIPP_CORE} (SIPp CPU = uac + uas)`);
  // Start at Patchbay's best rate (response times at the same rate), then up; if that fails, down.
  const startAt = Math.max(0, RATES.indexOf(pbBest?.rate ?? RATES[0]!));
  const uas = await startUas(sipp, Math.ceil(BUDGET_SECONDS + 120));
  const kport = await freeUdpPort();
  const tmp = makeTempDir('patchbay-bench-kamailio-');
  const kam = spawnPinned(SUT_CORE, kamailio, [
    '-f', path.join(here, 'fixtures', 'sip', 'kamailio.cfg'), '-DD', '-E', '-m', '1024', '-M', '16',
    '-A', `UAS_PORT=${uas.port}`, '-l', `udp:127.0.0.1:${kport}`,
  ], { cwd: tmp, stdio: ['ignore', 'pipe', 'pipe'] });
  let kamOutput = '';
  kam.stdout!.on('data', (d: Buffer) => (kamOutput = (kamOutput + d.toString()).slice(-4000)));
  kam.stderr!.on('data', (d: Buffer) => (kamOutput = (kamOutput + d.toString()).slice(-4000)));
  const up = await new Promise<boolean>((resolve) => {
    const t0 = Date.now();
    const poll = setInterval(() => {
      if (kam.exitCode !== null || kam.signalCode !== null) resolve(false);
      else if (/listening on/i.test(kamOutput) || Date.now() - t0 > 3000) resolve(true);
      else return;
      clearInterval(poll);
    }, 100);
  });
  if (!up) {
    kamNote = `Kamailio did not start: ${kamOutput.trim().split('\n').slice(-3).join(' | ')}`;
    console.log(`  ${kamNote}`);
  } else {
    const setup: Setup = { port: kport, pid: kam.pid, uas: { pid: uas.child.pid, port: uas.port } };
    console.log(HEADER);
    const upward = await ladder(setup, RATES.slice(startAt));
    kamSteps = upward.steps;
    kamBudgetHit = upward.budgetHit;
    if (kamSteps.length > 0 && !kamSteps[0]!.passed) {
      const downward = await ladder(setup, RATES.slice(0, startAt).reverse());
      kamSteps.push(...downward.steps);
    }
    kamNote = `${kamailioVersion}, t_relay, children=1, pinned to one core, to a SIPp uas`;
  }
  await stop(kam);
  await stop(uas.child);
  removeTempDir(tmp);
  removeTempDir(uas.dir);
}

// ---- summary and results ------------------------------------------------------------------------------------

const kamBest = best(kamSteps);
// Highest passing rate of a ladder that stopped on a failure; a ladder that never failed only gives a lower bound.
const kamLowerBound = kamBest !== undefined && kamSteps.every((s) => s.passed);
const kamSame = kamSteps.find((s) => s.rate === pbBest?.rate);
const pbFail = pb.steps.find((s) => !s.passed);
const sippBound = [...pb.steps, ...kamSteps].filter((s) => s.sippCpu >= SIPP_BOUND);
const noisySteps = [...pb.steps, ...kamSteps].filter(noisy);

const notes: string[] = [];
if (pbFail) notes.push(`Patchbay stopped at ${pbFail.rate} calls/s: ${pbFail.verdict} (target CPU ${pct(pbFail.targetCpu).trim()})`);
if (kamLowerBound) notes.push(`Kamailio passed every step it ran (to ${kamBest!.rate} calls/s${kamBudgetHit ? ', time budget reached' : ', end of the ladder'}): its figure is a lower bound`);
if (sippBound.length) notes.push(`SIPp used ≥ ${SIPP_BOUND * 100}% of its core at ${sippBound.map((s) => s.rate).join(', ')} calls/s: SIPp itself may be the limit there`);
if (noisySteps.length) notes.push(`other processes used ≥ 0.25 cores at ${noisySteps.map((s) => s.rate).join(', ')} calls/s: those steps may read low`);

console.log('\nResult');
const pbLine = pbBest
  ? `${pbBest.rate} calls/s with zero failures (target ≥ ${TARGET_CPS}), p50 ${pbBest.p50} ms, p99 ${pbBest.p99} ms, target CPU ${pct(pbBest.targetCpu).trim()}`
  : `no step passed (target ≥ ${TARGET_CPS})`;
console.log(`  Patchbay: ${pbLine}`);
if (kamSteps.length) {
  console.log(`  Kamailio: ${kamBest ? `${kamLowerBound ? '≥ ' : ''}${kamBest.rate} calls/s with zero failures` : 'no step passed'}`
    + (kamSame ? `; at ${kamSame.rate} calls/s p50 ${kamSame.p50} ms, p99 ${kamSame.p99} ms, CPU ${pct(kamSame.targetCpu).trim()}` : ''));
}
for (const n of notes) console.log(`  note: ${n}`);
if (pbBest && pbBest.rate < TARGET_CPS) console.log(`  BELOW TARGET: profile with BENCH_SIP_PROFILE=${pbFail?.rate ?? TARGET_CPS} npm run bench:sip`);

type NotedFigure = Figure & { note?: string };
const ref = pbBest ?? pb.steps[0];
const figures: Record<string, NotedFigure> = {
  max_cps_zero_failures: {
    value: pbBest?.rate ?? 0, unit: 'calls/s', target: TARGET_CPS, better: 'higher', reference: kamBest?.rate ?? null,
    note: [`${STEP_SECONDS} s steps of ${sippVersion} uac (INVITE/200/ACK/BYE, -d 0) at ${RATES.join(', ')} calls/s; reference: ${kamNote}`, ...notes].join('. '),
  },
  response_time_p50_ms: {
    value: ref?.p50 ?? 0, unit: 'ms', target: null, better: 'lower', reference: kamSame?.p50 ?? null,
    note: `INVITE→200 at ${ref?.rate ?? '-'} calls/s (SIPp -trace_rtt, whole ms); reference: Kamailio at the same rate`,
  },
  response_time_p99_ms: {
    value: ref?.p99 ?? 0, unit: 'ms', target: null, better: 'lower', reference: kamSame?.p99 ?? null,
    note: `INVITE→200 at ${ref?.rate ?? '-'} calls/s (SIPp -trace_rtt, whole ms); reference: Kamailio at the same rate`,
  },
};
console.log(`  written to ${writeResults('sip', figures)} after ${Math.round(elapsed())} s`);
killAll();

// npm run bench:dial — calls Patchbay places, through a BYOC trunk, on one core: a full Patchbay (bench/voice-target.ts,
// startServer + one number made through the REST API) pinned to core 0; on core 1 the far end of the trunk (SIPp with
// bench/fixtures/dial/uas-echo.xml and -rtp_echo: answers 180/200 with PCMU, echoes every RTP packet, waits for the
// BYE), the number's application (bench/voice-webhook.ts), the HTTP load generator (bench/dial-load.ts) and SIPp as
// caller.
// The bench creates the trunk (ConnectionPolicy, a Target per SIPp UAS, ByocTrunk) and raises the owner account's
// calls-per-second limit (PatchbayCallsPerSecond=10000) through the REST API, so the per-account queue does not pace
// the calls. Two figures:
//  (a) call attempts per second: `POST Calls.json` (To = +15559990001, owned by no account: it leaves through the
//      trunk; Twiml=<Response><Hangup/></Response>) at stepped rates for BENCH_STEP_SECONDS each. A step passes when
//      every POST got 201, every call ended `completed` (its status changes heard on the server's bus), the UAS
//      counted every call with no failure, and the server kept the pace: completed calls over the span from the
//      first `initiated` to the last `completed` ≥ 95 % of the offered rate. The ladder stops at the first step that
//      does not pass; the highest passing rate counts.
//  (b) bridged calls per core: SIPp calls the number with G.711 (rtp_stream, looped); its application answers
//      `<Dial><Number>+15559990001</Number></Dial>`, so each call is two legs of PCMU bridged by Patchbay: caller →
//      Patchbay → trunk → UAS echo → Patchbay → caller. N calls ramp up over BENCH_DIAL_RAMP_SECONDS, hold
//      BENCH_DIAL_HOLD_SECONDS (default 60), then SIPp hangs up (Patchbay ends the child with a BYE). A step passes
//      with zero failed calls on both SIPps, N calls open at once, every child `completed`, and media flowing
//      through every bridge: over a window in the middle of the hold, each call's inbound leg received ≥ 45 and
//      sent ≥ 45 RTP packets a second (of 50; what it sends is only the echo that crossed the bridge twice, since a
//      bridged leg sends no media of its own). The highest passing N counts (as bench:voice's concurrent calls).
//
// Environment: BENCH_STEP_SECONDS (default 20), BENCH_DIAL_RATES (calls/s, comma-separated, default
// 50,100,200,300,350,400,500,600,800), BENCH_DIAL_CONCURRENCY (bridged calls, comma-separated, default
// 250,400,500,750,1000), BENCH_DIAL_HOLD_SECONDS (default 60), BENCH_DIAL_RAMP_SECONDS (default 10),
// BENCH_BUDGET_SECONDS (default 720: steps that would end later are skipped), BENCH_DIAL_PHASES (default
// "rate,bridged"), BENCH_DIAL_PROFILE=rate:<cps> | bridged:<calls> (run the target under node --cpu-prof for that one
// step and print its hot spots instead), BENCH_DIAL_UAS (SIPp UAS instances behind the trunk, default 2),
// BENCH_SIP_NICE (see bench/sip-procs.ts).
import { mkdtempSync, readFileSync, readdirSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Figure, writeResults } from './results.js';
import { printHotSpots } from './sip-profile.js';
import {
  cpuSeconds, freeUdpPort, freeUdpPorts, killAll, machineBusySeconds, makeTempDir, spawnPinned, stop, udpSocketDrops,
} from './sip-procs.js';
import { SIPP_CORE, SUT_CORE, readStats } from './sip-sipp.js';
import {
  type Target, clearLive, drained, lineChild, list, noisy, num, pct, positive, preflight, progress, startTarget, startWebhook,
  targetStats,
} from './voice-procs.js';
import { type RunResult, percentile, runSippScenario, writeUlawTone } from './voice-sipp.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const STEP_SECONDS = positive(process.env.BENCH_STEP_SECONDS, 20);
const RATES = list(process.env.BENCH_DIAL_RATES, '50,100,200,300,350,400,500,600,800');
const CONCURRENCY = list(process.env.BENCH_DIAL_CONCURRENCY, '250,400,500,750,1000');
const HOLD_SECONDS = positive(process.env.BENCH_DIAL_HOLD_SECONDS, 60);
const RAMP_SECONDS = positive(process.env.BENCH_DIAL_RAMP_SECONDS, 10);
const BUDGET_SECONDS = positive(process.env.BENCH_BUDGET_SECONDS, 720);
const PHASES = new Set((process.env.BENCH_DIAL_PHASES ?? 'rate,bridged').split(',').map((s) => s.trim()));
const PROFILE = /^(rate|bridged):(\d+)$/.exec(process.env.BENCH_DIAL_PROFILE ?? '');
const TARGETS = { cps: 300, bridged: 500 };
/** The number dialed: owned by no account, so it leaves through the trunk. */
const OFF_NET = '+15559990001';
const HANGUP = '<Response><Hangup/></Response>';
/** RTP packets a second a call must carry each way (G.711 at 20 ms: 50). */
const MIN_PPS = 45;
/**
 * SIPp's media ports, clear of the server's (20000-29999): the caller's from the first free pair at 40000 or above
 * (as bench:voice), the UAS's echo and SIP ports from 38000.
 */
const UAS_PORTS_FROM = 38000;
const benchStart = performance.now();

function elapsed(): number {
  return (performance.now() - benchStart) / 1000;
}

const { sipp, sippVersion } = preflight('bench:dial');
if (HOLD_SECONDS < RAMP_SECONDS + 5) {
  console.error(`BENCH_DIAL_HOLD_SECONDS (${HOLD_SECONDS}) must be at least BENCH_DIAL_RAMP_SECONDS + 5 (${RAMP_SECONDS + 5}): media is measured while every call is up`);
  process.exit(1);
}
const SIPP_MEDIA_PORT = await freeUdpPorts(4, 40000);
const webhook = await startWebhook();
await webhook.ask(`mode dial ${OFF_NET}`);

// ---- the far end of the trunk: SIPp UASes for the whole run ------------------------------------------------

interface Uas {
  pid: number;
  port: number;
  /** Its cumulative counters (SIPp -trace_stat, rewritten each second). */
  counters(): { successful: number; failed: number; current: number; retransmissions: number };
  /** Size of its error log now, and the first lines written to it after such a mark. */
  errorMark(): number;
  errorsSince(mark: number): string[];
}

async function startUas(): Promise<Uas> {
  const dir = makeTempDir('patchbay-bench-dial-uas-');
  const port = await freeUdpPorts(1, UAS_PORTS_FROM + 10);
  const mediaPort = await freeUdpPorts(4, UAS_PORTS_FROM);
  const child = spawnPinned(SIPP_CORE, sipp, [
    '-sf', path.join(root, 'bench', 'fixtures', 'dial', 'uas-echo.xml'), '-i', '127.0.0.1', '-mi', '127.0.0.1',
    '-p', String(port), '-mp', String(mediaPort), '-rtp_echo',
    '-rtp_buffsize', String(4 * 2 ** 20), '-buff_size', String(4 * 2 ** 20), '-max_recv_loops', '10000',
    '-nostdin', '-cp', String(await freeUdpPort()), '-trace_stat', '-fd', '1', '-trace_err',
  ], { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-2000)));
  child.once('exit', (code, signal) => {
    if (!stopping) console.log(`      | the SIPp UAS exited (${code ?? signal}): ${stderr.trim().slice(-400)}`);
  });
  const counters = (): ReturnType<Uas['counters']> => {
    const csv = readdirSync(dir).find((f) => f.endsWith('_.csv'));
    const st = csv ? readStats(path.join(dir, csv)) : {};
    return {
      successful: Number(st['SuccessfulCall(C)'] ?? 0), failed: Number(st['FailedCall(C)'] ?? 0),
      current: Number(st['CurrentCall'] ?? 0), retransmissions: Number(st['Retransmissions(C)'] ?? 0),
    };
  };
  const errorLog = (): string | undefined => {
    const f = readdirSync(dir).find((n) => n.endsWith('_errors.log'));
    return f ? path.join(dir, f) : undefined;
  };
  const errorMark = (): number => {
    const f = errorLog();
    return f ? statSync(f).size : 0;
  };
  const errorsSince = (mark: number): string[] => {
    const f = errorLog();
    if (!f) return [];
    return readFileSync(f).subarray(mark, mark + 4000).toString('utf8').split('\n').filter((l) => l.trim()).slice(0, 4);
  };
  // SIPp writes its statistics file after its first second.
  for (let i = 0; i < 50 && !readdirSync(dir).some((f) => f.endsWith('_.csv')); i++) await sleep(100);
  return { pid: child.pid!, port, counters, errorMark, errorsSince };
}

let stopping = false;
/**
 * The far end: BENCH_DIAL_UAS SIPp instances (default 2), one trunk target each (equal priority and weight, so the
 * calls spread over them). SIPp echoes RTP on one socket and one thread per instance; at 25,000 packets a second a
 * single one falls behind and the kernel drops what it has not read, which would be counted against Patchbay.
 */
const uases: Uas[] = [];
for (let i = 0; i < Math.round(positive(process.env.BENCH_DIAL_UAS, 2)); i++) uases.push(await startUas());
const uas = {
  pids: uases.map((u) => u.pid),
  ports: uases.map((u) => u.port),
  counters(): ReturnType<Uas['counters']> {
    const total = { successful: 0, failed: 0, current: 0, retransmissions: 0 };
    for (const u of uases) {
      const c = u.counters();
      total.successful += c.successful;
      total.failed += c.failed;
      total.current += c.current;
      total.retransmissions += c.retransmissions;
    }
    return total;
  },
  errorMark: (): number[] => uases.map((u) => u.errorMark()),
  errorsSince: (marks: number[]): string[] => uases.flatMap((u, i) => u.errorsSince(marks[i] ?? 0)).slice(0, 4),
};
const uasCpu = (): number => uas.pids.reduce((sum, pid) => sum + cpuSeconds(pid), 0);

/**
 * The UAS's counters once it has counted `expected` calls since `base` (successful or failed), or after 8 s: the UAS
 * keeps each call 4 s after the BYE (its timewait, for a retransmitted BYE) before counting it, and SIPp rewrites its
 * statistics each second.
 */
async function uasSettled(base: ReturnType<Uas['counters']>, expected: number): Promise<ReturnType<Uas['counters']>> {
  const until = performance.now() + 8000;
  for (;;) {
    const u = uas.counters();
    if (u.successful + u.failed - base.successful - base.failed >= expected || performance.now() > until) return u;
    await sleep(250);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

// ---- the target and its trunk ------------------------------------------------------------------------------

async function rest(target: Target, method: string, url: string, params: Record<string, string>): Promise<Record<string, unknown>> {
  const res = await fetch(`${target.httpUrl}${url}`, {
    method,
    headers: {
      authorization: `Basic ${Buffer.from(`${target.accountSid}:${target.authToken}`).toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: new URLSearchParams(params).toString(),
  });
  const body = (await res.json()) as Record<string, unknown>;
  if (res.status >= 300) throw new Error(`${method} ${url}: ${res.status} ${JSON.stringify(body)}`);
  return body;
}

/** A Patchbay whose owner account has a BYOC trunk to the UAS and no practical calls-per-second limit. */
async function startDialTarget(profileDir?: string): Promise<Target> {
  const target = await startTarget(`http://127.0.0.1:${webhook.port}/answer`, profileDir);
  const policy = await rest(target, 'POST', '/v1/ConnectionPolicies', { FriendlyName: 'bench far end' });
  for (const port of uas.ports) {
    await rest(target, 'POST', `/v1/ConnectionPolicies/${policy.sid as string}/Targets`, { Target: `sip:127.0.0.1:${port}` });
  }
  await rest(target, 'POST', '/v1/ByocTrunks', { FriendlyName: 'bench trunk', ConnectionPolicySid: policy.sid as string });
  await rest(target, 'POST', `/2010-04-01/Accounts/${target.accountSid}.json`, { PatchbayCallsPerSecond: '10000' });
  return target;
}

/** Status changes heard on the target's bus since the last ask: `direction status` → count, first, last (ms). */
type Heard = Record<string, { n: number; first: number; last: number } | undefined>;
async function heard(target: Target): Promise<Heard> {
  return (await target.ask('calls')) as Heard;
}

/** Calls of one direction that ended in a status other than completed, as "3 failed, 1 busy". */
function unsuccessful(h: Heard, direction: string): { n: number; text: string } {
  let n = 0;
  const parts: string[] = [];
  for (const status of ['failed', 'busy', 'no-answer', 'canceled']) {
    const c = h[`${direction} ${status}`]?.n ?? 0;
    if (c > 0) parts.push(`${c} ${status}`);
    n += c;
  }
  return { n, text: parts.join(', ') };
}

// ---- (a) call attempts per second ---------------------------------------------------------------------------

interface Loader {
  pid: number;
  ask(line: string, ms?: number): Promise<Record<string, unknown>>;
}

async function startLoader(target: Target): Promise<Loader> {
  const lc = lineChild(spawnPinned(SIPP_CORE, process.execPath, ['--import', 'tsx', path.join(root, 'bench', 'dial-load.ts'), target.httpUrl, target.accountSid], {
    cwd: root, stdio: ['pipe', 'pipe', 'inherit'], env: { ...process.env, BENCH_DIAL_AUTH_TOKEN: target.authToken },
  }), 'the load generator');
  const hello = await lc.next();
  return { pid: hello.pid as number, ask: lc.ask };
}

interface LoadResult {
  sent: number;
  created: number;
  errors: Record<string, number>;
  spanS: number;
  p50Ms: number | null;
  p99Ms: number | null;
}

interface RateStep {
  rate: number;
  calls: number;
  load: LoadResult;
  completed: number;
  failed: number;
  failedText: string;
  /** Completed calls a second, first `initiated` → last `completed` on the server. */
  achieved: number;
  uas: { successful: number; failed: number; retransmissions: number };
  /** The first lines of the UAS's error log during the step, when it failed calls. */
  uasErrors: string[];
  /** Seconds from the last POST's answer until the server held no call. */
  drainS: number;
  /**
   * The server's longest event-loop delay (ms, sampled each second), and the SIP datagrams the kernel dropped (full
   * receive buffer) on its socket and on the UAS's.
   */
  loopMaxMs: number;
  drops: { sut: number; uas: number };
  targetCpu: number;
  sippCpu: number;
  otherCpu: number;
  passed: boolean;
  verdict: string;
}

async function rateStep(target: Target, loader: Loader, rate: number, seconds: number): Promise<RateStep> {
  const calls = Math.max(1, Math.round(rate * seconds));
  await heard(target); // reset
  const uas0 = uas.counters();
  const mark = uas.errorMark();
  const cpu0 = { target: cpuSeconds(target.pid), sipp: uasCpu() + cpuSeconds(loader.pid) + cpuSeconds(webhook.pid), machine: machineBusySeconds() };
  const started = performance.now();
  const show = progress(`${rate} calls/s`);
  const drops0 = { sut: udpSocketDrops([target.sipPort]), uas: udpSocketDrops(uas.ports) };
  let loopMaxMs = 0;
  const sampler = setInterval(() => {
    targetStats(target).then((s) => {
      loopMaxMs = Math.max(loopMaxMs, s.loopMaxMs ?? 0);
      const u = uas.counters();
      show({ elapsedS: (performance.now() - started) / 1000, successful: u.successful - uas0.successful, failed: u.failed - uas0.failed, current: (s.outboundLive ?? 0) + (s.outboundQueued ?? 0) });
    }, () => undefined);
  }, 1000);
  const load = (await loader.ask(JSON.stringify({ rate, calls, to: OFF_NET, from: '+15005550006', twiml: HANGUP }), (seconds + 120) * 1000)) as unknown as LoadResult;
  const loaded = performance.now();
  // CPU over the sending window: the drain below can last 30 s of idling after an overload.
  const wallS = (loaded - started) / 1000;
  const targetCpu = (cpuSeconds(target.pid) - cpu0.target) / wallS;
  const sippCpu = (uasCpu() + cpuSeconds(loader.pid) + cpuSeconds(webhook.pid) - cpu0.sipp) / wallS;
  const otherCpu = Math.max(0, (machineBusySeconds() - cpu0.machine) / wallS - targetCpu - sippCpu);
  const left = await drained(target, 30_000);
  const drainS = (performance.now() - loaded) / 1000;
  clearInterval(sampler);
  const drops = { sut: udpSocketDrops([target.sipPort]) - drops0.sut, uas: udpSocketDrops(uas.ports) - drops0.uas };
  clearLive();
  const h = await heard(target);
  const u = await uasSettled(uas0, h['outbound-api in-progress']?.n ?? 0);
  const done = h['outbound-api completed'];
  const completed = done?.n ?? 0;
  const bad = unsuccessful(h, 'outbound-api');
  const first = h['outbound-api initiated']?.first;
  const achieved = done && first !== undefined && done.last > first ? completed / ((done.last - first) / 1000) : 0;
  const uasStep = { successful: u.successful - uas0.successful, failed: u.failed - uas0.failed, retransmissions: u.retransmissions - uas0.retransmissions };
  const verdicts: string[] = [];
  const httpErrors = Object.entries(load.errors);
  if (load.created < calls) verdicts.push(`${calls - load.created} POSTs refused (${httpErrors.map(([k, n]) => `${n}× ${k}`).join('; ').slice(0, 200)})`);
  if (bad.n > 0) verdicts.push(`${bad.n} calls not completed (${bad.text})`);
  if (completed + bad.n < load.created) verdicts.push(`${load.created - completed - bad.n} calls not ended`);
  if (left > 0) verdicts.push(`${left} calls still queued or live 30 s after the last POST`);
  if (uasStep.failed > 0) verdicts.push(`${uasStep.failed} failed at the UAS`);
  if (uasStep.successful < completed) verdicts.push(`the UAS counted ${uasStep.successful} of ${completed} calls`);
  if (calls > 1 && load.spanS > 0 && (calls - 1) / load.spanS < 0.95 * rate) verdicts.push(`the load generator offered only ${Math.round((calls - 1) / load.spanS)} POSTs/s`);
  if (calls > 1 && achieved < 0.95 * rate) verdicts.push(`only ${Math.round(achieved)} calls/s achieved`);
  return {
    rate, calls, load, completed, failed: bad.n + Math.max(0, calls - completed - bad.n), failedText: bad.text, achieved, uas: uasStep,
    uasErrors: uasStep.failed > 0 ? uas.errorsSince(mark) : [], drainS, loopMaxMs, drops,
    targetCpu, sippCpu, otherCpu, passed: verdicts.length === 0, verdict: verdicts.join('; ') || 'ok',
  };
}

const RATE_HEADER = '  calls/s   calls completed failed  UAS ok retrans achieved  POST p50    p99  drain s  loop max ms  drops sut/uas   CPU sut  sipp+load  other  verdict';
function rateRow(s: RateStep): string {
  return `  ${String(s.rate).padStart(7)} ${String(s.calls).padStart(7)} ${String(s.completed).padStart(9)} ${String(s.failed).padStart(6)}`
    + ` ${String(s.uas.successful).padStart(7)} ${String(s.uas.retransmissions).padStart(7)} ${Math.round(s.achieved).toString().padStart(8)}`
    + `    ${num(s.load.p50Ms)} ${num(s.load.p99Ms)}   ${num(s.drainS)}       ${num(s.loopMaxMs, 0)} ${`${s.drops.sut}/${s.drops.uas}`.padStart(14)}`
    + `   ${pct(s.targetCpu)}      ${pct(s.sippCpu)} ${pct(s.otherCpu)}  ${s.verdict}`;
}

// ---- (b) bridged calls --------------------------------------------------------------------------------------

interface MediaWindow {
  calls: number;
  measured: number;
  seconds: number;
  below: number;
  inPps: number;
  outPps: number;
  minInPps: number;
  minOutPps: number;
}

interface BridgedStep {
  calls: number;
  run: RunResult;
  peakLive: number;
  media: MediaWindow | null;
  childrenCompleted: number;
  childrenFailed: string;
  uas: { successful: number; failed: number };
  uasErrors: string[];
  passed: boolean;
  verdict: string;
}

async function bridgedStep(target: Target, calls: number, audio: string): Promise<BridgedStep> {
  await heard(target); // reset
  const uas0 = uas.counters();
  const mark = uas.errorMark();
  const rate = Math.max(1, Math.ceil(calls / RAMP_SECONDS));
  const started = performance.now();
  let peakLive = 0;
  // Media check: every call is up from the end of the ramp until the first call's hold ends (HOLD s after the
  // start): a first `media` (the baseline) a fifth into that span, a second four fifths in; each call's packets a
  // second each way over that window.
  const allUpS = HOLD_SECONDS - RAMP_SECONDS;
  let baselineAt = 0;
  let media: MediaWindow | null = null;
  let busy = false;
  const sampler = setInterval(() => {
    if (busy) return;
    busy = true;
    void (async () => {
      const s = await targetStats(target);
      const live = s.liveCalls ?? 0;
      if (live > peakLive) peakLive = live;
      const t = (performance.now() - started) / 1000;
      if (live !== calls || media) return;
      if (!baselineAt && t >= RAMP_SECONDS + 0.2 * allUpS) {
        await target.ask(`media ${MIN_PPS}`);
        baselineAt = t;
      } else if (baselineAt && t >= RAMP_SECONDS + 0.8 * allUpS) {
        media = (await target.ask(`media ${MIN_PPS}`)) as unknown as MediaWindow;
      }
    })().catch(() => undefined).finally(() => (busy = false));
  }, 1000);
  const run = await runSippScenario({
    sipp, scenario: 'uac-media.xml', vars: { HOLD_MS: HOLD_SECONDS * 1000, AUDIO: audio },
    destination: `127.0.0.1:${target.sipPort}`, service: target.number, rate, calls, limit: calls,
    timeoutS: RAMP_SECONDS + HOLD_SECONDS + 40, mediaPort: SIPP_MEDIA_PORT, targetPid: target.pid, helperPids: [webhook.pid, ...uas.pids],
    onProgress: progress(`${calls} bridged calls`),
  });
  clearInterval(sampler);
  while (busy) await sleep(50);
  clearLive();
  const left = await drained(target, 30_000);
  const h = await heard(target);
  const u = await uasSettled(uas0, h['outbound-dial in-progress']?.n ?? 0);
  const childrenCompleted = h['outbound-dial completed']?.n ?? 0;
  const children = unsuccessful(h, 'outbound-dial');
  const uasStep = { successful: u.successful - uas0.successful, failed: u.failed - uas0.failed };
  const m = media as MediaWindow | null;
  const verdicts: string[] = [];
  if (run.failed > 0) verdicts.push(`${run.failed} failed calls`);
  if (run.peakOpen < calls) verdicts.push(`only ${run.peakOpen} calls open at once`);
  if (children.n > 0) verdicts.push(`${children.n} child calls not completed (${children.text})`);
  else if (childrenCompleted < calls) verdicts.push(`${childrenCompleted} of ${calls} child calls completed`);
  if (uasStep.failed > 0) verdicts.push(`${uasStep.failed} failed at the UAS`);
  if (!m) verdicts.push('media not measured (the calls were never all up for the window)');
  else if (m.measured < calls) verdicts.push(`media measured on ${m.measured} of ${calls} calls`);
  else if (m.below > 0) verdicts.push(`${m.below} calls below ${MIN_PPS} RTP pkt/s (slowest in ${m.minInPps.toFixed(1)}, out ${m.minOutPps.toFixed(1)})`);
  if (left > 0) verdicts.push(`${left} calls still live 30 s after the step`);
  return {
    calls, run, peakLive, media: m, childrenCompleted, childrenFailed: children.text, uas: uasStep,
    uasErrors: uasStep.failed > 0 ? uas.errorsSince(mark) : [],
    passed: verdicts.length === 0, verdict: verdicts.join('; ') || 'ok',
  };
}

const BRIDGED_HEADER = '    calls  ramp/s   ok  failed  peak open (sipp/server)  children ok  RTP pkt/s a call in  out  slowest in  out  PDD p50   p99   CPU sut  sipp  uas+app  other  verdict';
function bridgedRow(s: BridgedStep): string {
  const r = s.run;
  const m = s.media;
  return `  ${String(s.calls).padStart(7)} ${String(Math.ceil(s.calls / RAMP_SECONDS)).padStart(7)} ${String(r.successful).padStart(5)} ${String(r.failed).padStart(7)}`
    + `  ${`${r.peakOpen}/${s.peakLive}`.padStart(23)}  ${String(s.childrenCompleted).padStart(11)}  ${num(m ? m.inPps : null).padStart(19)} ${num(m ? m.outPps : null, 1).padStart(4)}`
    + `  ${num(m ? m.minInPps : null).padStart(10)} ${num(m ? m.minOutPps : null, 1).padStart(4)}  ${num(percentile(r.rtts, 50))} ${num(percentile(r.rtts, 99))}`
    + `   ${pct(r.targetCpu)} ${pct(r.sippCpu)}    ${pct(r.helperCpu)} ${pct(r.otherCpu)}  ${s.verdict}`;
}

// ---- run ----------------------------------------------------------------------------------------------------

const tmp = makeTempDir('patchbay-bench-dial-');
const audio = path.join(tmp, 'tone-pcmu.raw');
writeUlawTone(audio);

/** One call of each kind, so that the first step does not pay for start-up (JIT, the first webhook, ports). */
async function prewarm(target: Target, loader: Loader): Promise<void> {
  const a = await rateStep(target, loader, 1, 1);
  const b = PHASES.has('bridged') || PROFILE?.[1] === 'bridged'
    ? await runSippScenario({
      sipp, scenario: 'uac-media.xml', vars: { HOLD_MS: 1000, AUDIO: audio }, destination: `127.0.0.1:${target.sipPort}`, service: target.number,
      rate: 1, calls: 1, limit: 1, timeoutS: 30, mediaPort: SIPP_MEDIA_PORT, targetPid: target.pid,
    })
    : null;
  console.log(`  pre-warm: 1 outbound call: ${a.verdict}${b ? `; 1 bridged call: ${b.failed} failed` : ''}`);
  if (b?.errors) console.log(`  ${b.errors.split('\n').join('\n  ')}`);
  await drained(target);
  await heard(target);
}

function stopAll(): void {
  stopping = true;
  killAll();
}

if (PROFILE) {
  const [, kind, value] = PROFILE;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'patchbay-bench-dial-prof-')); // kept: its path is printed
  console.log(`bench:dial profile — Patchbay target under node --cpu-prof, ${kind === 'rate' ? `${STEP_SECONDS} s at ${value} calls/s` : `${value} bridged calls, ${HOLD_SECONDS} s hold`}`);
  const target = await startDialTarget(dir);
  const loader = await startLoader(target);
  await prewarm(target, loader);
  if (kind === 'rate') {
    console.log(RATE_HEADER);
    console.log(rateRow(await rateStep(target, loader, Number(value), STEP_SECONDS)));
  } else {
    console.log(BRIDGED_HEADER);
    console.log(bridgedRow(await bridgedStep(target, Number(value), audio)));
  }
  await stop(target.child, 15_000);
  const printed = printHotSpots(dir, root, 'startup');
  stopAll();
  process.exit(printed ? 0 : 1);
}

console.log(`bench:dial — ${sippVersion}; Patchbay (startServer, SQLite) on core ${SUT_CORE}; trunk far end (SIPp UAS -rtp_echo), caller SIPp, webhook and HTTP load on core ${SIPP_CORE}; load before start ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
const target = await startDialTarget();
const loader = await startLoader(target);
await prewarm(target, loader);

const rateSteps: RateStep[] = [];
if (PHASES.has('rate')) {
  console.log(`\n(a) call attempts per second — POST Calls.json To ${OFF_NET} (BYOC trunk → SIPp UAS), Twiml ${HANGUP}; ${STEP_SECONDS} s a step; POST = HTTP time (ms); drain = last POST → no call left (s)`);
  console.log(RATE_HEADER);
  const bridgedBudget = PHASES.has('bridged') ? Math.min(3, CONCURRENCY.length) * (RAMP_SECONDS + HOLD_SECONDS + 15) : 0;
  for (const rate of RATES) {
    if (elapsed() + STEP_SECONDS + 10 > BUDGET_SECONDS - bridgedBudget) {
      console.log(`  (time budget: ${rate} calls/s and above not run)`);
      break;
    }
    let s = await rateStep(target, loader, rate, STEP_SECONDS);
    // A step that failed while other processes were busy is run again (twice at most, time allowing).
    for (let retry = 1; !s.passed && noisy(s) && retry <= 2 && elapsed() + STEP_SECONDS + 30 <= BUDGET_SECONDS - bridgedBudget; retry++) {
      console.log(`${rateRow(s)}  → busy machine, step run again`);
      for (const line of s.uasErrors) console.log(`      | uas: ${line.slice(0, 400)}`);
      await drained(target);
      s = await rateStep(target, loader, rate, STEP_SECONDS);
    }
    console.log(rateRow(s));
    for (const line of s.uasErrors) console.log(`      | uas: ${line.slice(0, 400)}`);
    rateSteps.push(s);
    if (!s.passed) break;
  }
}

const bridgedSteps: BridgedStep[] = [];
if (PHASES.has('bridged')) {
  console.log(`\n(b) bridged calls — SIPp rtp_stream G.711 µ-law looped → <Dial><Number>${OFF_NET}</Number></Dial> → trunk → SIPp UAS -rtp_echo; ramp ${RAMP_SECONDS} s, hold ${HOLD_SECONDS} s, the caller hangs up`);
  console.log(BRIDGED_HEADER);
  for (const calls of CONCURRENCY) {
    if (elapsed() + RAMP_SECONDS + HOLD_SECONDS + 15 > BUDGET_SECONDS) {
      console.log(`  (time budget: ${calls} calls and above not run)`);
      break;
    }
    let s = await bridgedStep(target, calls, audio);
    if (!s.passed && noisy(s.run) && elapsed() + 2 * (RAMP_SECONDS + HOLD_SECONDS + 15) <= BUDGET_SECONDS) {
      console.log(`${bridgedRow(s)}  → busy machine, step run again`);
      s = await bridgedStep(target, calls, audio);
    }
    console.log(bridgedRow(s));
    if (s.run.errors) console.log(s.run.errors.split('\n').map((l) => `      | ${l.slice(0, 150)}`).join('\n'));
    for (const line of s.uasErrors) console.log(`      | uas: ${line.slice(0, 400)}`);
    bridgedSteps.push(s);
    if (!s.passed) break;
  }
}

const after = await targetStats(target).catch(() => undefined);
if (after) console.log(`\n  target afterwards: rss ${after.rssMiB} MiB, heap ${after.heapMiB} MiB, ${after.liveCalls} live inbound calls, ${after.outboundLive} outbound, ${after.outboundQueued} queued`);
await stop(target.child, 10_000);
for (const [line, n] of [...target.stderr].filter(([, c]) => c > 1)) console.log(`  target stderr ×${n}: ${line.slice(0, 160)}`);

// ---- summary and results ------------------------------------------------------------------------------------

const bestRate = rateSteps.filter((s) => s.passed).sort((a, b) => b.rate - a.rate)[0];
const bestBridged = bridgedSteps.filter((s) => s.passed).sort((a, b) => b.calls - a.calls)[0];
const rateFail = rateSteps.find((s) => !s.passed);
const bridgedFail = bridgedSteps.find((s) => !s.passed);

console.log('\nResult');
if (PHASES.has('rate')) {
  console.log(`  call attempts: ${bestRate ? `${bestRate.rate} calls/s through the trunk with zero failures` : 'no step passed'} (target ≥ ${TARGETS.cps})`
    + (rateFail ? `; ${rateFail.rate} calls/s: ${rateFail.verdict}, server CPU ${pct(rateFail.targetCpu).trim()}` : '; end of the ladder (a lower bound)'));
}
if (PHASES.has('bridged')) {
  console.log(`  bridged calls (two G.711 legs each) on one core for ${HOLD_SECONDS} s: ${bestBridged ? bestBridged.calls : 'none'} (target ≥ ${TARGETS.bridged})`
    + (bridgedFail ? `; ${bridgedFail.calls}: ${bridgedFail.verdict}, server CPU ${pct(bridgedFail.run.targetCpu).trim()}` : '; end of the ladder (a lower bound)'));
}
if (rateFail || bridgedFail) {
  console.log(`  profile the failing step: BENCH_DIAL_PROFILE=${rateFail ? `rate:${rateFail.rate}` : `bridged:${bridgedFail!.calls}`} npm run bench:dial`);
}

type NotedFigure = Figure & { note?: string };
const niced = process.env.BENCH_SIP_NICE ? `; every bench process at nice ${Number(process.env.BENCH_SIP_NICE)} (BENCH_SIP_NICE, a shared machine)` : '';
const figures: Record<string, NotedFigure> = {};
if (PHASES.has('rate')) {
  figures.max_call_attempts_per_second = {
    value: bestRate?.rate ?? 0, unit: 'calls/s', target: TARGETS.cps, better: 'higher', reference: null,
    note: `${STEP_SECONDS} s steps at ${rateSteps.map((s) => s.rate).join(', ')} calls/s: POST Calls.json (Twiml <Hangup/>) → BYOC trunk → ${sippVersion} UAS (180/200/ACK, BYE from Patchbay); every call completed, ≥ 95 % of the rate achieved`
      + (rateFail ? `; stopped at ${rateFail.rate}: ${rateFail.verdict}` : '; ladder ended without a failure: lower bound') + niced,
  };
  if (bestRate) {
    figures.post_calls_p50_ms = {
      value: bestRate.load.p50Ms ?? 0, unit: 'ms', target: null, better: 'lower', reference: null,
      note: `POST Calls.json → 201 at ${bestRate.rate} calls/s, from the load generator`,
    };
  }
}
if (PHASES.has('bridged')) {
  figures.max_bridged_calls_per_core = {
    value: bestBridged?.calls ?? 0, unit: 'calls', target: TARGETS.bridged, better: 'higher', reference: null,
    note: `steps ${bridgedSteps.map((s) => s.calls).join(', ')}: ramp ${RAMP_SECONDS} s, hold ${HOLD_SECONDS} s; SIPp rtp_stream PCMU → <Dial><Number> → trunk → SIPp -rtp_echo, each call's inbound leg ≥ ${MIN_PPS} RTP pkt/s each way`
      + (bridgedFail ? `; stopped at ${bridgedFail.calls}: ${bridgedFail.verdict}` : '; ladder ended without a failure: lower bound') + niced,
  };
}
console.log(`  written to ${writeResults('dial', figures)} after ${Math.round(elapsed())} s; load now ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
stopAll();
process.exit(0);

// npm run bench:voice — the inbound voice path end to end on one core: a full Patchbay (bench/voice-target.ts,
// startServer + one number made through the REST API) pinned to core 0; the number's application
// (bench/voice-webhook.ts) and SIPp, the caller, on core 1. Three figures:
//  (a) call rate: SIPp INVITEs (with SDP) at stepped rates; the application answers <Play> of a cached 1 s prompt and
//      <Hangup/>; SIPp ACKs, receives the prompt and answers Patchbay's BYE. The highest rate with zero failed calls
//      (and ≥ 95 % of it achieved) counts; the ladder stops at the first step that does not pass.
//  (b) post-dial delay (INVITE → 200 OK, SIPp -trace_rtt) p50/p99 at a moderate rate, next to the webhook's own time
//      measured inside the webhook process (request seen → response written).
//  (c) concurrent calls with two-way media: SIPp streams G.711 (rtp_stream, looped) while the application plays
//      <Play loop="0">; N calls ramp up over BENCH_VOICE_RAMP_SECONDS, hold BENCH_VOICE_HOLD_SECONDS (default 60),
//      then SIPp hangs up. The highest N with zero failed calls counts.
//
// Environment: BENCH_STEP_SECONDS (default 20), BENCH_VOICE_RATES (calls/s, comma-separated), BENCH_VOICE_PDD_RATE
// (default 100), BENCH_VOICE_CONCURRENCY (comma-separated), BENCH_VOICE_HOLD_SECONDS (default 60),
// BENCH_VOICE_RAMP_SECONDS (default 10), BENCH_BUDGET_SECONDS (default 480: steps that would end later are skipped),
// BENCH_VOICE_PHASES (default "rate,media"), BENCH_VOICE_PROFILE=rate:<cps> | media:<calls> (run the target under
// node --cpu-prof for that one step and print its hot spots instead).
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Figure, writeResults } from './results.js';
import { printHotSpots } from './sip-profile.js';
import { killAll, makeTempDir, stop } from './sip-procs.js';
import { SIPP_CORE, SUT_CORE } from './sip-sipp.js';
import {
  type Target, clearLive, drained, list, noisy, num, pct, positive, preflight, progress, startTarget, startWebhook, targetStats,
} from './voice-procs.js';
import { type RunResult, percentile, runSippScenario, writeUlawTone } from './voice-sipp.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..');
const STEP_SECONDS = positive(process.env.BENCH_STEP_SECONDS, 20);
const RATES = list(process.env.BENCH_VOICE_RATES, '25,50,100,200,300,400,500,600,800');
const PDD_RATE = positive(process.env.BENCH_VOICE_PDD_RATE, 100);
const CONCURRENCY = list(process.env.BENCH_VOICE_CONCURRENCY, '250,500,1000,1500,2000');
const HOLD_SECONDS = positive(process.env.BENCH_VOICE_HOLD_SECONDS, 60);
const RAMP_SECONDS = positive(process.env.BENCH_VOICE_RAMP_SECONDS, 10);
const BUDGET_SECONDS = positive(process.env.BENCH_BUDGET_SECONDS, 480);
const PHASES = new Set((process.env.BENCH_VOICE_PHASES ?? 'rate,media').split(',').map((s) => s.trim()));
const PROFILE = /^(rate|media):(\d+)$/.exec(process.env.BENCH_VOICE_PROFILE ?? '');
const TARGETS = { cps: 300, pddBeyondWebhookMs: 10, concurrent: 1000 };
/** SIPp's media ports: well above the server's RTP range (20000-29999). */
const SIPP_MEDIA_PORT = 40000;
const benchStart = performance.now();

function elapsed(): number {
  return (performance.now() - benchStart) / 1000;
}

const { sipp, sippVersion } = preflight('bench:voice');
const webhook = await startWebhook();

// ---- (a) + (b): call rate and post-dial delay --------------------------------------------------------------

interface RateStep {
  rate: number;
  run: RunResult;
  webhook: { p50Ms: number | null; p99Ms: number | null; requests: number };
  p50: number | null;
  p99: number | null;
  passed: boolean;
  verdict: string;
}

async function rateStep(target: Target, rate: number, seconds: number): Promise<RateStep> {
  await webhook.ask('stats'); // reset
  const calls = Math.max(1, Math.round(rate * seconds));
  const run = await runSippScenario({
    sipp, scenario: 'uac-prompt.xml', destination: `127.0.0.1:${target.sipPort}`, service: target.number,
    rate, calls, limit: Math.max(200, rate * 10), timeoutS: seconds + 30, mediaPort: SIPP_MEDIA_PORT,
    targetPid: target.pid, helperPids: [webhook.pid], onProgress: progress(`${rate} calls/s`),
  });
  clearLive();
  const wh = (await webhook.ask('stats')) as RateStep['webhook'];
  const verdicts: string[] = [];
  if (run.failed > 0) verdicts.push(`${run.failed} failed calls`);
  if (run.achievedCps < 0.95 * rate) verdicts.push(`only ${Math.round(run.achievedCps)} calls/s achieved`);
  if (run.errors && run.failed === 0) verdicts.push(run.errors.split('\n')[0]!);
  return {
    rate, run, webhook: wh, p50: percentile(run.rtts, 50), p99: percentile(run.rtts, 99),
    passed: verdicts.length === 0, verdict: verdicts.join('; ') || 'ok',
  };
}

const RATE_HEADER = '  calls/s   calls  failed retrans achieved  PDD p50    p99  webhook p50    p99   CPU sut  sipp  webhook other  verdict';
function rateRow(s: RateStep): string {
  const r = s.run;
  return `  ${String(s.rate).padStart(7)} ${String(r.successful).padStart(7)} ${String(r.failed).padStart(7)} ${String(r.retransmissions).padStart(7)}`
    + ` ${Math.round(r.achievedCps).toString().padStart(8)}   ${num(s.p50)} ${num(s.p99)}       ${num(s.webhook.p50Ms, 2)} ${num(s.webhook.p99Ms, 2)}`
    + `   ${pct(r.targetCpu)} ${pct(r.sippCpu)}   ${pct(r.helperCpu)} ${pct(r.otherCpu)}  ${s.verdict}`;
}

// ---- (c): concurrent calls with two-way media -------------------------------------------------------------

interface MediaStep {
  calls: number;
  run: RunResult;
  peakLive: number;
  /** RTP packets per second per live call during the hold, as the server counted them (null: not measured). */
  inPps: number | null;
  outPps: number | null;
  passed: boolean;
  verdict: string;
}

async function mediaStep(target: Target, calls: number, audio: string): Promise<MediaStep> {
  const rate = Math.max(1, Math.ceil(calls / RAMP_SECONDS));
  let peakLive = 0;
  // Two-way media check: two samples of the server's RTP counters a few seconds apart in the middle of the hold,
  // while every call is up; packets per second per call each way (G.711 at 20 ms: 50).
  let samples: Array<{ at: number; live: number; sent: number; received: number }> = [];
  const sampler = setInterval(() => {
    targetStats(target).then((s) => {
      if ((s.liveCalls ?? 0) > peakLive) peakLive = s.liveCalls!;
      samples.push({ at: performance.now(), live: s.liveCalls ?? 0, sent: s.rtpSent ?? -1, received: s.rtpReceived ?? -1 });
    }, () => undefined);
  }, 2000);
  const run = await runSippScenario({
    sipp, scenario: 'uac-media.xml', vars: { HOLD_MS: HOLD_SECONDS * 1000, AUDIO: audio },
    destination: `127.0.0.1:${target.sipPort}`, service: target.number, rate, calls, limit: calls,
    timeoutS: RAMP_SECONDS + HOLD_SECONDS + 40, mediaPort: SIPP_MEDIA_PORT, targetPid: target.pid, helperPids: [webhook.pid],
    onProgress: progress(`${calls} calls`),
  });
  clearInterval(sampler);
  clearLive();
  samples = samples.filter((x) => x.live === calls && x.sent >= 0);
  let inPps: number | null = null;
  let outPps: number | null = null;
  if (samples.length >= 2) {
    const a = samples[Math.floor(samples.length / 4)]!;
    const b = samples[Math.max(Math.floor(samples.length / 4) + 1, Math.floor((samples.length * 3) / 4))]!;
    const s = (b.at - a.at) / 1000;
    inPps = (b.received - a.received) / s / calls;
    outPps = (b.sent - a.sent) / s / calls;
  }
  const verdicts: string[] = [];
  if (run.failed > 0) verdicts.push(`${run.failed} failed calls`);
  if (run.peakOpen < calls) verdicts.push(`only ${run.peakOpen} calls open at once`);
  if (inPps !== null && inPps < 45) verdicts.push(`RTP in ${inPps.toFixed(1)} pkt/s a call (< 45 of 50)`);
  if (outPps !== null && outPps < 45) verdicts.push(`RTP out ${outPps.toFixed(1)} pkt/s a call (< 45 of 50)`);
  return { calls, run, peakLive, inPps, outPps, passed: verdicts.length === 0, verdict: verdicts.join('; ') || 'ok' };
}

const MEDIA_HEADER = '    calls  ramp/s   ok  failed  peak open (sipp/server)  RTP pkt/s a call in  out  PDD p50   p99   CPU sut  sipp  other  verdict';
function mediaRow(s: MediaStep): string {
  const r = s.run;
  return `  ${String(s.calls).padStart(7)} ${String(Math.ceil(s.calls / RAMP_SECONDS)).padStart(7)} ${String(r.successful).padStart(5)} ${String(r.failed).padStart(7)}`
    + `  ${`${r.peakOpen}/${s.peakLive}`.padStart(23)}  ${num(s.inPps).padStart(19)} ${num(s.outPps, 1).padStart(4)}  ${num(percentile(r.rtts, 50))} ${num(percentile(r.rtts, 99))}`
    + `   ${pct(r.targetCpu)} ${pct(r.sippCpu)} ${pct(r.otherCpu)}  ${s.verdict}`;
}

// ---- run ----------------------------------------------------------------------------------------------------

const tmp = makeTempDir('patchbay-bench-voice-');
const audio = path.join(tmp, 'tone-pcmu.raw');
writeUlawTone(audio);

async function prewarm(target: Target): Promise<void> {
  const w = await rateStep(target, 1, 1);
  const s = await targetStats(target);
  console.log(`  pre-warm: 1 call, ${w.run.failed} failed, media cache ${s.cacheFetches} fetch(es), ${s.cacheHits} hit(s)`);
  if (w.run.failed > 0) console.log(`  ${w.run.errors.split('\n').join('\n  ')}`);
  await drained(target);
}

if (PROFILE) {
  const [, kind, value] = PROFILE;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'patchbay-bench-voice-prof-')); // kept: its path is printed
  console.log(`bench:voice profile — Patchbay target under node --cpu-prof, ${kind === 'rate' ? `${STEP_SECONDS} s at ${value} calls/s` : `${value} concurrent calls with media, ${HOLD_SECONDS} s hold`}`);
  const target = await startTarget(`http://127.0.0.1:${webhook.port}/answer`, dir);
  await prewarm(target);
  if (kind === 'rate') {
    console.log(RATE_HEADER);
    console.log(rateRow(await rateStep(target, Number(value), STEP_SECONDS)));
  } else {
    await webhook.ask('mode hold');
    console.log(MEDIA_HEADER);
    console.log(mediaRow(await mediaStep(target, Number(value), audio)));
  }
  await stop(target.child, 15_000);
  const printed = printHotSpots(dir, root, 'startup');
  killAll();
  process.exit(printed ? 0 : 1);
}

console.log(`bench:voice — ${sippVersion}; Patchbay (startServer, SQLite) on core ${SUT_CORE}; webhook + SIPp on core ${SIPP_CORE}; load before start ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
const target = await startTarget(`http://127.0.0.1:${webhook.port}/answer`);
await prewarm(target);

const rateSteps: RateStep[] = [];
if (PHASES.has('rate')) {
  console.log(`\n(a) call rate — INVITE/200/ACK, <Play> 1 s cached prompt, <Hangup/> (BYE from Patchbay); ${STEP_SECONDS} s a step; PDD = INVITE→200 (ms), webhook = its own time (ms)`);
  console.log(RATE_HEADER);
  const mediaBudget = PHASES.has('media') ? Math.min(3, CONCURRENCY.length) * (RAMP_SECONDS + HOLD_SECONDS + 10) : 0;
  for (const rate of RATES) {
    if (elapsed() + STEP_SECONDS + 5 > BUDGET_SECONDS - mediaBudget) {
      console.log(`  (time budget: ${rate} calls/s and above not run)`);
      break;
    }
    let s = await rateStep(target, rate, STEP_SECONDS);
    // Other processes on a shared machine can take the core from the server: a step that failed while they were
    // busy is run again (twice at most, time allowing) before it counts.
    for (let retry = 1; !s.passed && noisy(s.run) && retry <= 2 && elapsed() + STEP_SECONDS + 25 <= BUDGET_SECONDS - mediaBudget; retry++) {
      console.log(`${rateRow(s)}  → busy machine, step run again`);
      await drained(target);
      s = await rateStep(target, rate, STEP_SECONDS);
    }
    console.log(rateRow(s));
    if (s.run.errors) console.log(s.run.errors.split('\n').map((l) => `      | ${l.slice(0, 150)}`).join('\n'));
    rateSteps.push(s);
    const left = await drained(target);
    if (left > 0) console.log(`      | ${left} calls still live on the server 20 s after the step`);
    if (!s.passed) break;
  }
}

const mediaSteps: MediaStep[] = [];
if (PHASES.has('media')) {
  await webhook.ask('mode hold');
  console.log(`\n(c) concurrent calls with two-way media — SIPp rtp_stream G.711 µ-law looped, Patchbay <Play loop="0">; ramp ${RAMP_SECONDS} s, hold ${HOLD_SECONDS} s, SIPp hangs up`);
  console.log(MEDIA_HEADER);
  for (const calls of CONCURRENCY) {
    if (elapsed() + RAMP_SECONDS + HOLD_SECONDS + 10 > BUDGET_SECONDS) {
      console.log(`  (time budget: ${calls} calls and above not run)`);
      break;
    }
    let s = await mediaStep(target, calls, audio);
    if (!s.passed && noisy(s.run) && elapsed() + 2 * (RAMP_SECONDS + HOLD_SECONDS + 10) <= BUDGET_SECONDS) {
      console.log(`${mediaRow(s)}  → busy machine, step run again`);
      await drained(target, 30_000);
      s = await mediaStep(target, calls, audio);
    }
    console.log(mediaRow(s));
    if (s.run.errors) console.log(s.run.errors.split('\n').map((l) => `      | ${l.slice(0, 150)}`).join('\n'));
    mediaSteps.push(s);
    const left = await drained(target, 30_000);
    if (left > 0) console.log(`      | ${left} calls still live on the server 30 s after the step`);
    if (!s.passed) break;
  }
}

const after = await targetStats(target).catch(() => undefined);
if (after) console.log(`\n  target afterwards: rss ${after.rssMiB} MiB, heap ${after.heapMiB} MiB, ${after.liveCalls} live calls, media cache ${after.cacheFetches} fetches / ${after.cacheHits} hits`);
await stop(target.child, 10_000);
const repeated = [...target.stderr].filter(([, n]) => n > 1);
for (const [line, n] of repeated) console.log(`  target stderr ×${n}: ${line.slice(0, 160)}`);

// ---- summary and results ------------------------------------------------------------------------------------

const bestRate = rateSteps.filter((s) => s.passed).sort((a, b) => b.rate - a.rate)[0];
const pddStep = rateSteps.find((s) => s.rate === PDD_RATE && s.passed)
  ?? rateSteps.filter((s) => s.passed && s.rate <= PDD_RATE).sort((a, b) => b.rate - a.rate)[0];
const bestMedia = mediaSteps.filter((s) => s.passed).sort((a, b) => b.calls - a.calls)[0];
const rateFail = rateSteps.find((s) => !s.passed);
const mediaFail = mediaSteps.find((s) => !s.passed);
const beyond = pddStep && pddStep.p50 !== null && pddStep.webhook.p50Ms !== null ? pddStep.p50 - pddStep.webhook.p50Ms : null;

console.log('\nResult');
if (PHASES.has('rate')) {
  console.log(`  call rate: ${bestRate ? `${bestRate.rate} calls/s with zero failures` : 'no step passed'} (target ≥ ${TARGETS.cps})`
    + (rateFail ? `; ${rateFail.rate} calls/s: ${rateFail.verdict}, server CPU ${pct(rateFail.run.targetCpu).trim()}` : '; end of the ladder (a lower bound)'));
  console.log(pddStep
    ? `  post-dial delay at ${pddStep.rate} calls/s: p50 ${pddStep.p50} ms, p99 ${pddStep.p99} ms; webhook's own time p50 ${pddStep.webhook.p50Ms?.toFixed(2)} ms, p99 ${pddStep.webhook.p99Ms?.toFixed(2)} ms → p50 ${beyond?.toFixed(1)} ms beyond the webhook (target < ${TARGETS.pddBeyondWebhookMs})`
    : '  post-dial delay: no passing step to measure it at');
}
if (PHASES.has('media')) {
  console.log(`  concurrent calls with two-way media for ${HOLD_SECONDS} s: ${bestMedia ? bestMedia.calls : 'none'} (target ≥ ${TARGETS.concurrent})`
    + (mediaFail ? `; ${mediaFail.calls}: ${mediaFail.verdict}, server CPU ${pct(mediaFail.run.targetCpu).trim()}` : '; end of the ladder (a lower bound)'));
}
if (rateFail || mediaFail) {
  console.log(`  profile the failing step: BENCH_VOICE_PROFILE=${rateFail ? `rate:${rateFail.rate}` : `media:${mediaFail!.calls}`} npm run bench:voice`);
}

type NotedFigure = Figure & { note?: string };
const figures: Record<string, NotedFigure> = {};
if (PHASES.has('rate')) {
  figures.max_cps_zero_failures = {
    value: bestRate?.rate ?? 0, unit: 'calls/s', target: TARGETS.cps, better: 'higher', reference: null,
    note: `${STEP_SECONDS} s steps at ${rateSteps.map((s) => s.rate).join(', ')} calls/s of ${sippVersion} (INVITE+SDP/200/ACK, prompt, BYE from Patchbay); webhook <Play> cached 1 s prompt + <Hangup/>`
      + (rateFail ? `; stopped at ${rateFail.rate}: ${rateFail.verdict}` : '; ladder ended without a failure: lower bound'),
  };
  figures.pdd_p50_ms = {
    value: pddStep?.p50 ?? 0, unit: 'ms', target: null, better: 'lower', reference: null,
    note: `INVITE→200 at ${pddStep?.rate ?? '-'} calls/s (SIPp -trace_rtt)`,
  };
  figures.pdd_p99_ms = {
    value: pddStep?.p99 ?? 0, unit: 'ms', target: null, better: 'lower', reference: null,
    note: `INVITE→200 at ${pddStep?.rate ?? '-'} calls/s (SIPp -trace_rtt)`,
  };
  figures.webhook_p50_ms = {
    value: pddStep?.webhook.p50Ms ?? 0, unit: 'ms', target: null, better: 'lower', reference: null,
    note: 'time of the /answer request inside the webhook process (request seen → response written), same step',
  };
  figures.pdd_p50_beyond_webhook_ms = {
    value: beyond ?? 0, unit: 'ms', target: TARGETS.pddBeyondWebhookMs, better: 'lower', reference: null,
    note: 'PDD p50 minus the webhook\'s own p50, same step',
  };
}
if (PHASES.has('media')) {
  figures.max_concurrent_calls_media = {
    value: bestMedia?.calls ?? 0, unit: 'calls', target: TARGETS.concurrent, better: 'higher', reference: null,
    note: `steps ${mediaSteps.map((s) => s.calls).join(', ')}: ramp ${RAMP_SECONDS} s, hold ${HOLD_SECONDS} s, SIPp rtp_stream PCMU in, <Play loop="0"> out`
      + (mediaFail ? `; stopped at ${mediaFail.calls}: ${mediaFail.verdict}` : '; ladder ended without a failure: lower bound'),
  };
}
console.log(`  written to ${writeResults('voice', figures)} after ${Math.round(elapsed())} s; load now ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
killAll();
process.exit(0);

/**
 * Media engine capacity on one core (`node --import tsx bench/media.ts`, wired as `npm run bench:media`).
 *
 * (0) send path and clock, before/after in this process (`media-send.ts`): CPU µs per datagram of
 *     `RtpSession.sendMedia` with one unconnected socket (the previous path) and with the connected send socket, next
 *     to raw dgram variants (addressed, connected, scatter list, with callback) to show Node's and the kernel's share;
 *     and the playout clock's own CPU with no stream (the former setImmediate polling vs the Atomics.wait sleep).
 * (a) playing streams: N RTP sessions each play a cached prompt (pre-encoded PCMU frames, 160 bytes / 20 ms) through
 *     a PlayoutStream on the one shared PlayoutClock, sending real UDP to a sink process on 127.0.0.1. N steps up until the clock
 *     misses its target (mean lateness ≤ 1 ms and worst ≤ 5 ms over the step); the figure is the last N that met it.
 *     Lateness is each packet's: when it left minus its stream's deadline. A tick sends its packets back to back, so
 *     the last packet of a tick is later than the tick's start by the time the whole burst took; timing only the
 *     start (as this bench did until the clock had phases) hid that, e.g. 8 ms at 1,000 streams in one burst.
 * (b) full-duplex sessions: N sessions in N/2 connected pairs; every session receives 50 packets/s, decodes them to
 *     linear PCM into its recording buffer, and sends its own prompt on the shared clock. Same criterion.
 * (c) the C reference (`media-rtpengine.ts`): rtpengine in userspace mode, pinned to one core, relays N streams of
 *     50 PCMU packets/s from a sender process to a sink; its CPU per relayed packet comes from /proc/<pid>/stat. Each
 *     figure's `reference` is rtpengine's counterpart where one exists (a relayed packet is a receive plus a send, the
 *     work of a full-duplex session's packet pair, twice a playing stream's); the lateness figures have none, since
 *     rtpengine has no playout clock. If rtpengine is missing or does not run, the reason is printed and references
 *     stay null. CPU references are rtpengine's at the largest stream count both it and (d) relayed fully, since CPU
 *     per packet falls as load rises (more sockets ready per poll) for both.
 * (d) the like-for-like relay (`media-relay.ts`): Patchbay's MediaBridge between two RtpSessions per stream, pinned to
 *     one core, relaying the same sender's streams to the same sink.
 *
 * MEDIA_BENCH_PHASES sets the clock's phase groups (default: the engine's; 1 is the former single burst per tick).
 *
 * The JS work runs on one thread, i.e. one core at a time; with MEDIA_BENCH_PIN=1 the process is also pinned to CPU 0
 * and the sink to CPU 1 (on a shared machine pinning only adds contention, so it is off by default). Each step lasts
 * about three seconds so the whole run stays under three minutes. Results go to bench/results/media.json.
 *
 * Two verdicts per step: the strict one (mean ≤ 1 ms, worst ≤ 5 ms) and, because a single preemption by another
 * process on a shared machine sets the worst case whatever the stream count, a robust one using the 99th percentile
 * (mean ≤ 1 ms, p99 ≤ 5 ms). The ramp goes on until the robust verdict fails; both figures are reported. A step that
 * misses is measured again, and again while other processes used more than a tenth of a core during it (their CPU
 * time, from /proc/stat, is printed on every line), up to four attempts.
 */
import os from 'node:os';
import path from 'node:path';
import {
  PlayoutClock, PlayoutStream, RtpSession, G711Codec, mulawDecode, type TickObserver,
} from '../src/media/index.js';
import { type Figure, writeResults } from './results.js';
import { LOCAL, RELAYED_ENOUGH, machineCpuUs, pin, processCpuUs, sleep, startSink } from './media-sink.js';
import { clockIdleComparison, sendPathComparison, type SendPathResult } from './media-send.js';
import { rtpengineReference, type RtpengineResult } from './media-rtpengine.js';
import { bridgeRelay } from './media-relay.js';

const WARMUP_MS = 600;
const MEASURE_MS = 2500;
const MEAN_TARGET_MS = 1;
const MAX_TARGET_MS = 5;
/**
 * Other processes using more than this share of a core during a step disturb it (the machine is shared): such a step
 * is measured again, up to DISTURBED_ATTEMPTS times in all, and the line says how busy the others were.
 */
const DISTURBED_CORE_PERCENT = 10;
const DISTURBED_ATTEMPTS = 4;
/** Ten seconds of a 440 Hz + 1 kHz prompt, pre-encoded to PCMU: the media cache's output for a `<Play>`. */
function cachedPrompt(): Uint8Array {
  const pcm = new Int16Array(80000);
  for (let n = 0; n < pcm.length; n++) {
    pcm[n] = Math.round(6000 * Math.sin((2 * Math.PI * 440 * n) / 8000) + 3000 * Math.sin((2 * Math.PI * 1000 * n) / 8000));
  }
  const out = new Uint8Array(pcm.length);
  G711Codec.PCMU.encode(pcm, out);
  return out;
}

/** Phase groups of the clock: the engine's default unless MEDIA_BENCH_PHASES sets them (1 = one burst per tick). */
const PHASES = process.env.MEDIA_BENCH_PHASES ? Number(process.env.MEDIA_BENCH_PHASES) : undefined;
const BIN_MS = 0.01;

/**
 * Lateness of every packet of the measurement window, from the clock's observer: a phase's handlers send one packet
 * each, back to back, from `startedAt` to `finishedAt`, so packet i of n leaves at about startedAt + (finishedAt −
 * startedAt) × i / n, and the last one exactly when the phase finished. Kept as a histogram of 10 µs bins for p99.
 */
class PacketLateness {
  private readonly bins = new Uint32Array(100_000);
  count = 0;
  sum = 0;
  max = 0;
  /** Longest phase tick (all its handlers), ms. */
  maxWork = 0;

  readonly observe: TickObserver = (deadline, startedAt, finishedAt, handlers) => {
    const start = startedAt - deadline;
    const work = finishedAt - startedAt;
    if (work > this.maxWork) this.maxWork = work;
    for (let i = 1; i <= handlers; i++) {
      const late = start + (work * i) / handlers;
      this.sum += late;
      this.bins[Math.min(this.bins.length - 1, Math.max(0, Math.floor(late / BIN_MS)))]++;
    }
    this.count += handlers;
    if (handlers > 0 && finishedAt - deadline > this.max) this.max = finishedAt - deadline;
  };

  reset(): void {
    this.bins.fill(0);
    this.count = 0;
    this.sum = 0;
    this.max = 0;
    this.maxWork = 0;
  }

  get mean(): number {
    return this.count === 0 ? 0 : this.sum / this.count;
  }

  /** Upper edge of the bin holding the 99th percentile packet. */
  p99(): number {
    const rank = Math.ceil(this.count * 0.99);
    let seen = 0;
    for (let b = 0; b < this.bins.length; b++) {
      seen += this.bins[b];
      if (seen >= rank) return (b + 1) * BIN_MS;
    }
    return 0;
  }
}

interface StepResult {
  n: number;
  meanMs: number;
  maxMs: number;
  p99Ms: number;
  strictPass: boolean;
  /** When ticks started (the clock's own statistics), for comparison with the per-packet figures. */
  tickStartMeanMs: number;
  tickStartMaxMs: number;
  /** Process CPU time (user + system) per tick-handler packet over the window, in µs. */
  cpuPerPacketUs: number;
  maxWorkMs: number;
  skipped: number;
  sent: number;
  pass: boolean;
  /** CPU used by processes other than this one and its sink during the window, % of one core. */
  othersCorePercent: number;
}

/** Run the clock for warm-up + measurement and judge the step. */
async function measure(
  clock: PlayoutClock, n: number, late: PacketLateness, sentCounter: () => number, sinkPid: number | undefined,
): Promise<StepResult> {
  await sleep(WARMUP_MS);
  clock.resetStats();
  late.reset();
  const before = sentCounter();
  const cpuBefore = process.cpuUsage();
  const machineBefore = machineCpuUs();
  const sinkBefore = sinkPid === undefined ? 0 : processCpuUs(sinkPid);
  await sleep(MEASURE_MS);
  const cpu = process.cpuUsage(cpuBefore);
  const sinkCpu = sinkPid === undefined ? 0 : processCpuUs(sinkPid) - sinkBefore;
  const others = machineCpuUs() - machineBefore - (cpu.user + cpu.system) - sinkCpu;
  const s = clock.stats();
  const sent = sentCounter() - before;
  const p = late.p99();
  const strictPass = late.mean <= MEAN_TARGET_MS && late.max <= MAX_TARGET_MS && s.skipped === 0;
  const pass = late.mean <= MEAN_TARGET_MS && p <= MAX_TARGET_MS && s.skipped === 0;
  return {
    n, meanMs: late.mean, maxMs: late.max, p99Ms: p, strictPass,
    tickStartMeanMs: s.meanLatenessMs, tickStartMaxMs: s.maxLatenessMs,
    cpuPerPacketUs: sent > 0 ? (cpu.user + cpu.system) / sent : 0, maxWorkMs: late.maxWork, skipped: s.skipped,
    sent, pass, othersCorePercent: Math.max(0, Math.round((others / (MEASURE_MS * 1000)) * 100)),
  };
}

/**
 * The machine may be shared (other processes' CPU bursts show up as lateness that no stream count explains), so a
 * step that misses is measured once more before it counts as missed, and again (up to DISTURBED_ATTEMPTS in all)
 * while other processes were busy during the attempt; every attempt is printed.
 */
async function measureStep(
  clock: PlayoutClock, n: number, late: PacketLateness, sentCounter: () => number, label: string, sinkPid?: number,
): Promise<StepResult> {
  // Keep the better attempt: strict beats p99-only beats neither.
  const score = (r: StepResult): number => (r.strictPass ? 2 : 0) + (r.pass ? 1 : 0);
  let best: StepResult | undefined;
  for (let attempt = 1; attempt <= DISTURBED_ATTEMPTS; attempt++) {
    const r = await measure(clock, n, late, sentCounter, sinkPid);
    report(attempt === 1 ? label : `${label} (retry)`, r);
    if (best === undefined || score(r) > score(best)) best = r;
    if (r.strictPass) break;
    if (attempt >= 2 && r.othersCorePercent <= DISTURBED_CORE_PERCENT) break;
  }
  return best as StepResult;
}

function report(label: string, r: StepResult): void {
  const pps = Math.round((r.sent / MEASURE_MS) * 1000);
  console.log(
    `${label} ${String(r.n).padStart(5)}: packet lateness mean ${r.meanMs.toFixed(3)} ms, p99 ${r.p99Ms.toFixed(2)} ms, `
    + `max ${r.maxMs.toFixed(2)} ms (tick start mean ${r.tickStartMeanMs.toFixed(3)}, max ${r.tickStartMaxMs.toFixed(2)}), `
    + `phase work max ${r.maxWorkMs.toFixed(2)} ms, ${pps} pkt/s sent, CPU ${r.cpuPerPacketUs.toFixed(1)} µs/pkt`
    + `${r.skipped ? `, ${r.skipped} ticks skipped` : ''}, other processes ${r.othersCorePercent} % of a core `
    + `strict ${r.strictPass ? 'ok' : 'MISSED'}, p99 ${r.pass ? 'ok' : 'MISSED'}`,
  );
}

/** (a) Outgoing streams playing the cached prompt. */
interface RampResult {
  /** Largest count meeting mean ≤ 1 ms and p99 ≤ 5 ms. */
  best: number;
  at: StepResult | undefined;
  /** Largest count (with every smaller step) meeting mean ≤ 1 ms and worst ≤ 5 ms. */
  strictBest: number;
  strictAt: StepResult | undefined;
  /** Median over the steps of the CPU time per tick packet (µs): for playing, one send; full duplex, one send plus
   *  one receive-and-decode. */
  cpuPerPacketUs: number;
}

/** A PlayoutStream that plays the cached prompt over and over. */
function loopPrompt(clock: PlayoutClock, session: RtpSession, prompt: Uint8Array): PlayoutStream {
  const stream = new PlayoutStream({ clock, session, codec: G711Codec.PCMU });
  const again = (outcome: string): void => {
    if (outcome === 'finished') void stream.playEncoded(prompt).then(again);
  };
  again('finished');
  return stream;
}

function packetsSent(sessions: RtpSession[]): number {
  let n = 0;
  for (const s of sessions) n += s.stats.packetsSent;
  return n;
}

async function playingStreams(steps: number[]): Promise<RampResult & { deliveredRatio: number }> {
  const sink = await startSink();
  const prompt = cachedPrompt();
  const late = new PacketLateness();
  const clock = new PlayoutClock({ phases: PHASES, observe: late.observe });
  const sessions: RtpSession[] = [];
  let best = 0;
  let bestResult: StepResult | undefined;
  let strictBest = 0;
  let strictBestResult: StepResult | undefined;
  let strictHolding = true;
  const cpuSamples: number[] = [];
  const streams: PlayoutStream[] = [];
  try {
    for (const n of steps) {
      while (sessions.length < n) {
        const s = await RtpSession.open({ bindAddress: LOCAL, rtcpMux: true, remote: { address: LOCAL, port: sink.port } });
        sessions.push(s);
        streams.push(loopPrompt(clock, s, prompt));
      }
      const r = await measureStep(clock, n, late, () => packetsSent(sessions), 'playing streams', sink.pid);
      strictHolding &&= r.strictPass;
      if (strictHolding) {
        strictBest = n;
        strictBestResult = r;
      }
      cpuSamples.push(r.cpuPerPacketUs);
      if (!r.pass) break;
      best = n;
      bestResult = r;
    }
  } finally {
    for (const stream of streams) stream.close();
    clock.close();
    await sleep(200);
    const delivered = await sink.count();
    const sent = packetsSent(sessions);
    const ratio = sent > 0 ? delivered / sent : 0;
    for (const s of sessions) s.close();
    sink.stop();
    return { best, at: bestResult, strictBest, strictAt: strictBestResult, cpuPerPacketUs: median(cpuSamples), deliveredRatio: ratio };
  }
}

/** (b) Full-duplex sessions: receive + decode + record, and send, in connected pairs. */
async function fullDuplex(steps: number[]): Promise<RampResult> {
  const prompt = cachedPrompt();
  const late = new PacketLateness();
  const clock = new PlayoutClock({ phases: PHASES, observe: late.observe });
  const sessions: RtpSession[] = [];
  const recordings: Int16Array[] = [];
  const recordPos: number[] = [];
  let received = 0;
  let best = 0;
  let bestResult: StepResult | undefined;
  let strictBest = 0;
  let strictBestResult: StepResult | undefined;
  let strictHolding = true;
  const cpuSamples: number[] = [];
  const RECORD_SAMPLES = 8000 * 5; // a 5 s recording ring per session
  const streams: PlayoutStream[] = [];
  const open = async (index: number, remotePort?: number): Promise<RtpSession> => {
    recordings.push(new Int16Array(RECORD_SAMPLES));
    recordPos.push(0);
    return RtpSession.open({
      bindAddress: LOCAL,
      rtcpMux: true,
      remote: remotePort === undefined ? undefined : { address: LOCAL, port: remotePort },
      delegate: {
        onPacket: (p) => {
          received++;
          const rec = recordings[index];
          let at = recordPos[index];
          if (at + p.payloadLength > RECORD_SAMPLES) at = 0;
          mulawDecode(p.buffer, rec, p.payloadLength, p.payloadOffset, at);
          recordPos[index] = at + p.payloadLength;
        },
      },
    });
  };
  try {
    for (const n of steps) {
      while (sessions.length < n) {
        const a = await open(sessions.length);
        sessions.push(a);
        const b = await open(sessions.length, a.localPort);
        sessions.push(b);
        a.setRemote({ address: LOCAL, port: b.localPort });
        streams.push(loopPrompt(clock, a, prompt), loopPrompt(clock, b, prompt));
      }
      const r = await measureStep(clock, n, late, () => packetsSent(sessions), 'full-duplex sessions');
      strictHolding &&= r.strictPass;
      if (strictHolding) {
        strictBest = n;
        strictBestResult = r;
      }
      cpuSamples.push(r.cpuPerPacketUs);
      if (!r.pass) break;
      best = n;
      bestResult = r;
    }
  } finally {
    for (const stream of streams) stream.close();
    clock.close();
    for (const s of sessions) s.close();
  }
  console.log(`  (received and decoded ${received} packets in total)`);
  return { best, at: bestResult, strictBest, strictAt: strictBestResult, cpuPerPacketUs: median(cpuSamples) };
}

async function main(): Promise<void> {
  const pinned = pin(process.pid, 0);
  console.log(`media bench: node ${process.version}, ${os.cpus()[0]?.model ?? 'cpu'}, ${pinned ? 'pinned to CPU 0 (sink on CPU 1)' : 'not pinned'}`);
  console.log(`load average at start: ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  const started = Date.now();

  // 0. The send path and the clock's own cost, before/after, in this process.
  const send: SendPathResult = await sendPathComparison();
  console.log(`send path A/B, ${send.sockets} sockets, median of ${send.rounds} interleaved rounds, CPU µs per datagram:`);
  for (const [name, us] of Object.entries(send.perPacketUs)) console.log(`  ${name.padEnd(40)} ${us.toFixed(2)}`);
  const idle = await clockIdleComparison();
  for (const name of Object.keys(idle.idleCorePercent)) {
    console.log(`playout clock with no stream, ${name}: ${idle.idleCorePercent[name]} % of a core, mean lateness ${idle.meanLatenessMs[name]} ms`);
  }

  // a, b. Patchbay on one thread.
  const a = await playingStreams((process.env.MEDIA_BENCH_STEPS_A ?? '500,1000,1500,2000,2500,3000,3500,4000,5000,6000').split(',').map(Number));
  console.log(`  the sink process received ${(a.deliveredRatio * 100).toFixed(1)} % of all RTP packets sent (RTCP included)`);
  await sleep(1500); // let the first phase's 2,000+ sockets close and their garbage be collected
  const b = await fullDuplex((process.env.MEDIA_BENCH_STEPS_B ?? '250,500,750,1000,1250,1500,2000,2500,3000').split(',').map(Number));
  await sleep(1000);

  // c. The C reference: the same packet rate relayed by rtpengine on one core.
  const r: RtpengineResult = await rtpengineReference(
    (process.env.MEDIA_BENCH_STEPS_RELAY ?? '500,1000,1500,2000,2500').split(',').map(Number),
  );
  if (!r.ok) console.log(`rtpengine reference: none (${r.reason})`);
  else {
    console.log(`rtpengine ${r.version}: ${r.cpuPerPacketUs.toFixed(2)} µs CPU per relayed packet (receive + send), `
      + `${r.streamsMeasured} streams relayed at 50 packets/s on one core, ${r.streamsCpuBound} at full core by that CPU cost`);
  }
  // d. Patchbay doing the same relay (MediaBridge between two RtpSessions per stream), same sender and sink.
  await sleep(500);
  const relay = await bridgeRelay((process.env.MEDIA_BENCH_STEPS_RELAY ?? '500,1000,1500,2000,2500').split(',').map(Number));
  // Compare CPU per relayed packet at the largest stream count both relayed fully (CPU per packet falls with load:
  // more sockets are ready per poll, so the wake-up cost is shared).
  const relayedBoth = relay.steps.filter((x) => x.deliveredRatio >= RELAYED_ENOUGH && x.corePercent <= 95).map((x) => x.streams)
    .filter((n) => r.ok && r.steps.some((y) => y.streams === n && y.deliveredRatio >= RELAYED_ENOUGH && y.corePercent <= 95));
  const common = relayedBoth.length > 0 ? relayedBoth[relayedBoth.length - 1] : undefined;
  const relayCpu = relay.steps.find((x) => x.streams === common)?.cpuPerPacketUs ?? relay.cpuPerPacketUs;
  const engineRelayCpu = r.ok ? (r.steps.find((x) => x.streams === common)?.cpuPerPacketUs ?? r.cpuPerPacketUs) : 0;
  if (relay.senderLimit !== undefined || (r.ok && r.senderLimit !== undefined)) {
    console.log('  relay stream counts are lower bounds: the sender process, not the relay, ran out of CPU first');
  }
  console.log(`relay at ${common ?? '?'} streams: Patchbay ${relayCpu.toFixed(2)} µs, rtpengine ${r.ok ? engineRelayCpu.toFixed(2) : '-'} µs CPU per relayed packet`);
  const engineCpuRef = r.ok && engineRelayCpu > 0 ? round(engineRelayCpu) : null;
  const engineBoundRef = r.ok && engineRelayCpu > 0 ? Math.floor(1e6 / (engineRelayCpu * 50)) : null;
  const ref = (pick: (x: Extract<RtpengineResult, { ok: true }>) => number): number | null => (r.ok ? round(pick(r)) : null);
  const sendBefore = send.perPacketUs['session, unconnected (before)'] ?? 0;
  const sendAfter = send.perPacketUs['session, connected (after)'] ?? 0;

  // Reference semantics: rtpengine relays (one receive + one send per packet), the work of one full-duplex session's
  // packet pair; a playing stream only sends. Lateness has no rtpengine counterpart (it has no playout clock).
  const figures: Record<string, Figure> = {
    media_playing_streams: { value: a.strictBest, unit: 'streams', target: 2000, better: 'higher', reference: ref((x) => x.streamsMeasured) },
    media_playing_streams_p99: { value: a.best, unit: 'streams', target: 2000, better: 'higher', reference: ref((x) => x.streamsMeasured) },
    media_playing_mean_lateness: {
      value: round(a.at?.meanMs ?? 0), unit: 'ms', target: MEAN_TARGET_MS, better: 'lower', reference: null,
    },
    media_playing_p99_lateness: {
      value: round(a.at?.p99Ms ?? 0), unit: 'ms', target: MAX_TARGET_MS, better: 'lower', reference: null,
    },
    media_full_duplex_sessions: {
      value: b.strictBest, unit: 'sessions', target: 1000, better: 'higher', reference: ref((x) => x.streamsMeasured),
    },
    media_full_duplex_sessions_p99: {
      value: b.best, unit: 'sessions', target: 1000, better: 'higher', reference: ref((x) => x.streamsMeasured),
    },
    media_playing_cpu_per_packet: {
      value: round(a.cpuPerPacketUs), unit: 'µs', target: null, better: 'lower', reference: engineCpuRef,
    },
    // What one fully busy core could carry at that CPU cost, ignoring lateness: the ceiling the lateness-bound figures
    // approach on an idle machine.
    media_playing_streams_cpu_bound: {
      value: a.cpuPerPacketUs > 0 ? Math.floor(1e6 / (a.cpuPerPacketUs * 50)) : 0, unit: 'streams', target: 2000,
      better: 'higher', reference: engineBoundRef,
    },
    media_full_duplex_cpu_per_session_tick: {
      value: round(b.cpuPerPacketUs), unit: 'µs', target: null, better: 'lower', reference: engineCpuRef,
    },
    media_full_duplex_sessions_cpu_bound: {
      value: b.cpuPerPacketUs > 0 ? Math.floor(1e6 / (b.cpuPerPacketUs * 50)) : 0, unit: 'sessions', target: 1000,
      better: 'higher', reference: engineBoundRef,
    },
    media_full_duplex_p99_lateness: {
      value: round(b.at?.p99Ms ?? 0), unit: 'ms', target: MAX_TARGET_MS, better: 'lower', reference: null,
    },
    // The send path A/B of phase 0: RtpSession.sendMedia with one unconnected socket (before) and with the connected
    // send socket (after), same process, same bursts.
    media_send_cpu_per_packet_unconnected: {
      value: round(sendBefore), unit: 'µs', target: null, better: 'lower', reference: engineCpuRef,
    },
    media_send_cpu_per_packet_connected: {
      value: round(sendAfter), unit: 'µs', target: null, better: 'lower', reference: engineCpuRef,
    },
    // d. The like-for-like comparison: the same relay, Patchbay's MediaBridge vs rtpengine, same sender and sink.
    // The issue sets no relay target: rtpengine is the reference here, not a goal.
    media_relay_streams: {
      value: relay.streamsMeasured, unit: 'streams', target: null, better: 'higher', reference: ref((x) => x.streamsMeasured),
    },
    media_relay_cpu_per_packet: {
      value: round(relayCpu), unit: 'µs', target: null, better: 'lower', reference: engineCpuRef,
    },
    media_relay_streams_cpu_bound: {
      value: relayCpu > 0 ? Math.floor(1e6 / (relayCpu * 50)) : 0, unit: 'streams', target: null, better: 'higher',
      reference: engineBoundRef,
    },
    media_clock_idle_cpu_poll: {
      value: idle.idleCorePercent['poll (before)'] ?? 0, unit: '% core', target: null, better: 'lower', reference: null,
    },
    media_clock_idle_cpu: {
      value: idle.idleCorePercent['Atomics.wait (after)'] ?? 0, unit: '% core', target: null, better: 'lower', reference: null,
    },
  };

  const file = writeResults('media', figures);
  console.log(`playing streams: ${a.strictBest} strict / ${a.best} p99 (target 2000); `
    + `full-duplex sessions: ${b.strictBest} strict / ${b.best} p99 (target 1000)`);
  console.log(`load average at end: ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  console.log(`wrote ${path.relative(process.cwd(), file)} in ${Math.round((Date.now() - started) / 1000)} s`);
}

function median(values: number[]): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((x, y) => x - y);
  return sorted[Math.floor(sorted.length / 2)];
}

function round(v: number): number {
  return Math.round(v * 1000) / 1000;
}

await main();

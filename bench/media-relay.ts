/**
 * Patchbay doing exactly what the rtpengine reference does (`media-rtpengine.ts`): relaying N streams of 50 PCMU
 * packets/s from the same sender process to the same sink, here through `MediaBridge` between two `RtpSession`s per
 * stream (leg A latches to the sender, leg B sends to the sink; same codec, so the payload passes through). This
 * process is pinned to CPU 1 for the phase, as rtpengine is, the sender to CPU 0; the sink never reads, as there.
 * CPU per relayed packet is this process's (process.cpuUsage), relayed packets those that reached the sink's socket.
 */
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import { G711Codec, MediaBridge, RtpSession } from '../src/media/index.js';
import { startSender } from './media-rtpengine.js';
import { LOCAL, RELAYED_ENOUGH, pin, sleep, startDroppingSink } from './media-sink.js';

export interface RelayStep {
  streams: number;
  sentPerSecond: number;
  deliveredRatio: number;
  cpuPerPacketUs: number;
  corePercent: number;
}

export interface RelayResult {
  steps: RelayStep[];
  cpuPerPacketUs: number;
  /** Largest N relayed at ≥ 99 % with this thread's core not saturated. */
  streamsMeasured: number;
  streamsCpuBound: number;
  /** The stream count at which the sender fell short of the rate (so `streamsMeasured` is a lower bound), if any. */
  senderLimit: number | undefined;
}

export async function bridgeRelay(steps: number[], warmupMs = 800, measureMs = 2500): Promise<RelayResult> {
  const pinned = os.cpus().length >= 2 && pin(process.pid, 1, true);
  const sink = await startDroppingSink();
  const sender = await startSender();
  const sessions: RtpSession[] = [];
  const bridges: MediaBridge[] = [];
  const targets: number[] = [];
  const result: RelayStep[] = [];
  let senderLimit: number | undefined;
  try {
    for (const n of steps) {
      await sender.bind(n - targets.length);
      while (targets.length < n) {
        const a = await RtpSession.open({ bindAddress: LOCAL, rtcpMux: true });
        const b = await RtpSession.open({ bindAddress: LOCAL, rtcpMux: true, remote: { address: LOCAL, port: sink.port } });
        sessions.push(a, b);
        bridges.push(new MediaBridge({ session: a, codec: G711Codec.PCMU }, { session: b, codec: G711Codec.PCMU }));
        targets.push(a.localPort);
      }
      sender.start(targets);
      await sleep(warmupMs);
      const sentBefore = await sender.sent();
      const gotBefore = await sink.count();
      const cpuBefore = process.cpuUsage();
      const t0 = performance.now();
      await sleep(measureMs);
      const used = process.cpuUsage(cpuBefore);
      const elapsed = performance.now() - t0;
      const sent = (await sender.sent()) - sentBefore;
      const got = (await sink.count()) - gotBefore;
      const cpu = used.user + used.system;
      const step: RelayStep = {
        streams: n,
        sentPerSecond: Math.round((sent * 1000) / elapsed),
        deliveredRatio: sent > 0 ? got / sent : 0,
        cpuPerPacketUs: got > 0 ? cpu / got : 0,
        corePercent: (cpu / (elapsed * 1000)) * 100,
      };
      result.push(step);
      console.log(
        `patchbay relay ${String(n).padStart(5)} streams: ${step.sentPerSecond} pkt/s sent (${n * 50} due), `
        + `${(step.deliveredRatio * 100).toFixed(1)} % relayed, CPU ${step.corePercent.toFixed(1)} % of one core, `
        + `${step.cpuPerPacketUs.toFixed(2)} µs per relayed packet${pinned ? '' : ' (not pinned)'}`,
      );
      if (step.sentPerSecond < n * 50 * 0.95) {
        // The sender (one Node process on a shared machine) could not produce the rate: beyond here the
        // figure would measure the sender, not the relay.
        senderLimit = n;
        console.log(`  the sender reached only ${step.sentPerSecond} of ${n * 50} packets/s: the relay figure is a lower bound`);
        break;
      }
      if (step.deliveredRatio < RELAYED_ENOUGH || step.corePercent > 95) break;
    }
  } finally {
    for (const bridge of bridges) bridge.close();
    for (const s of sessions) s.close();
    sender.stop();
    sink.stop();
    if (pinned) spawnSync('taskset', ['-a', '-p', '-c', `0-${os.cpus().length - 1}`, String(process.pid)], { stdio: 'ignore' });
  }
  const good = result.filter((s) => s.deliveredRatio >= RELAYED_ENOUGH && s.corePercent <= 95);
  const values = result.map((s) => s.cpuPerPacketUs).filter((v) => v > 0).sort((x, y) => x - y);
  const cpuPerPacketUs = values.length > 0 ? values[Math.floor(values.length / 2)] : 0;
  return {
    steps: result,
    cpuPerPacketUs,
    streamsMeasured: good.length > 0 ? good[good.length - 1].streams : 0,
    streamsCpuBound: cpuPerPacketUs > 0 ? Math.floor(1e6 / (cpuPerPacketUs * 50)) : 0,
    senderLimit,
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const r = await bridgeRelay((process.env.STEPS ?? '500,1000,1500,2000').split(',').map(Number));
  console.log(JSON.stringify({ ...r, steps: undefined }));
}

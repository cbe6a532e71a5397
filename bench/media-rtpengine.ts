/**
 * The C reference for `bench/media.ts`: the same packet rate relayed by rtpengine (Debian `rtpengine-daemon`) in
 * userspace mode on one core.
 *
 * rtpengine runs with `--table=-1` (no kernel forwarding: every packet goes through its userspace poller, as
 * Patchbay's do), one worker thread, pinned to CPU 1 with taskset, listening for ng commands on 127.0.0.1. For N
 * calls the bench sends `offer` (the caller's SDP: a sender port) and `answer` (the callee's SDP: the sink) over the ng
 * protocol (bencoded dictionaries over UDP, cookie-prefixed), then a sender process (pinned to CPU 0) sends 50 PCMU
 * packets/s per call to the port rtpengine answered, and rtpengine relays each to a sink that never reads
 * (`startDroppingSink`: the kernel counts what arrives, and the sender keeps CPU 0 to itself). rtpengine's
 * CPU time comes from /proc/<pid>/stat (utime + stime of all its threads); per relayed packet it is one receive and
 * one send, the same work as one full-duplex Patchbay session does per packet pair and more than a playing stream's
 * one send.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createSocket, type Socket } from 'node:dgram';
import { existsSync, readFileSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { bdecode, bencode, type Bencoded } from './media-bencode.js';
import { LOCAL, RELAYED_ENOUGH, pin, processCpuUs, sleep, startDroppingSink, udpDrops, type Sink } from './media-sink.js';

export interface RtpengineStep {
  streams: number;
  /** Packets the sender sent per second over the window. */
  sentPerSecond: number;
  /** Share of them that rtpengine relayed (arrived at the sink's socket). */
  deliveredRatio: number;
  /** Share dropped at rtpengine's own sockets (it did not read them in time). */
  engineDropRatio: number;
  /** rtpengine's CPU (user + system, all threads) per relayed packet, µs. */
  cpuPerPacketUs: number;
  /** rtpengine's CPU use over the window, in % of one core. */
  corePercent: number;
}

export type RtpengineResult =
  | {
    ok: true; version: string; steps: RtpengineStep[]; cpuPerPacketUs: number; streamsMeasured: number;
    streamsCpuBound: number;
    /** The stream count at which the sender fell short of the rate (so `streamsMeasured` is a lower bound), if any. */
    senderLimit: number | undefined;
  }
  | { ok: false; reason: string };

const NG_PORT = 22230 + Math.floor(Math.random() * 500);
const PORT_MIN = 10000;
const PORT_MAX = 29999;
const PACKET_RATE = 50;

function rtpengineBinary(): string | undefined {
  for (const p of ['/usr/bin/rtpengine', '/usr/sbin/rtpengine']) if (existsSync(p)) return p;
  return undefined;
}

/** The ng control channel: one UDP socket, requests matched to replies by cookie. */
class NgClient {
  private readonly socket: Socket = createSocket('udp4');
  private readonly pending = new Map<string, { expected: string; resolve: (v: { [key: string]: Bencoded }) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }>();
  private next = 1;
  /** rtpengine caches replies by cookie (to answer retransmissions), so cookies must never repeat across clients. */
  private readonly prefix = `${process.pid.toString(36)}${Math.random().toString(36).slice(2, 8)}`;

  constructor(private readonly port: number) {
    this.socket.on('message', (msg) => {
      const space = msg.indexOf(0x20);
      const cookie = msg.toString('latin1', 0, space);
      const waiter = this.pending.get(cookie);
      if (waiter === undefined) return;
      this.pending.delete(cookie);
      clearTimeout(waiter.timer);
      try {
        const { value } = bdecode(msg, space + 1);
        if (typeof value !== 'object' || Array.isArray(value)) throw new Error('ng reply is not a dictionary');
        if (value.result !== waiter.expected) {
          throw new Error(`ng ${String(value.result)}: ${String(value['error-reason'] ?? '')}`);
        }
        waiter.resolve(value);
      } catch (err) {
        waiter.reject(err as Error);
      }
    });
  }

  request(command: { [key: string]: Bencoded }, timeoutMs = 3000): Promise<{ [key: string]: Bencoded }> {
    const cookie = `${this.prefix}-${this.next++}`;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(cookie);
        reject(new Error(`ng ${String(command.command)}: no reply in ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(cookie, { expected: command.command === 'ping' ? 'pong' : 'ok', resolve, reject, timer });
      this.socket.send(`${cookie} ${bencode(command)}`, this.port, LOCAL);
    });
  }

  close(): void {
    for (const w of this.pending.values()) clearTimeout(w.timer);
    this.socket.close();
  }
}

function sdp(port: number, session: number): string {
  return [
    'v=0', `o=- ${session} 1 IN IP4 ${LOCAL}`, 's=-', `c=IN IP4 ${LOCAL}`, 't=0 0',
    `m=audio ${port} RTP/AVP 0`, 'a=rtpmap:0 PCMU/8000', 'a=ptime:20', 'a=sendrecv', '',
  ].join('\r\n');
}

function mediaPort(sdpText: Bencoded | undefined): number {
  const m = typeof sdpText === 'string' ? /^m=audio (\d+) /m.exec(sdpText) : null;
  if (m === null) throw new Error('rtpengine answered an SDP without m=audio');
  return Number(m[1]);
}

/**
 * A sender process: binds N sockets (their ports go into the offers), then sends one 172-byte PCMU RTP packet per
 * socket every 20 ms to its target (connected sockets, bursts on a 20 ms grid, skipping rather than bursting after a
 * stall) and reports what it sent.
 */
export async function startSender(): Promise<{
  bind: (n: number) => Promise<number[]>; start: (targets: number[]) => void; sent: () => Promise<number>; stop: () => void;
}> {
  const code = `
    const dgram = require('node:dgram');
    const socks = []; let targets = []; let sent = 0; let timer; const t0 = performance.now(); let tick = 0;
    const pkt = [];
    function burst() {
      tick++;
      for (let i = 0; i < socks.length && i < targets.length; i++) {
        const b = pkt[i];
        const seq = (b.readUInt16BE(2) + 1) & 0xffff; b.writeUInt16BE(seq, 2);
        b.writeUInt32BE((b.readUInt32BE(4) + 160) >>> 0, 4);
        socks[i].send(b); sent++;
      }
      // Drift-free, but no catch-up bursts after a stall (they would spike the rate): skip to the grid instead.
      const now = performance.now();
      if (now - (t0 + tick * 20) > 40) tick = Math.floor((now - t0) / 20);
      timer = setTimeout(burst, Math.max(0, t0 + (tick + 1) * 20 - now));
    }
    process.on('message', async (m) => {
      if (m.bind) {
        const ports = [];
        for (let i = 0; i < m.bind; i++) {
          const s = dgram.createSocket('udp4');
          s.on('error', () => {}); // ICMP port unreachable once the relay closes its ports
          await new Promise((r) => s.bind(0, '${LOCAL}', r));
          socks.push(s); ports.push(s.address().port);
          const b = Buffer.alloc(172, 0xff); b[0] = 0x80; b[1] = 0; b.writeUInt32BE(0x1000 + socks.length, 8);
          pkt.push(b);
        }
        process.send({ ports });
      } else if (m.targets) {
        for (let i = targets.length; i < m.targets.length; i++) {
          await new Promise((r) => socks[i].connect(m.targets[i], '${LOCAL}', r));
        }
        targets = m.targets;
        if (timer === undefined) burst();
      } else if (m.sent) process.send({ sent });
    });
  `;
  const child: ChildProcess = spawn(process.execPath, ['-e', code], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  if (child.pid !== undefined) pin(child.pid, 0, true);
  const ask = <T>(msg: object, key: string): Promise<T> => new Promise((resolve) => {
    const on = (m: unknown): void => {
      if (typeof m === 'object' && m !== null && key in m) {
        child.off('message', on);
        resolve((m as Record<string, T>)[key]);
      }
    };
    child.on('message', on);
    child.send(msg);
  });
  return {
    bind: (n) => ask<number[]>({ bind: n }, 'ports'),
    start: (targets) => { child.send({ targets }); },
    sent: () => ask<number>({ sent: true }, 'sent'),
    stop: () => { child.kill(); },
  };
}

/** Start rtpengine in userspace mode on one core; resolves with its pid once it answers a ping. */
async function startRtpengine(binary: string, dir: string): Promise<{ pid: number; stop: () => void; log: () => string }> {
  const logFile = path.join(dir, 'rtpengine.log');
  const args = [
    '-c', '1', binary, '--config-file=none', '--table=-1', `--interface=${LOCAL}`, `--listen-ng=${LOCAL}:${NG_PORT}`,
    `--port-min=${PORT_MIN}`, `--port-max=${PORT_MAX}`, '--foreground', '--log-stderr', '--log-level=4',
    '--num-threads=1', '--timeout=600', `--pidfile=${path.join(dir, 'rtpengine.pid')}`,
  ];
  const { openSync } = await import('node:fs');
  const out = openSync(logFile, 'w');
  const child = spawn('taskset', args, { stdio: ['ignore', out, out] });
  const ng = new NgClient(NG_PORT);
  try {
    for (let i = 0; ; i++) {
      if (child.exitCode !== null) throw new Error(`rtpengine exited with ${child.exitCode}: ${readFileSync(logFile, 'utf8').slice(-500)}`);
      try {
        await ng.request({ command: 'ping' }, 200);
        break;
      } catch (err) {
        if (i > 25) throw err;
        await sleep(100);
      }
    }
  } finally {
    ng.close();
  }
  return { pid: child.pid ?? 0, stop: () => { child.kill('SIGTERM'); }, log: () => readFileSync(logFile, 'utf8') };
}

/**
 * Ramp rtpengine through `steps` stream counts (calls kept and added), measuring each over `measureMs`. Returns the
 * reason instead when rtpengine is missing or does not run here.
 */
export async function rtpengineReference(steps: number[], warmupMs = 800, measureMs = 2500): Promise<RtpengineResult> {
  const binary = rtpengineBinary();
  if (binary === undefined) {
    return { ok: false, reason: 'rtpengine is not installed (apt-get install rtpengine-daemon)' };
  }
  if (os.cpus().length < 2) return { ok: false, reason: 'needs two CPUs (rtpengine on one, sender and sink on the other)' };
  const probe = spawnSync(binary, ['--version'], { encoding: 'utf8' });
  const version = `${probe.stdout}${probe.stderr}`.trim();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'patchbay-rtpengine-'));
  let engine: Awaited<ReturnType<typeof startRtpengine>> | undefined;
  let sink: Sink | undefined;
  let sender: Awaited<ReturnType<typeof startSender>> | undefined;
  let ng: NgClient | undefined;
  const callIds: string[] = [];
  try {
    try {
      engine = await startRtpengine(binary, dir);
    } catch (err) {
      return { ok: false, reason: `rtpengine did not start: ${(err as Error).message}` };
    }
    sink = await startDroppingSink();
    sender = await startSender();
    ng = new NgClient(NG_PORT);
    const targets: number[] = [];
    const result: RtpengineStep[] = [];
    let senderLimit: number | undefined;
    for (const n of steps) {
      const ports = await sender.bind(n - targets.length);
      // Offer/answer in batches, a few dozen commands in flight.
      for (let i = 0; i < ports.length; i += 50) {
        const batch = ports.slice(i, i + 50).map(async (port, j) => {
          const index = targets.length + i + j;
          const callId = `bench-${index}-${process.pid}`;
          callIds[index] = callId;
          await ng?.request({ command: 'offer', 'call-id': callId, 'from-tag': `a${index}`, sdp: sdp(port, index), replace: ['origin'] });
          const answer = await ng?.request({
            command: 'answer', 'call-id': callId, 'from-tag': `a${index}`, 'to-tag': `b${index}`,
            sdp: sdp(sink?.port ?? 0, index), replace: ['origin'],
          });
          // Media from the caller goes to the port in the SDP that rtpengine gave back in the answer.
          return mediaPort(answer?.sdp);
        });
        targets.push(...await Promise.all(batch));
      }
      sender.start(targets);
      await sleep(warmupMs);
      const sentBefore = await sender.sent();
      const gotBefore = await sink.count();
      const engineDropsBefore = udpDrops(PORT_MIN, PORT_MAX);
      const cpuBefore = processCpuUs(engine.pid);
      const t0 = performance.now();
      await sleep(measureMs);
      const cpu = processCpuUs(engine.pid) - cpuBefore;
      const elapsed = performance.now() - t0;
      const sent = (await sender.sent()) - sentBefore;
      const got = (await sink.count()) - gotBefore;
      const engineDrops = udpDrops(PORT_MIN, PORT_MAX) - engineDropsBefore;
      const step: RtpengineStep = {
        streams: n,
        sentPerSecond: Math.round((sent * 1000) / elapsed),
        deliveredRatio: sent > 0 ? got / sent : 0,
        engineDropRatio: sent > 0 ? engineDrops / sent : 0,
        cpuPerPacketUs: got > 0 ? cpu / got : 0,
        corePercent: (cpu / (elapsed * 1000)) * 100,
      };
      result.push(step);
      console.log(
        `rtpengine relay ${String(n).padStart(5)} streams: ${step.sentPerSecond} pkt/s sent (${n * PACKET_RATE} due), `
        + `${(step.deliveredRatio * 100).toFixed(1)} % relayed (${(step.engineDropRatio * 100).toFixed(1)} % dropped at rtpengine's sockets), rtpengine CPU ${step.corePercent.toFixed(1)} % of one core, `
        + `${step.cpuPerPacketUs.toFixed(2)} µs per relayed packet`,
      );
      // rtpengine keeps up while nearly everything is relayed and its core is not saturated.
      if (step.sentPerSecond < n * 50 * 0.95) {
        // The sender (one Node process on a shared machine) could not produce the rate: beyond here the
        // figure would measure the sender, not the relay.
        senderLimit = n;
        console.log(`  the sender reached only ${step.sentPerSecond} of ${n * 50} packets/s: the relay figure is a lower bound`);
        break;
      }
      if (step.deliveredRatio < RELAYED_ENOUGH || step.corePercent > 95) break;
    }
    const good = result.filter((s) => s.deliveredRatio >= RELAYED_ENOUGH && s.corePercent <= 95);
    const cpuPerPacketUs = median(result.map((s) => s.cpuPerPacketUs).filter((v) => v > 0));
    return {
      ok: true, version, steps: result, cpuPerPacketUs,
      streamsMeasured: good.length > 0 ? good[good.length - 1].streams : 0,
      streamsCpuBound: cpuPerPacketUs > 0 ? Math.floor(1e6 / (cpuPerPacketUs * PACKET_RATE)) : 0,
      senderLimit,
    };
  } catch (err) {
    return { ok: false, reason: `rtpengine run failed: ${(err as Error).message}` };
  } finally {
    if (ng !== undefined) {
      await Promise.allSettled(callIds.map((id, i) => ng?.request({ command: 'delete', 'call-id': id, 'from-tag': `a${i}` }, 1000)));
      ng.close();
    }
    sender?.stop();
    sink?.stop();
    engine?.stop();
    await sleep(200);
    rmSync(dir, { recursive: true, force: true });
  }
}

function median(values: number[]): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((x, y) => x - y);
  return sorted[Math.floor(sorted.length / 2)];
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const r = await rtpengineReference((process.env.STEPS ?? '500,1000,2000,3000').split(',').map(Number));
  console.log(JSON.stringify(r.ok ? { ...r, steps: undefined } : r));
}

/**
 * The RTP send path, A/B in one process (`node --import tsx bench/media-send.ts`, and the first phase of
 * `bench/media.ts`): CPU time per packet, in µs, for the same bursts (every socket sends one 172-byte datagram, then
 * 20 ms pause, like one playout tick) through
 *
 * - `RtpSession.sendMedia` with `connectedSend: false` (one socket, address per datagram: the previous path) and with
 *   the default connected send socket;
 * - the engine's whole path for a playing stream: a `PlayoutClock` tick (on a fake clock, advanced once per burst)
 *   runs each `PlayoutStream`, which sends the next frame of a cached prompt through its connected session;
 * - raw dgram calls, to tell Node's and the kernel's share from ours: addressed `send(buf, port, host)`, connected
 *   `send(buf)`, connected with a scatter list `send([header, payload])`, connected with a completion callback.
 *
 * Variants run interleaved, round after round, so that a burst of load from other processes on the shared machine
 * hits all of them alike; the figure per variant is the median over rounds.
 */
import { createSocket, type Socket } from 'node:dgram';
import { FakeClock } from '../src/core/index.js';
import {
  G711Codec, PlayoutClock, PlayoutStream, RtpSession, type PlayoutClockOptions, type PlayOutcome,
} from '../src/media/index.js';
import { literalFirstLookup } from '../src/media/rtp/udp-socket.js';
import { LOCAL, sleep, startSink } from './media-sink.js';

export interface SendPathResult {
  /** Median CPU µs per datagram, by variant. */
  perPacketUs: Record<string, number>;
  sockets: number;
  rounds: number;
}

const FRAME = 160;

async function rawSocket(connectTo?: number): Promise<Socket> {
  const s = createSocket({ type: 'udp4', lookup: literalFirstLookup });
  await new Promise<void>((r) => s.bind(0, LOCAL, () => r()));
  if (connectTo !== undefined) await new Promise<void>((r) => s.connect(connectTo, LOCAL, () => r()));
  return s;
}

export async function sendPathComparison(sockets = 500, rounds = 8, burstsPerRound = 15): Promise<SendPathResult> {
  const sink = await startSink();
  const prompt = new Uint8Array(FRAME * 50).fill(0x55);
  const opened: RtpSession[] = [];
  const raw: Socket[] = [];
  try {
    const sessions = async (connectedSend: boolean): Promise<RtpSession[]> => {
      const list: RtpSession[] = [];
      for (let i = 0; i < sockets; i++) {
        list.push(await RtpSession.open({
          bindAddress: LOCAL, rtcpMux: true, rtcpIntervalMs: 0, connectedSend, remote: { address: LOCAL, port: sink.port },
        }));
      }
      opened.push(...list);
      return list;
    };
    const unconnectedSessions = await sessions(false);
    const connectedSessions = await sessions(true);
    const streamSessions = await sessions(true);
    await sleep(10);
    if ([...connectedSessions, ...streamSessions].some((s) => s.connectedRemote === undefined)) {
      throw new Error('connected send did not connect');
    }
    const fakeTime = new FakeClock();
    const playout = new PlayoutClock({ clock: fakeTime });
    for (const session of streamSessions) {
      const stream = new PlayoutStream({ clock: playout, session, codec: G711Codec.PCMU });
      const again = (outcome: PlayOutcome): void => {
        if (outcome === 'finished') void stream.playEncoded(prompt).then(again);
      };
      void stream.playEncoded(prompt).then(again);
    }
    const rawUnconnected: Socket[] = [];
    const rawConnected: Socket[] = [];
    for (let i = 0; i < sockets; i++) {
      rawUnconnected.push(await rawSocket());
      rawConnected.push(await rawSocket(sink.port));
    }
    raw.push(...rawUnconnected, ...rawConnected);
    const datagram = Buffer.alloc(12 + FRAME, 0x55);
    const header = datagram.subarray(0, 12);
    const payload = datagram.subarray(12);
    const list = [header, payload];
    const done = (): void => undefined;
    let position = 0;
    const variants: Record<string, () => void> = {
      'session, unconnected (before)': () => {
        for (const s of unconnectedSessions) s.sendMedia(prompt, position, FRAME, FRAME);
      },
      'session, connected (after)': () => {
        for (const s of connectedSessions) s.sendMedia(prompt, position, FRAME, FRAME);
      },
      'clock tick, PlayoutStream, session': () => {
        fakeTime.advance(20);
      },
      'raw send(buf, port, host)': () => {
        for (const s of rawUnconnected) s.send(datagram, sink.port, LOCAL);
      },
      'raw connected send(buf)': () => {
        for (const s of rawConnected) s.send(datagram);
      },
      'raw connected send([header, payload])': () => {
        for (const s of rawConnected) s.send(list);
      },
      'raw connected send(buf, callback)': () => {
        for (const s of rawConnected) s.send(datagram, done);
      },
    };
    const samples: Record<string, number[]> = {};
    for (let round = 0; round < rounds; round++) {
      for (const [name, burst] of Object.entries(variants)) {
        await sleep(20);
        const before = process.cpuUsage();
        for (let b = 0; b < burstsPerRound; b++) {
          burst();
          position = (position + FRAME) % prompt.length;
          await sleep(20);
        }
        const cpu = process.cpuUsage(before);
        (samples[name] ??= []).push((cpu.user + cpu.system) / (sockets * burstsPerRound));
      }
    }
    playout.close();
    const expected = rounds * burstsPerRound;
    if (streamSessions.some((s) => s.stats.packetsSent !== expected)) throw new Error('a stream did not send one packet per tick');
    const perPacketUs: Record<string, number> = {};
    for (const [name, values] of Object.entries(samples)) perPacketUs[name] = Math.round(median(values) * 100) / 100;
    return { perPacketUs, sockets, rounds };
  } finally {
    for (const s of opened) s.close();
    for (const s of raw) s.close();
    sink.stop();
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((x, y) => x - y);
  return sorted[Math.floor(sorted.length / 2)];
}

export interface ClockIdleResult {
  /** CPU of a PlayoutClock with one empty subscriber, % of one core, by wait strategy. */
  idleCorePercent: Record<string, number>;
  meanLatenessMs: Record<string, number>;
}

/**
 * What the playout clock itself costs per tick, with nothing to send: the former wait (timer 1 ms early, then
 * setImmediate polling up to the deadline) against the current one (timer 0.5 ms early, the rest slept out with
 * Atomics.wait). Interleaved, median of `rounds`.
 */
export async function clockIdleComparison(rounds = 3, windowMs = 1000): Promise<ClockIdleResult> {
  const variants: Record<string, PlayoutClockOptions> = {
    'poll (before)': { earlyWakeMs: 1, blockWaitMs: 0 },
    'Atomics.wait (after)': {},
  };
  const cpu: Record<string, number[]> = {};
  const late: Record<string, number[]> = {};
  for (let r = 0; r < rounds; r++) {
    for (const [name, options] of Object.entries(variants)) {
      const clock = new PlayoutClock(options);
      clock.subscribe(() => undefined);
      await sleep(100);
      clock.resetStats();
      const before = process.cpuUsage();
      await sleep(windowMs);
      const used = process.cpuUsage(before);
      (cpu[name] ??= []).push(((used.user + used.system) / (windowMs * 1000)) * 100);
      (late[name] ??= []).push(clock.stats().meanLatenessMs);
      clock.close();
    }
  }
  const idleCorePercent: Record<string, number> = {};
  const meanLatenessMs: Record<string, number> = {};
  for (const name of Object.keys(variants)) {
    idleCorePercent[name] = Math.round(median(cpu[name]) * 100) / 100;
    meanLatenessMs[name] = Math.round(median(late[name]) * 1000) / 1000;
  }
  return { idleCorePercent, meanLatenessMs };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const r = await sendPathComparison(Number(process.env.SOCKETS ?? 500), Number(process.env.ROUNDS ?? 8));
  console.log(`send path, ${r.sockets} sockets, median of ${r.rounds} rounds, CPU µs per datagram:`);
  for (const [name, us] of Object.entries(r.perPacketUs)) console.log(`  ${name.padEnd(40)} ${us.toFixed(2)}`);
  const c = await clockIdleComparison();
  for (const name of Object.keys(c.idleCorePercent)) {
    console.log(`playout clock, no streams, ${name}: ${c.idleCorePercent[name]} % of a core, mean lateness ${c.meanLatenessMs[name]} ms`);
  }
}

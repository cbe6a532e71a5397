/** Helpers shared by the media benchmarks: a UDP sink process, CPU pinning, sleeping. */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';

export const LOCAL = '127.0.0.1';
/**
 * A relay keeps up when at least this share of what the sender sent in a window reached the sink in that window (the
 * two counters are read over IPC a few ms apart, which at 100,000 packets/s is a percent or so).
 */
export const RELAYED_ENOUGH = 0.97;
export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Pin `pid` (all threads) to `cpu` when MEDIA_BENCH_PIN is set (on a shared machine pinning only adds contention). */
export function pin(pid: number, cpu: number, force = false): boolean {
  if (os.cpus().length < 2 || (!force && !process.env.MEDIA_BENCH_PIN)) return false;
  const r = spawnSync('taskset', ['-a', '-p', '-c', String(cpu), String(pid)], { stdio: 'ignore' });
  return r.status === 0;
}

const clockTicks = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;

/** utime + stime of a process (all threads), in µs. */
export function processCpuUs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // Fields after the command: state is [0], so utime (field 14) is [11] and stime (15) is [12].
  const ticks = Number(fields[11]) + Number(fields[12]);
  return (ticks * 1e6) / clockTicks;
}

/** CPU time every process of the machine has used (all CPUs, /proc/stat: everything but idle and iowait), in µs. */
export function machineCpuUs(): number {
  const [user, nice, system, , , irq, softirq, steal] = readFileSync('/proc/stat', 'latin1').split('\n')[0]
    .trim().split(/\s+/).slice(1).map(Number);
  return ((user + nice + system + irq + softirq + steal) * 1e6) / clockTicks;
}

export interface Sink {
  port: number;
  pid: number;
  count: () => Promise<number>;
  stop: () => void;
}

/** A sink process that counts datagrams on a UDP port and reports the count on request. */
export async function startSink(): Promise<Sink> {
  const code = `
    const s = require('node:dgram').createSocket('udp4');
    let n = 0;
    s.on('message', () => { n++; });
    s.bind(0, '${LOCAL}', () => { try { s.setRecvBufferSize(8 * 1024 * 1024); } catch {} process.send({ port: s.address().port }); });
    process.on('message', () => process.send({ count: n }));
  `;
  const child: ChildProcess = spawn(process.execPath, ['-e', code], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  if (child.pid !== undefined) pin(child.pid, 1);
  const port = await new Promise<number>((resolve) => child.once('message', (m) => resolve((m as { port: number }).port)));
  return {
    port,
    pid: child.pid ?? 0,
    count: () => new Promise<number>((resolve) => {
      child.once('message', (m) => resolve((m as { count: number }).count));
      child.send('count');
    }),
    stop: () => { child.kill(); },
  };
}

/**
 * A sink that never reads: its process blocks right after binding, so every datagram that reaches its socket is
 * dropped by the kernel at the full receive queue and counted in /proc/net/udp's `drops` column. It costs no CPU of
 * its own, which leaves the load generator's core to the sender (the relay phases), while the sending side still pays
 * the full loopback delivery (only the reader's wake-up is saved, for every relay alike). `count` is the drop count.
 */
export async function startDroppingSink(): Promise<Sink> {
  const code = `
    const s = require('node:dgram').createSocket('udp4');
    s.bind(0, '${LOCAL}', () => {
      try { s.setRecvBufferSize(4096); } catch {}
      process.send({ port: s.address().port }, () => {
        setTimeout(() => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0), 50);
      });
    });
  `;
  const child: ChildProcess = spawn(process.execPath, ['-e', code], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const port = await new Promise<number>((resolve) => child.once('message', (m) => resolve((m as { port: number }).port)));
  await sleep(100);
  return { port, pid: child.pid ?? 0, count: () => Promise.resolve(udpDrops(port, port)), stop: () => { child.kill('SIGKILL'); } };
}

/**
 * Datagrams the kernel dropped at full receive queues (the `drops` column of /proc/net/udp), summed over the UDP
 * sockets whose local port is in [min, max]: packets that reached a socket its owner did not read in time.
 */
export function udpDrops(min: number, max: number): number {
  let drops = 0;
  for (const line of readFileSync('/proc/net/udp', 'latin1').split('\n').slice(1)) {
    const cols = line.trim().split(/\s+/);
    if (cols.length < 13) continue;
    const port = parseInt(cols[1].split(':')[1], 16);
    if (port >= min && port <= max) drops += Number(cols[12]);
  }
  return drops;
}

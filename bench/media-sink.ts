/** Helpers shared by the media benchmarks: a UDP sink process, CPU pinning, sleeping. */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import os from 'node:os';

export const LOCAL = '127.0.0.1';
export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Pin `pid` (all threads) to `cpu` when MEDIA_BENCH_PIN is set (on a shared machine pinning only adds contention). */
export function pin(pid: number, cpu: number, force = false): boolean {
  if (os.cpus().length < 2 || (!force && !process.env.MEDIA_BENCH_PIN)) return false;
  const r = spawnSync('taskset', ['-a', '-p', '-c', String(cpu), String(pid)], { stdio: 'ignore' });
  return r.status === 0;
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

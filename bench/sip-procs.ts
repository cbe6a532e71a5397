// Child processes of `npm run bench:sip`: started in their own process group, all killed on exit, SIGINT, SIGTERM
// or a crash; CPU time read from /proc so that each step can say who was busy (target, SIPp, anything else).
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import dgram from 'node:dgram';
import { accessSync, constants, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const children = new Set<ChildProcess>();
const tempDirs = new Set<string>();
let hooked = false;

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    // Negative pid: the whole group, so Kamailio's forked workers go with their main process.
    process.kill(-child.pid, signal);
  } catch {
    try {
      child.kill(signal);
    } catch {
      // already gone
    }
  }
}

/** Kills every child still running (SIGKILL) and removes the temporary folders; synchronous, for an 'exit' handler. */
export function killAll(): void {
  for (const child of children) killGroup(child, 'SIGKILL');
  children.clear();
  for (const dir of tempDirs) removeTempDir(dir);
}

/** A temporary folder, removed by {@link removeTempDir} or at exit whatever happens. */
export function makeTempDir(prefix: string): string {
  hookExit();
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  tempDirs.add(dir);
  return dir;
}

export function removeTempDir(dir: string): void {
  tempDirs.delete(dir);
  rmSync(dir, { recursive: true, force: true });
}

function hookExit(): void {
  if (hooked) return;
  hooked = true;
  process.on('exit', killAll);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(signal, () => {
      process.stdout.write(`\n${signal}: stopping every child process\n`);
      killAll();
      process.exit(130);
    });
  }
  process.on('uncaughtException', (err) => {
    console.error(err);
    killAll();
    process.exit(1);
  });
  process.on('unhandledRejection', (err) => {
    console.error(err);
    killAll();
    process.exit(1);
  });
}

/**
 * Spawns `command` pinned to `core` with taskset (which execs, so the child's pid is the program's own), in a process
 * group of its own, registered for cleanup.
 */
export function spawnPinned(core: number, command: string, args: readonly string[], options: SpawnOptions = {}): ChildProcess {
  hookExit();
  // BENCH_SIP_NICE (e.g. -10, needs root) raises the bench's processes above a busy machine's other work; nice execs
  // like taskset, so the pid is still the program's.
  const nice = process.env.BENCH_SIP_NICE ? ['nice', '-n', String(Number(process.env.BENCH_SIP_NICE))] : [];
  const child = spawn('taskset', ['-c', String(core), ...nice, command, ...args], { ...options, detached: true });
  children.add(child);
  child.once('exit', () => children.delete(child));
  // Failures surface through 'exit' and the caller's own checks; an unhandled 'error' must not crash the bench.
  child.on('error', () => undefined);
  return child;
}

/** Asks a child to stop (SIGTERM to its group), then SIGKILLs it after `graceMs`; resolves when it has exited. */
export async function stop(child: ChildProcess, graceMs = 3000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  killGroup(child, 'SIGTERM');
  const timer = setTimeout(() => killGroup(child, 'SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
  children.delete(child);
}

/** Absolute path of an executable found in PATH or in the usual sbin folders, or undefined. */
export function which(name: string): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(':'), '/usr/sbin', '/usr/local/sbin', '/sbin'];
  for (const dir of dirs) {
    if (!dir) continue;
    const file = path.join(dir, name);
    try {
      accessSync(file, constants.X_OK);
      return file;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** A free UDP port on 127.0.0.1 (bind to 0, read it, release it). */
export async function freeUdpPort(): Promise<number> {
  return (await freeUdpPorts(1));
}

/**
 * The first of `count` consecutive free UDP ports on 127.0.0.1: SIPp binds its audio socket at -mp and its video
 * socket at -mp + 2, so a single free port is not enough there. With `from`, the lowest such run from that port up
 * (to keep clear of port ranges other processes of a bench will use); else any the kernel offers.
 */
export async function freeUdpPorts(count: number, from?: number): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const sockets: dgram.Socket[] = [];
    const bind = (port: number): Promise<number | undefined> =>
      new Promise((resolve) => {
        const socket = dgram.createSocket('udp4');
        sockets.push(socket);
        socket.once('error', () => resolve(undefined));
        socket.bind(port, '127.0.0.1', () => resolve(socket.address().port));
      });
    const first = await bind(from === undefined ? 0 : from + attempt * count);
    let ok = first !== undefined && first + count - 1 <= 65535;
    for (let i = 1; ok && i < count; i++) ok = (await bind(first! + i)) !== undefined;
    await Promise.all(sockets.map((s) => new Promise<void>((resolve) => {
      try {
        s.close(() => resolve());
      } catch {
        resolve();
      }
    })));
    if (ok) return first!;
  }
  throw new Error(`no run of ${count} free UDP ports found`);
}

const TICKS_PER_SECOND = 100; // USER_HZ on Linux

/** CPU seconds (user + system) used so far by a process and, recursively, its children that are still alive. */
export function cpuSeconds(pid: number | undefined): number {
  if (pid === undefined) return 0;
  let ticks = 0;
  const visit = (p: number, depth: number): void => {
    try {
      const stat = readFileSync(`/proc/${p}/stat`, 'utf8');
      // Fields after the parenthesised command name: state is field 3, utime 14, stime 15 (proc(5)).
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks += Number(fields[11]) + Number(fields[12]);
      if (depth > 3) return;
      for (const child of readFileSync(`/proc/${p}/task/${p}/children`, 'utf8').trim().split(/\s+/)) {
        if (child) visit(Number(child), depth + 1);
      }
    } catch {
      // exited meanwhile
    }
  };
  visit(pid, 0);
  return ticks / TICKS_PER_SECOND;
}

/** Busy CPU seconds of the whole machine, all cores (from /proc/stat). */
export function machineBusySeconds(): number {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0]!;
    const [user, nice, system, , , irq, softirq, steal] = line.trim().split(/\s+/).slice(1).map(Number);
    return (user! + nice! + system! + irq! + softirq! + steal!) / TICKS_PER_SECOND;
  } catch {
    return 0;
  }
}

/**
 * Datagrams the kernel dropped (full receive buffer) on the UDP sockets bound to 127.0.0.1 at these ports, from the
 * per-socket `drops` column of /proc/net/udp.
 */
export function udpSocketDrops(ports: readonly number[]): number {
  const wanted = new Set(ports.map((p) => `0100007F:${p.toString(16).toUpperCase().padStart(4, '0')}`));
  let drops = 0;
  try {
    for (const line of readFileSync('/proc/net/udp', 'utf8').split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      if (fields.length >= 13 && wanted.has(fields[1]!)) drops += Number(fields[12]);
    }
  } catch {
    // not Linux
  }
  return drops;
}

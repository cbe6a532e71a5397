import { spawn } from 'node:child_process';
import dgram from 'node:dgram';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeClock, silentLogger, type Clock } from '../../../src/core/index.js';
import { TransportLayer } from '../../../src/sip/transport/index.js';
import { UserAgent, type UserAgentDelegate } from '../../../src/sip/ua/index.js';

export const SIPP = '/usr/bin/sipp';
export const FIXTURES = new URL('./fixtures/', import.meta.url).pathname;

/** A free UDP port on 127.0.0.1 (bind to 0, read it, release it). */
export async function freeUdpPort(): Promise<number> {
  const socket = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const { port } = socket.address();
  await new Promise<void>((resolve) => socket.close(() => resolve()));
  return port;
}

/**
 * A media port for SIPp whose neighbours are free too: SIPp binds the audio port, the video port two above it, and
 * their RTCP ports, and fails ("Unable to bind video RTP socket") when any is taken. The block comes from 10000–19999,
 * below both Patchbay's RTP range and the kernel's ephemeral ports, so other processes' sockets cannot land on it
 * later; it is checked by binding all four.
 */
export async function freeMediaPortBlock(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = 10_000 + 4 * Math.floor(Math.random() * 2_500);
    const sockets: dgram.Socket[] = [];
    let free = true;
    for (let port = base; port < base + 4 && free; port++) {
      const socket = dgram.createSocket('udp4');
      sockets.push(socket);
      free = await new Promise<boolean>((resolve) => {
        socket.once('error', () => resolve(false));
        socket.bind(port, '127.0.0.1', () => resolve(true));
      });
    }
    await Promise.all(sockets.map((socket) => new Promise<void>((resolve) => {
      try {
        socket.close(() => resolve());
      } catch {
        resolve(); // never bound
      }
    })));
    if (free) return base;
  }
  throw new Error('no free block of four UDP ports in 10000-19999');
}

export interface SippResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** The last line of the -trace_stat CSV, as a field map (SuccessfulCall(C), FailedCall(C), …). */
  readonly stats: Record<string, string>;
  /** Contents of the -trace_err log, if any. */
  readonly errors: string;
}

/**
 * Run SIPp to completion with a hard deadline. Adds -nostdin, a random local SIP and media port, -trace_stat and
 * -trace_err into a temporary directory, and reads the statistics back.
 */
export async function runSipp(args: readonly string[], deadlineMs: number): Promise<SippResult> {
  return (await spawnSipp(args, deadlineMs)).done;
}

/** Start SIPp and return its SIP port at once (for SIPp as UAS), with the result as a promise. */
export async function spawnSipp(args: readonly string[], deadlineMs: number): Promise<{ port: number; done: Promise<SippResult> }> {
  const sipPort = await freeUdpPort();
  return { port: sipPort, done: execSipp(args, deadlineMs, sipPort) };
}

async function execSipp(args: readonly string[], deadlineMs: number, sipPort: number): Promise<SippResult> {
  const dir = mkdtempSync(join(tmpdir(), 'patchbay-sipp-'));
  const mediaPort = await freeMediaPortBlock();
  const child = spawn(SIPP, [
    ...args, '-nostdin', '-i', '127.0.0.1', '-p', String(sipPort), '-mp', String(mediaPort),
    '-trace_stat', '-fd', '1', '-trace_err',
  ], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const killer = setTimeout(() => child.kill('SIGKILL'), deadlineMs);
  const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
  clearTimeout(killer);
  const files = readdirSync(dir);
  const csv = files.find((f) => f.endsWith('.csv'));
  const err = files.find((f) => f.endsWith('_errors.log'));
  let stats: Record<string, string> = {};
  if (csv) {
    const lines = readFileSync(join(dir, csv), 'utf8').trim().split('\n');
    const header = lines[0]!.split(';');
    const last = lines[lines.length - 1]!.split(';');
    stats = Object.fromEntries(header.map((h, i) => [h, last[i] ?? '']));
  }
  const errors = err ? readFileSync(join(dir, err), 'utf8') : '';
  rmSync(dir, { recursive: true, force: true });
  return { code, stdout, stderr, stats, errors };
}

/** A user agent on a real UDP (default) or TCP socket on 127.0.0.1, ephemeral port, over the transport layer. */
export async function startSocketUserAgent(options: { delegate?: UserAgentDelegate; clock?: Clock; protocol?: 'UDP' | 'TCP' } = {}): Promise<{
  ua: UserAgent;
  port: number;
  close(): void;
}> {
  let ua: UserAgent | undefined;
  const protocol = options.protocol ?? 'UDP';
  const layer = new TransportLayer({ receive: (message, source) => ua?.receive(message, source) }, {
    host: '127.0.0.1', port: 0, udp: protocol === 'UDP', tcp: protocol === 'TCP', logger: silentLogger(),
  });
  const bound = await layer.listen();
  const transport = layer.transport(protocol)!;
  ua = new UserAgent({ transport, ...(options.delegate ? { delegate: options.delegate } : {}), ...(options.clock ? { clock: options.clock } : {}) });
  return {
    ua,
    port: (bound.udp ?? bound.tcp)!.port,
    close() {
      ua?.close();
      layer.close();
    },
  };
}

export const SDP_ANSWER = [
  'v=0', 'o=patchbay 1 1 IN IP4 127.0.0.1', 's=-', 'c=IN IP4 127.0.0.1', 't=0 0', 'm=audio 40000 RTP/AVP 0 101',
  'a=rtpmap:0 PCMU/8000', 'a=rtpmap:101 telephone-event/8000', 'a=sendrecv', '',
].join('\r\n');

export { FakeClock };

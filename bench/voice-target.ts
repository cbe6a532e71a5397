// Target process of `npm run bench:voice` and `npm run bench:dial`: a full Patchbay (startServer, SQLite in a temp
// data dir, HTTP and SIP on 127.0.0.1 with free ports, silent logs) with one number created through the REST API, its
// VoiceUrl pointing at the bench's webhook (argv[2]). The bench starts it pinned to one core.
//
// Protocol with the parent, one JSON object a line: on start
// `{"sipPort":N,"httpUrl":"…","number":"…","pid":N,"accountSid":"…","authToken":"…"}` (the owner's credentials, for
// the bench's own REST requests); then each stdin line is answered with one line:
//   `calls`  call status changes heard on the bus since the last `calls`, per direction and status, with the time
//            of the first and last of each (ms since the epoch); then reset;
//   `media`  RTP of each live inbound call since the previous `media`: packets a second each way, the slowest call,
//            and how many calls were below `minPps` (default 45; G.711 at 20 ms is 50); `media <minPps>` sets it;
//   anything else  the stats line (live calls, RTP totals, media cache, memory, outbound queue, the longest
//            event-loop delay since the previous stats line).
// SIGTERM/SIGINT close the server and exit normally, so that `--cpu-prof` writes its profile.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { readConfig } from '../src/config.js';
import { silentLogger } from '../src/core/index.js';
import { startServer } from '../src/server.js';

const NUMBER = '+15005550100';
const voiceUrl = process.argv[2];
if (!voiceUrl) throw new Error('usage: voice-target.ts <VoiceUrl>');

const dataDir = mkdtempSync(path.join(tmpdir(), 'patchbay-bench-voice-'));
const config = readConfig({
  PATCHBAY_HOST: '127.0.0.1', PATCHBAY_HTTP_PORT: '0', PATCHBAY_SIP_PORT: '0', PATCHBAY_DATA_DIR: dataDir,
  PATCHBAY_LOG_LEVEL: 'silent', PATCHBAY_RTP_PORTS: process.env.BENCH_VOICE_RTP_PORTS ?? '20000-29999',
});
const server = await startServer(config, { logger: silentLogger() });

const auth = 'Basic ' + Buffer.from(`${server.owner.sid}:${server.owner.authToken}`).toString('base64');
const created = await fetch(`${server.httpUrl}/2010-04-01/Accounts/${server.owner.sid}/IncomingPhoneNumbers.json`, {
  method: 'POST',
  headers: { authorization: auth, 'content-type': 'application/x-www-form-urlencoded' },
  body: new URLSearchParams({ PhoneNumber: NUMBER, VoiceUrl: voiceUrl, VoiceMethod: 'POST' }).toString(),
});
if (created.status !== 201) throw new Error(`creating the number: ${created.status} ${await created.text()}`);

type RtpCounts = { packetsSent: number; packetsReceived: number };

/**
 * The RTP counters of each live inbound call by Call SID, read through the router's private map of live calls
 * (read-only, bench only: no public counter exists); undefined when that shape has changed.
 */
function liveRtp(): Map<string, RtpCounts> | undefined {
  try {
    type Peek = { live: Map<string, { call: { options: { media: { stats: RtpCounts } } } }> };
    const out = new Map<string, RtpCounts>();
    for (const [sid, { call }] of (server.calls as unknown as Peek).live) out.set(sid, call.options.media.stats);
    return out;
  } catch {
    return undefined;
  }
}

/** RTP packets sent and received so far by the calls live now, summed; -1 when they cannot be read. */
function rtpTotals(): { rtpSent: number; rtpReceived: number } {
  const live = liveRtp();
  if (!live) return { rtpSent: -1, rtpReceived: -1 };
  let rtpSent = 0;
  let rtpReceived = 0;
  for (const st of live.values()) {
    rtpSent += st.packetsSent;
    rtpReceived += st.packetsReceived;
  }
  return { rtpSent, rtpReceived };
}

let lastMedia: { at: number; calls: Map<string, RtpCounts> } | undefined;
/** Per-call RTP rates since the previous `media` command, over the calls live at both times. */
function mediaWindow(minPps: number): Record<string, number> {
  const now = performance.now();
  const live = liveRtp();
  if (!live) return { error: 1 };
  const prev = lastMedia;
  lastMedia = { at: now, calls: live };
  if (!prev) return { calls: live.size, measured: 0 };
  const s = (now - prev.at) / 1000;
  let measured = 0;
  let below = 0;
  let sumIn = 0;
  let sumOut = 0;
  let minIn = Infinity;
  let minOut = Infinity;
  for (const [sid, st] of live) {
    const before = prev.calls.get(sid);
    if (!before) continue;
    const inPps = (st.packetsReceived - before.packetsReceived) / s;
    const outPps = (st.packetsSent - before.packetsSent) / s;
    measured++;
    sumIn += inPps;
    sumOut += outPps;
    minIn = Math.min(minIn, inPps);
    minOut = Math.min(minOut, outPps);
    if (inPps < minPps || outPps < minPps) below++;
  }
  return {
    calls: live.size, measured, seconds: s, below, inPps: measured ? sumIn / measured : 0, outPps: measured ? sumOut / measured : 0,
    minInPps: measured ? minIn : 0, minOutPps: measured ? minOut : 0,
  };
}

/** Call status changes heard on the bus: `direction status` → count, first and last time. */
let heard = new Map<string, { n: number; first: number; last: number }>();
await server.bus.subscribe('call.status', (payload) => {
  const e = payload as { direction?: string; status?: string; timestamp?: number };
  const key = `${e.direction} ${e.status}`;
  const at = e.timestamp ?? Date.now();
  const h = heard.get(key);
  if (h) {
    h.n++;
    h.last = at;
  } else {
    heard.set(key, { n: 1, first: at, last: at });
  }
});

/** Event-loop delay since the last stats line: a loop held up for long delays every timer and every datagram. */
const loopDelay = monitorEventLoopDelay({ resolution: 10 });
loopDelay.enable();

function stats(): Record<string, number> {
  const mem = process.memoryUsage();
  const loopMaxMs = loopDelay.max / 1e6;
  loopDelay.reset();
  return {
    loopMaxMs,
    liveCalls: server.calls.liveCount, ...rtpTotals(),
    outboundLive: server.originate.liveCount, outboundQueued: server.originate.queue.depth(),
    cacheHits: server.mediaCache.stats.hits, cacheFetches: server.mediaCache.stats.fetches,
    rssMiB: Math.round(mem.rss / 2 ** 20), heapMiB: Math.round(mem.heapUsed / 2 ** 20),
  };
}

let closed = false;
async function shutdown(): Promise<void> {
  if (closed) return;
  closed = true;
  const hard = setTimeout(() => process.exit(0), 5000);
  await server.close().catch(() => undefined);
  clearTimeout(hard);
  rmSync(dataDir, { recursive: true, force: true });
  process.exit(0);
}
process.on('SIGTERM', () => void shutdown());
process.on('SIGINT', () => void shutdown());
const input = createInterface({ input: process.stdin });
input.on('line', (line) => {
  const [cmd, arg] = line.trim().split(/\s+/);
  let answer: unknown;
  if (cmd === 'calls') {
    answer = Object.fromEntries(heard);
    heard = new Map();
  } else if (cmd === 'media') {
    answer = mediaWindow(arg ? Number(arg) : 45);
  } else {
    answer = stats();
  }
  process.stdout.write(JSON.stringify(answer) + '\n');
});
input.on('close', () => void shutdown());

process.stdout.write(JSON.stringify({
  sipPort: server.sip.udp!.port, httpUrl: server.httpUrl, number: NUMBER, pid: process.pid,
  accountSid: server.owner.sid, authToken: server.owner.authToken,
}) + '\n');

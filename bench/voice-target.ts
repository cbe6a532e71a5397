// Target process of `npm run bench:voice`: a full Patchbay (startServer, SQLite in a temp data dir, HTTP and SIP on
// 127.0.0.1 with free ports, silent logs) with one number created through the REST API, its VoiceUrl pointing at
// the bench's webhook (argv[2]). bench/voice.ts starts it pinned to one core.
//
// Protocol with the parent, one JSON object a line: on start `{"sipPort":N,"httpUrl":"…","number":"…","pid":N}`;
// every line on stdin is answered with a stats line. SIGTERM/SIGINT close the server and exit normally, so that
// `--cpu-prof` writes its profile.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
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

/**
 * RTP packets sent and received so far by the calls live now, summed. Read through the router's private map of live
 * calls (read-only, bench only: no public counter exists); -1 when that shape has changed.
 */
function rtpTotals(): { rtpSent: number; rtpReceived: number } {
  try {
    type Peek = { live: Map<string, { call: { options: { media: { stats: { packetsSent: number; packetsReceived: number } } } } }> };
    let rtpSent = 0;
    let rtpReceived = 0;
    for (const { call } of (server.calls as unknown as Peek).live.values()) {
      const st = call.options.media.stats;
      rtpSent += st.packetsSent;
      rtpReceived += st.packetsReceived;
    }
    return { rtpSent, rtpReceived };
  } catch {
    return { rtpSent: -1, rtpReceived: -1 };
  }
}

function stats(): Record<string, number> {
  const mem = process.memoryUsage();
  return {
    liveCalls: server.calls.liveCount, ...rtpTotals(),
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
input.on('line', () => process.stdout.write(JSON.stringify(stats()) + '\n'));
input.on('close', () => void shutdown());

process.stdout.write(JSON.stringify({ sipPort: server.sip.udp!.port, httpUrl: server.httpUrl, number: NUMBER, pid: process.pid }) + '\n');

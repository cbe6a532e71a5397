// Webhook process of `npm run bench:voice` and `npm run bench:dial`: the application behind the bench number, on
// loopback, pinned by the bench to the core SIPp uses (not the server's). POST /answer returns `<Play>` of its own
// prompt and `<Hangup/>` (mode "prompt"), a prompt looping for ever (mode "hold", the concurrency phase, where SIPp
// hangs up), or `<Dial><Number>` of a number (mode "dial +1…", bench:dial's bridged calls); GET /prompt.wav serves a
// 1 s 8 kHz WAV. The time each /answer request spends here (request seen → response finished) is the webhook's own
// time that the post-dial delay is compared with.
//
// Protocol with the parent, one JSON object a line: on start `{"port":N,"pid":N}`; stdin lines `mode prompt`,
// `mode hold`, `mode dial <E.164>` (answered `{"ok":true}`) and `stats` (answered with the counters and /answer
// times since the last `stats`, then reset).
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createInterface } from 'node:readline';

function promptWav(ms: number): Buffer {
  const samples = Math.round((ms * 8000) / 1000);
  const data = Buffer.alloc(samples * 2);
  for (let i = 0; i < samples; i++) data.writeInt16LE(Math.round(6000 * Math.sin((2 * Math.PI * 440 * i) / 8000)), i * 2);
  const h = Buffer.alloc(44);
  h.write('RIFF', 0, 'ascii');
  h.writeUInt32LE(36 + data.length, 4);
  h.write('WAVEfmt ', 8, 'ascii');
  h.writeUInt32LE(16, 16);
  h.writeUInt16LE(1, 20); // PCM
  h.writeUInt16LE(1, 22); // mono
  h.writeUInt32LE(8000, 24);
  h.writeUInt32LE(16000, 28);
  h.writeUInt16LE(2, 32);
  h.writeUInt16LE(16, 34);
  h.write('data', 36, 'ascii');
  h.writeUInt32LE(data.length, 40);
  return Buffer.concat([h, data]);
}

const wav = promptWav(1000);
let mode: 'prompt' | 'hold' | 'dial' = 'prompt';
let dialNumber = '';
let answers = 0;
let wavs = 0;
let times: number[] = [];
let base = '';

const server = createServer((req, res) => {
  const t0 = process.hrtime.bigint();
  const url = (req.url ?? '/').split('?')[0];
  if (url === '/prompt.wav') {
    wavs++;
    res.writeHead(200, { 'content-type': 'audio/wav', 'content-length': wav.length, 'cache-control': 'max-age=86400' }).end(wav);
    return;
  }
  if (url !== '/answer') {
    res.writeHead(404).end();
    return;
  }
  // The body (the webhook's parameters) is read to its end, as an application would.
  req.resume();
  req.on('end', () => {
    const verbs = mode === 'prompt'
      ? `<Play>${base}/prompt.wav</Play><Hangup/>`
      : mode === 'hold' ? `<Play loop="0">${base}/prompt.wav</Play>` : `<Dial><Number>${dialNumber}</Number></Dial>`;
    const body = `<?xml version="1.0" encoding="UTF-8"?><Response>${verbs}</Response>`;
    res.writeHead(200, { 'content-type': 'text/xml', 'content-length': Buffer.byteLength(body) });
    res.end(body, () => {
      answers++;
      times.push(Number(process.hrtime.bigint() - t0) / 1e6);
    });
  });
});
server.keepAliveTimeout = 60_000;
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const port = (server.address() as AddressInfo).port;
base = `http://127.0.0.1:${port}`;

function pct(sorted: number[], p: number): number | null {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]! : null;
}

const input = createInterface({ input: process.stdin });
input.on('line', (line) => {
  const [cmd, arg] = line.trim().split(/\s+/);
  if (cmd === 'mode' && (arg === 'prompt' || arg === 'hold' || arg === 'dial')) {
    mode = arg;
    dialNumber = line.trim().split(/\s+/)[2] ?? '';
    process.stdout.write('{"ok":true}\n');
  } else {
    const sorted = times.sort((a, b) => a - b);
    process.stdout.write(JSON.stringify({ answers, wavs, requests: sorted.length, p50Ms: pct(sorted, 50), p99Ms: pct(sorted, 99) }) + '\n');
    times = [];
  }
});
input.on('close', () => process.exit(0));
process.on('SIGTERM', () => process.exit(0));
process.on('SIGINT', () => process.exit(0));
process.stdout.write(JSON.stringify({ port, pid: process.pid }) + '\n');

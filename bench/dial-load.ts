// Load generator of `npm run bench:dial`: creates outbound calls with `POST /2010-04-01/Accounts/{Sid}/Calls.json`
// at a steady rate over a pool of keep-alive connections (undici). bench/dial.ts starts it pinned to SIPp's core, so
// that the HTTP client does not eat the server's.
//
// Usage: dial-load.ts <httpUrl> <accountSid>, the Auth Token in BENCH_DIAL_AUTH_TOKEN (not on the command line).
// Protocol with the parent, one JSON object a line: on start `{"pid":N}`; each stdin line
// `{"rate":R,"calls":N,"to":"+1…","from":"+1…","twiml":"<Response>…"}` runs one step and is answered with
// `{"sent","created","errors":{"<status or error>":count},"spanS","p50Ms","p99Ms","maxInFlight"}` once every request
// has been answered (spanS: first request sent → last request sent).
import { createInterface } from 'node:readline';
import { Pool } from 'undici';

const [httpUrl, accountSid] = process.argv.slice(2);
const token = process.env.BENCH_DIAL_AUTH_TOKEN;
if (!httpUrl || !accountSid || !token) throw new Error('usage: BENCH_DIAL_AUTH_TOKEN=… dial-load.ts <httpUrl> <accountSid>');

const pool = new Pool(httpUrl, { connections: 32, pipelining: 1, keepAliveTimeout: 60_000 });
const path = `/2010-04-01/Accounts/${accountSid}/Calls.json`;
const headers = {
  authorization: `Basic ${Buffer.from(`${accountSid}:${token}`).toString('base64')}`,
  'content-type': 'application/x-www-form-urlencoded',
};

interface Step {
  rate: number;
  calls: number;
  to: string;
  from: string;
  twiml: string;
}

function percentile(sorted: Float64Array, p: number): number | null {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]! : null;
}

async function run(step: Step): Promise<Record<string, unknown>> {
  const body = new URLSearchParams({ To: step.to, From: step.from, Twiml: step.twiml }).toString();
  const times = new Float64Array(step.calls);
  const errors: Record<string, number> = {};
  let sent = 0;
  let answered = 0;
  let created = 0;
  let inFlight = 0;
  let maxInFlight = 0;
  let lastSentAt = 0;
  const start = performance.now();
  const fail = (key: string): void => {
    errors[key] = (errors[key] ?? 0) + 1;
  };
  const one = async (): Promise<void> => {
    const t0 = performance.now();
    const i = sent++;
    lastSentAt = t0;
    inFlight++;
    if (inFlight > maxInFlight) maxInFlight = inFlight;
    try {
      const res = await pool.request({ method: 'POST', path, headers, body });
      const text = await res.body.text();
      if (res.statusCode === 201) created++;
      else fail(`HTTP ${res.statusCode} ${text.slice(0, 120)}`);
    } catch (err) {
      fail(String((err as Error).message ?? err).slice(0, 120));
    } finally {
      times[i] = performance.now() - t0;
      inFlight--;
      answered++;
    }
  };
  await new Promise<void>((resolve) => {
    const tick = (): void => {
      // Every request due by now goes out (a late tick catches up), so the offered rate holds on average.
      const due = Math.min(step.calls, Math.floor(((performance.now() - start) / 1000) * step.rate) + 1);
      while (sent < due) void one();
      if (sent < step.calls) setTimeout(tick, 1);
      else resolve();
    };
    tick();
  });
  while (answered < sent) await new Promise((r) => setTimeout(r, 5));
  const sorted = times.subarray(0, answered).sort();
  return {
    sent, created, errors, spanS: (lastSentAt - start) / 1000, p50Ms: percentile(sorted, 50), p99Ms: percentile(sorted, 99), maxInFlight,
  };
}

let queue = Promise.resolve();
const input = createInterface({ input: process.stdin });
input.on('line', (line) => {
  queue = queue.then(async () => {
    const result = await run(JSON.parse(line) as Step);
    process.stdout.write(JSON.stringify(result) + '\n');
  });
});
input.on('close', () => void queue.then(() => pool.close()).then(() => process.exit(0)));
process.on('SIGTERM', () => process.exit(0));
process.on('SIGINT', () => process.exit(0));
process.stdout.write(JSON.stringify({ pid: process.pid }) + '\n');

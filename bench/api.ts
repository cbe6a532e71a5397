// npm run bench:api — REST API throughput on one core with SQLite, beside a bare Fastify route in the same run.
// The server under test runs in its own process pinned to CPU 0 (taskset); autocannon drives it from this process.
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { type Figure, writeResults } from './results.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const DURATION = Number(process.env.BENCH_SECONDS ?? 8);
const CONNECTIONS = 64;

async function startTarget(mode: 'patchbay' | 'bare'): Promise<{ child: ChildProcess; info: Record<string, string> }> {
  const args = ['--import', 'tsx', path.join(here, 'api-target.ts'), mode];
  // Pin the server to one core so the figure means "per core"; fall back to unpinned where taskset is missing.
  const child = spawn('taskset', ['-c', '0', process.execPath, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  const line = await new Promise<string>((resolve, reject) => {
    child.once('error', reject);
    createInterface({ input: child.stdout! }).once('line', resolve);
  });
  return { child, info: JSON.parse(line) as Record<string, string> };
}

interface Run {
  rps: number;
  p99: number;
  errors: number;
}

async function load(title: string, opts: autocannon.Options): Promise<Run> {
  process.stdout.write(`  ${title.padEnd(52)} `);
  const result = await autocannon({ connections: CONNECTIONS, duration: DURATION, ...opts });
  const errors = result.errors + result.timeouts + result.non2xx;
  const rps = result.requests.average;
  process.stdout.write(`${Math.round(rps).toString().padStart(7)} req/s   p99 ${result.latency.p99} ms   errors ${errors}\n`);
  return { rps, p99: result.latency.p99, errors };
}

/**
 * The single GET and the bare route are measured in alternation, ROUNDS times each, and the medians compared: this
 * VM's speed drifts within minutes, and two back-to-back runs of the same server differ by a quarter at times.
 */
const ROUNDS = Number(process.env.BENCH_API_ROUNDS ?? 3);
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

console.log(`bench:api — ${DURATION} s per run, ${CONNECTIONS} connections, server pinned to one core; the bare route and the single GET alternate ${ROUNDS} times`);
const bare = await startTarget('bare');
const pb = await startTarget('patchbay');
const { url, accountSid, authToken, callSid } = pb.info;
const headers = { authorization: 'Basic ' + Buffer.from(`${accountSid}:${authToken}`).toString('base64') };
const base = `${url}/2010-04-01/Accounts/${accountSid}`;
const bareRuns: Run[] = [];
const fetchRuns: Run[] = [];
// Both servers stay up on the same core; the one not measured is stopped (SIGSTOP), so that its idle timers take
// nothing from the other.
for (let round = 1; round <= ROUNDS; round++) {
  pb.child.kill('SIGSTOP');
  bareRuns.push(await load(`bare Fastify route (reference), round ${round}`, { url: `${bare.info.url}/bare.json` }));
  pb.child.kill('SIGCONT');
  bare.child.kill('SIGSTOP');
  fetchRuns.push(await load(`GET Calls/{Sid}.json (authenticated), round ${round}`, { url: `${base}/Calls/${callSid}.json`, headers }));
  bare.child.kill('SIGCONT');
}
bare.child.kill();
const bareRun = { rps: median(bareRuns.map((r) => r.rps)), p99: median(bareRuns.map((r) => r.p99)), errors: bareRuns.reduce((a, r) => a + r.errors, 0) };
const fetchCall = { rps: median(fetchRuns.map((r) => r.rps)), p99: median(fetchRuns.map((r) => r.p99)), errors: fetchRuns.reduce((a, r) => a + r.errors, 0) };
const ratios = fetchRuns.map((r, i) => r.rps / bareRuns[i]!.rps);
console.log(`  medians: bare ${Math.round(bareRun.rps)} req/s, single GET ${Math.round(fetchCall.rps)} req/s; per round the GET made ${ratios.map((r) => `${(r * 100).toFixed(0)}%`).join(', ')} of the bare route`);
const listCalls = await load('GET Calls.json (50-item page)', { url: `${base}/Calls.json?PageSize=50`, headers });
let n = 0;
const createNumber = await load('POST IncomingPhoneNumbers.json', {
  url: `${base}/IncomingPhoneNumbers.json`,
  method: 'POST',
  headers: { ...headers, 'content-type': 'application/x-www-form-urlencoded' },
  requests: [
    {
      setupRequest: (req) => ({ ...req, body: `PhoneNumber=%2B1${String(2_000_000_000 + n++)}&VoiceUrl=https%3A%2F%2Fexample.com%2Fv` }),
    },
  ],
});
pb.child.kill();

const figures: Record<string, Figure> = {
  get_call_rps: { value: Math.round(fetchCall.rps), unit: 'req/s', target: 10_000, better: 'higher', reference: Math.round(bareRun.rps) },
  get_call_p99: { value: fetchCall.p99, unit: 'ms', target: null, better: 'lower', reference: bareRun.p99 },
  get_call_share_of_bare: { value: Number((fetchCall.rps / bareRun.rps).toFixed(3)), unit: 'ratio', target: 0.333, better: 'higher', reference: 1 },
  list_calls_rps: { value: Math.round(listCalls.rps), unit: 'req/s', target: null, better: 'higher', reference: Math.round(bareRun.rps) },
  list_calls_p99: { value: listCalls.p99, unit: 'ms', target: null, better: 'lower', reference: bareRun.p99 },
  create_number_rps: { value: Math.round(createNumber.rps), unit: 'req/s', target: null, better: 'higher', reference: Math.round(bareRun.rps) },
  create_number_p99: { value: createNumber.p99, unit: 'ms', target: null, better: 'lower', reference: bareRun.p99 },
};
const errors = fetchCall.errors + listCalls.errors + createNumber.errors;
console.log(`\n  single GET: ${figures.get_call_rps.value} req/s (target ≥ 10000), ${(figures.get_call_share_of_bare.value * 100).toFixed(0)}% of the bare route (target ≥ 33%)`);
if (errors > 0) console.log(`  WARNING: ${errors} failed requests`);
console.log(`  written to ${writeResults('api', figures)}`);

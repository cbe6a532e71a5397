// Retained memory per call of the UAS core, as the SIPp uac scenario drives it (INVITE / 200 / ACK / BYE / 200), with
// every transaction still alive in its RFC wait state (Timer L for the INVITE, Timer J for the BYE: 64*T1 = 32 s).
// Run with `node --expose-gc --import tsx test/sip/ua/retention-probe.ts [calls]`; prints one JSON line.
// With `--weakref` it instead reports whether the parsed INVITE and BYE of one call were collected while their
// transactions live on (used by retention.test.ts).
import { systemClock } from '../../../src/core/index.js';
import { UserAgent, type IncomingLeg, type SipRequest } from '../../../src/sip/index.js';

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with --expose-gc');
const weakMode = process.argv.includes('--weakref');
const calls = Number(process.argv.find((a) => /^\d+$/.test(a)) ?? 20_000);

const SDP = 'v=0\r\no=user1 53655765 2353687637 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 6000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n';
const ANSWER = SDP.replace('user1', 'patchbay');

let lastResponse = '';
const ua = new UserAgent({
  clock: systemClock,
  transport: {
    protocol: 'UDP', reliable: false, local: { host: '127.0.0.1', port: 5060 },
    send: (bytes) => {
      lastResponse = Buffer.from(bytes).toString('latin1');
      return Promise.resolve();
    },
  },
});
const legs: IncomingLeg[] = [];
ua.delegate = {
  onInvite: (leg) => {
    if (weakMode) legs.push(leg);
    void leg.accept(ANSWER).catch(() => undefined);
  },
};
const source = { host: '127.0.0.1', port: 5061 };

function request(lines: string[], body = ''): Buffer {
  return Buffer.from(`${lines.join('\r\n')}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
}

function call(i: number): void {
  const callId = `${i}-probe@127.0.0.1`;
  const common = [
    'From: sipp <sip:sipp@127.0.0.1:5061>;tag=' + i + 'SIPpTag00',
    `Call-ID: ${callId}`,
    'Max-Forwards: 70',
  ];
  ua.receiveBytes(request([
    'INVITE sip:service@127.0.0.1:5060 SIP/2.0',
    `Via: SIP/2.0/UDP 127.0.0.1:5061;branch=z9hG4bK-${i}-1-0`,
    ...common, 'To: service <sip:service@127.0.0.1:5060>', 'CSeq: 1 INVITE',
    'Contact: sip:sipp@127.0.0.1:5061', 'Subject: Performance Test', 'Content-Type: application/sdp',
  ], SDP), source);
  const toTag = /\r\nTo:[^\r]*;tag=([^;\r]+)/i.exec(lastResponse)?.[1] ?? '';
  const to = `To: service <sip:service@127.0.0.1:5060>;tag=${toTag}`;
  ua.receiveBytes(request([
    'ACK sip:service@127.0.0.1:5060 SIP/2.0', `Via: SIP/2.0/UDP 127.0.0.1:5061;branch=z9hG4bK-${i}-5-0`,
    ...common, to, 'CSeq: 1 ACK', 'Contact: sip:sipp@127.0.0.1:5061', 'Subject: Performance Test',
  ]), source);
  ua.receiveBytes(request([
    'BYE sip:service@127.0.0.1:5060 SIP/2.0', `Via: SIP/2.0/UDP 127.0.0.1:5061;branch=z9hG4bK-${i}-7-0`,
    ...common, to, 'CSeq: 2 BYE', 'Contact: sip:sipp@127.0.0.1:5061', 'Subject: Performance Test',
  ]), source);
}

function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

async function measure(): Promise<number> {
  for (let i = 0; i < 3; i++) {
    await settle();
    gc!();
  }
  const m = process.memoryUsage();
  return m.heapUsed + m.external;
}

if (weakMode) {
  // One call, then its INVITE and BYE requests should be unreachable although both transactions live on.
  let invite: WeakRef<SipRequest> | undefined;
  let byeRef: WeakRef<object> | undefined;
  const originalReceive = ua.receive.bind(ua);
  ua.receive = (message, from) => {
    if (message.isRequest() && message.method === 'INVITE') invite = new WeakRef(message);
    if (message.isRequest() && message.method === 'BYE') byeRef = new WeakRef(message);
    originalReceive(message, from);
  };
  call(1);
  legs.length = 0;
  await measure();
  await measure();
  const result = {
    transactions: ua.stats.transactions, dialogs: ua.stats.dialogs, pending2xx: ua.stats.pending2xx,
    inviteCollected: invite?.deref() === undefined, byeCollected: byeRef?.deref() === undefined,
  };
  process.stdout.write(JSON.stringify(result) + '\n');
  ua.close();
  process.exit(0);
}

// Warm up (JIT, pools), then measure a batch of calls held in their wait states.
for (let i = 0; i < 500; i++) call(1_000_000 + i);
const before = await measure();
const t0 = performance.now();
const cpu0 = process.cpuUsage();
for (let i = 0; i < calls; i++) call(i);
const cpu = process.cpuUsage(cpu0);
const elapsedMs = performance.now() - t0;
const after = await measure();
const { transactions, dialogs, pending2xx } = ua.stats;
process.stdout.write(JSON.stringify({
  calls, transactions, dialogs, pending2xx,
  retainedBytesPerCall: Math.round((after - before) / calls),
  retainedBytesPerTransaction: Math.round((after - before) / Math.max(1, transactions - 1000)),
  heapUsedMiB: Math.round(process.memoryUsage().heapUsed / 2 ** 20),
  usPerCall: Math.round((elapsedMs * 1000) / calls),
  cpuUsPerCall: Math.round((cpu.user + cpu.system) / calls),
}) + '\n');
// PROBE_SNAPSHOT=<file>: a heap snapshot of the waiting transactions, to see what they hold.
if (process.env.PROBE_SNAPSHOT) (await import('node:v8')).writeHeapSnapshot(process.env.PROBE_SNAPSHOT);
ua.close();
process.exit(0);

// Target process of `npm run bench:sip`: the Patchbay SIP stack (TransportLayer + UserAgent over UDP on 127.0.0.1)
// answering every INVITE with 200 and a static SDP, and accepting the BYE that follows. bench/sip.ts starts it pinned
// to one core and drives it with SIPp.
//
// Protocol with the parent, one JSON object a line: on start it prints `{"port":N,"pid":N}`; every line it reads on
// stdin is answered with a stats line. SIGTERM/SIGINT close the stack and exit normally, so that `--cpu-prof`
// writes its profile.
import { createInterface } from 'node:readline';
import { silentLogger } from '../src/core/index.js';
import { TransportLayer, UserAgent } from '../src/sip/index.js';

const SDP_ANSWER = [
  'v=0', 'o=patchbay 1 1 IN IP4 127.0.0.1', 's=-', 'c=IN IP4 127.0.0.1', 't=0 0', 'm=audio 40000 RTP/AVP 0 101',
  'a=rtpmap:0 PCMU/8000', 'a=rtpmap:101 telephone-event/8000', 'a=sendrecv', '',
].join('\r\n');

let invites = 0;
let answered = 0;
let byes = 0;
let failedAnswers = 0;

let ua: UserAgent | undefined;
const layer = new TransportLayer({ receive: (message, source) => ua?.receive(message, source) }, {
  host: '127.0.0.1', port: Number(process.argv[2] ?? 0), udp: true, tcp: false, logger: silentLogger(),
});
const bound = await layer.listen();
ua = new UserAgent({
  transport: layer.transport('UDP')!,
  userAgent: 'Patchbay-bench',
  delegate: {
    onInvite: (leg) => {
      invites++;
      leg.delegate = { onBye: () => byes++ };
      leg.accept(SDP_ANSWER).then(() => answered++, () => failedAnswers++);
    },
  },
});

function stats(): Record<string, number> {
  const mem = process.memoryUsage();
  return {
    invites, answered, byes, failedAnswers, ...ua!.stats, ...layer.counters,
    rssMiB: Math.round(mem.rss / 2 ** 20), heapMiB: Math.round(mem.heapUsed / 2 ** 20),
  };
}

let closed = false;
function shutdown(): void {
  if (closed) return;
  closed = true;
  ua?.close();
  layer.close();
  process.exit(0);
}
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
// The parent going away closes stdin: leave with it.
const input = createInterface({ input: process.stdin });
input.on('line', () => process.stdout.write(JSON.stringify(stats()) + '\n'));
input.on('close', shutdown);

process.stdout.write(JSON.stringify({ port: bound.udp!.port, pid: process.pid }) + '\n');

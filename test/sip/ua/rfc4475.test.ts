import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { FakeClock } from '../../../src/core/index.js';
import { DigestServer, parseDigestCredentials } from '../../../src/sip/auth/index.js';
import { parseMessage, type SipRequest, type SipResponse } from '../../../src/sip/message/index.js';
import { UserAgent, type IncomingLeg } from '../../../src/sip/ua/index.js';
import { LoopbackNetwork, flush } from './loopback.js';

const DATA = '/work/shared/testdata/rfc4475/';
const load = (name: string): SipRequest => {
  const parsed = parseMessage(readFileSync(new URL(name, `file://${DATA}`)));
  if (!parsed.ok || !parsed.message.isRequest()) throw new Error(`${name} did not parse`);
  return parsed.message;
};

function setup() {
  const clock = new FakeClock();
  const net = new LoopbackNetwork();
  const peer = net.transport('192.0.2.1', 5060);
  const t = net.transport('10.0.0.2', 5060);
  const ua = new UserAgent({ transport: t, clock });
  const sink = new UserAgent({ transport: peer, clock });
  t.attach(ua);
  peer.attach(sink);
  const responses = () => net.log.map((p) => p.message).filter((m): m is SipResponse => m.isResponse());
  return { clock, net, ua, sink, responses };
}

test('RFC 4475 §3.3.7 regaut01: the unknown Authorization scheme is ignored and the REGISTER challenged with 401', async () => {
  const { ua, sink, responses } = setup();
  const server = new DigestServer({ realm: 'example.com', secret: 'a-test-secret-of-32-bytes-length' });
  ua.delegate = {
    onRegister: (r) => {
      const credentials = r.request.headers.getAll('authorization').map(parseDigestCredentials);
      assert.deepEqual(credentials.map((c) => (c.ok ? 'ok' : c.reason)), ['not-digest']);
      r.respond(401, { headers: server.challenges().map((c) => ['WWW-Authenticate', c] as const) });
    },
  };
  ua.receive(load('regaut01.dat'), { host: '192.0.2.1', port: 5060 });
  await flush();
  const [res] = responses();
  assert.equal(res?.status, 401);
  assert.equal(res?.headers.getAll('www-authenticate').length, 2);
  ua.close();
  sink.close();
});

test('RFC 4475 §3.2.1 badbranch: a bare "z9hG4bK" branch falls back to RFC 2543 matching; retransmission absorbed', async () => {
  const { ua, sink, responses } = setup();
  ua.receive(load('badbranch.dat'), { host: '192.0.2.1', port: 5060 });
  ua.receive(load('badbranch.dat'), { host: '192.0.2.1', port: 5060 });
  await flush();
  // One transaction: the 200 is sent once and re-sent once for the retransmission (§17.2.2).
  assert.deepEqual(responses().map((r) => r.status), [200, 200]);
  assert.equal(ua.stats.transactions, 1);
  ua.close();
  sink.close();
});

test('RFC 4475 §3.4.1 inv2543: RFC 2543 INVITE (no branch, no From tag, no Contact) is answered and its dialog works', async () => {
  const { ua, sink, clock, responses } = setup();
  const legs: IncomingLeg[] = [];
  ua.delegate = { onInvite: (leg) => legs.push(leg) };
  ua.receive(load('inv2543.dat'), { host: '192.0.2.1', port: 5060 });
  ua.receive(load('inv2543.dat'), { host: '192.0.2.1', port: 5060 });
  await flush();
  assert.equal(legs.length, 1, 'the retransmission matched by the RFC 2543 rules');
  const accepted = legs[0]!.accept('v=0\r\n');
  accepted.catch(() => undefined);
  await flush();
  const ok = responses().find((r) => r.status === 200)!;
  assert.ok(ok.to?.tag);
  assert.deepEqual(ok.headers.getAll('record-route'), ['<sip:UserB@example.com;maddr=ss1.example.com>']);
  // Our 2xx is retransmitted until an ACK (the peer here never sends one), then the leg gives up and ends (its BYE
  // goes by the strict Record-Route to ss1.example.com, which this loopback network cannot reach).
  clock.advance(32_000);
  await flush();
  await assert.rejects(accepted);
  assert.equal(legs[0]!.state, 'ended');
  assert.ok(responses().filter((r) => r.status === 200).length > 5, '2xx retransmitted');
  ua.close();
  sink.close();
});

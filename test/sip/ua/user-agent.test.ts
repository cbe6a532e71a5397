import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../../../src/core/index.js';
import { DigestServer, parseDigestCredentials } from '../../../src/sip/auth/index.js';
import { parseMessage, type SipRequest, type SipResponse } from '../../../src/sip/message/index.js';
import { InvalidStateError, SipError, UserAgent, type IncomingLeg } from '../../../src/sip/ua/index.js';
import { LoopbackNetwork, flush } from './loopback.js';

const OFFER = 'v=0\r\no=a 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n';
const ANSWER = OFFER.replace('o=a', 'o=b').replace('4000', '5000');
const HOLD = `${OFFER}a=sendonly\r\n`;

function setup(options: { reliable?: boolean; maxUnansweredMs?: number } = {}) {
  const clock = new FakeClock();
  const net = new LoopbackNetwork();
  const ta = net.transport('10.0.0.1', 5060, options.reliable);
  const tb = net.transport('10.0.0.2', 5070, options.reliable);
  const a = new UserAgent({ transport: ta, clock, contactUser: 'a' });
  const b = new UserAgent({ transport: tb, clock, contactUser: 'b', ...(options.maxUnansweredMs ? { maxUnansweredMs: options.maxUnansweredMs } : {}) });
  ta.attach(a);
  tb.attach(b);
  const incoming: IncomingLeg[] = [];
  b.delegate = { onInvite: (leg) => incoming.push(leg) };
  return { clock, net, a, b, incoming };
}

async function drain(clock: FakeClock, a: UserAgent, b: UserAgent): Promise<void> {
  // Long enough for Timer D (32 s), H, J, L, M (64*T1): everything ends.
  for (let i = 0; i < 70; i++) {
    clock.advance(1000);
    await flush(2);
  }
  assert.deepEqual(a.stats, { transactions: 0, dialogs: 0, pending2xx: 0, outgoingLegs: 0 });
  assert.deepEqual(b.stats, { transactions: 0, dialogs: 0, pending2xx: 0, outgoingLegs: 0 });
}

test('OPTIONS outside a dialog: default 200 with Allow and Accept (§11.2)', async () => {
  const { a, b, clock } = setup();
  const pending = a.request({ method: 'OPTIONS', uri: 'sip:b@10.0.0.2:5070' });
  await flush();
  const res = await pending;
  assert.equal(res.status, 200);
  assert.match(res.headers.get('allow') ?? '', /INVITE.*BYE.*OPTIONS/);
  assert.equal(res.headers.get('accept'), 'application/sdp');
  await drain(clock, a, b);
  a.close();
  b.close();
});

test('call: INVITE / 180 / 200 / ACK, then BYE from the caller; dialogs and transactions drain', async () => {
  const { a, b, clock, net, incoming } = setup();
  const progress: Array<[number, string | undefined]> = [];
  const leg = a.invite({ uri: 'sip:b@10.0.0.2:5070', sdp: OFFER, delegate: { onProgress: (p) => progress.push([p.status, p.sdp]) } });
  await flush();
  assert.equal(incoming.length, 1);
  const inLeg = incoming[0]!;
  assert.equal(inLeg.offer, OFFER);
  inLeg.progress(183, ANSWER);
  await flush();
  assert.deepEqual(progress, [[183, ANSWER]]);
  assert.equal(leg.state, 'early');
  const acked = inLeg.accept(ANSWER);
  await flush();
  const answer = await leg.answer;
  assert.equal(answer.sdp, ANSWER);
  await acked;
  assert.equal(leg.state, 'answered');
  assert.equal(inLeg.state, 'answered');
  assert.equal(a.stats.dialogs, 1);
  assert.equal(b.stats.dialogs, 1);
  const ended: string[] = [];
  inLeg.delegate = { onBye: () => ended.push('bye'), onEnded: (r) => ended.push(r) };
  const hung = leg.hangup();
  await flush();
  await hung;
  assert.deepEqual(ended, ['bye-received', 'bye']);
  assert.deepEqual(net.summary(), [
    '10.0.0.1:5060>10.0.0.2:5070 INVITE',
    '10.0.0.2:5070>10.0.0.1:5060 100 INVITE',
    '10.0.0.2:5070>10.0.0.1:5060 183 INVITE',
    '10.0.0.2:5070>10.0.0.1:5060 200 INVITE',
    '10.0.0.1:5060>10.0.0.2:5070 ACK',
    '10.0.0.1:5060>10.0.0.2:5070 BYE',
    '10.0.0.2:5070>10.0.0.1:5060 200 BYE',
  ]);
  // The ACK for the 2xx is its own transaction (§13.2.2.4): new branch, same CSeq number, method ACK.
  const invite = net.log[0]!.message as SipRequest;
  const ack = net.log[4]!.message as SipRequest;
  assert.notEqual(ack.topVia?.branch, invite.topVia?.branch);
  assert.equal(ack.cseq?.seq, invite.cseq?.seq);
  assert.equal(ack.uri.toString(), 'sip:b@10.0.0.2:5070');
  await drain(clock, a, b);
  a.close();
  b.close();
});

test('reject 486 → SipError on the caller; the INVITE client transaction ACKs it (§17.1.1.3)', async () => {
  const { a, b, clock, net, incoming } = setup();
  const leg = a.invite({ uri: 'sip:b@10.0.0.2:5070', sdp: OFFER });
  await flush();
  incoming[0]!.reject(486);
  await flush();
  await assert.rejects(leg.answer, (e: unknown) => e instanceof SipError && e.status === 486 && e.reason === 'Busy Here');
  const ack = net.log.find((p) => p.message.isRequest() && p.message.method === 'ACK')!.message as SipRequest;
  const invite = net.log[0]!.message as SipRequest;
  assert.equal(ack.topVia?.branch, invite.topVia?.branch, 'the non-2xx ACK shares the INVITE branch');
  assert.ok(ack.to?.tag);
  await drain(clock, a, b);
  a.close();
  b.close();
});

test('3xx carries its contacts in the SipError', async () => {
  const { a, b, clock, incoming } = setup();
  const leg = a.invite({ uri: 'sip:b@10.0.0.2:5070', sdp: OFFER });
  await flush();
  incoming[0]!.reject(302, 'Moved Temporarily', [['Contact', '<sip:c@10.0.0.3>']]);
  await flush();
  await assert.rejects(leg.answer, (e: unknown) => e instanceof SipError && e.status === 302 && e.contacts[0]?.uri.toString() === 'sip:c@10.0.0.3');
  await drain(clock, a, b);
  a.close();
  b.close();
});

test('CANCEL before answer: 200 for the CANCEL, 487 for the INVITE (§9.2); also on the caller\'s timeout', async () => {
  const { a, b, clock, net, incoming } = setup();
  const leg = a.invite({ uri: 'sip:b@10.0.0.2:5070', sdp: OFFER });
  await flush();
  const events: string[] = [];
  incoming[0]!.delegate = { onCancel: () => events.push('cancel'), onEnded: (r) => events.push(r) };
  leg.cancel(); // before any 1xx other than 100: held until a provisional arrives (§9.1)
  await flush();
  assert.equal(net.summary().filter((s) => s.endsWith('CANCEL')).length, 0);
  incoming[0]!.progress(180);
  await flush();
  await assert.rejects(leg.answer, (e: unknown) => e instanceof SipError && e.status === 487);
  assert.deepEqual(events, ['cancelled', 'cancel']);
  assert.ok(net.summary().includes('10.0.0.2:5070>10.0.0.1:5060 200 CANCEL'));
  assert.ok(net.summary().includes('10.0.0.2:5070>10.0.0.1:5060 487 INVITE'));

  const timed = a.invite({ uri: 'sip:b@10.0.0.2:5070', sdp: OFFER, timeoutMs: 5000 });
  await flush();
  incoming[1]!.progress(180);
  await flush();
  clock.advance(5000);
  await flush();
  await assert.rejects(timed.answer, (e: unknown) => e instanceof SipError && e.status === 487);
  await drain(clock, a, b);
  a.close();
  b.close();
});

test('digest: 401 challenge answered once with credentials, then accepted; wrong password fails with 401', async () => {
  const { a, b, clock, incoming } = setup();
  const server = new DigestServer({ realm: 'patchbay.test', secret: 'a-test-secret-of-32-bytes-length', clock });
  b.delegate = {
    onInvite: (leg) => {
      const auth = leg.request.headers.get('authorization');
      const creds = auth ? parseDigestCredentials(auth) : undefined;
      if (creds?.ok && server.verify({ credentials: creds.credentials, method: 'INVITE', secret: { password: 's3cret' } }).ok) {
        incoming.push(leg);
        void leg.accept(ANSWER);
        return;
      }
      leg.reject(401, undefined, server.challenges().map((c) => ['WWW-Authenticate', c] as const));
    },
  };
  const good = a.invite({ uri: 'sip:b@10.0.0.2:5070', sdp: OFFER, credentials: { username: 'alice', password: 's3cret' } });
  await flush();
  const answer = await good.answer;
  assert.equal(answer.sdp, ANSWER);
  assert.match(good.invite.headers.get('authorization') ?? '', /algorithm=SHA-256/);
  const bad = a.invite({ uri: 'sip:b@10.0.0.2:5070', sdp: OFFER, credentials: { username: 'alice', password: 'nope' } });
  await flush();
  await assert.rejects(bad.answer, (e: unknown) => e instanceof SipError && e.status === 401);
  const none = a.invite({ uri: 'sip:b@10.0.0.2:5070', sdp: OFFER });
  await flush();
  await assert.rejects(none.answer, (e: unknown) => e instanceof SipError && e.status === 401);
  await good.hangup();
  await flush();
  await drain(clock, a, b);
  a.close();
  b.close();
});

test('re-INVITE for hold and unhold, and INFO with DTMF, in both directions', async () => {
  const { a, b, clock, incoming } = setup();
  const leg = a.invite({ uri: 'sip:b@10.0.0.2:5070', sdp: OFFER });
  await flush();
  const inLeg = incoming[0]!;
  const offers: Array<string | undefined> = [];
  const infos: string[] = [];
  inLeg.delegate = { onReinvite: (offer) => { offers.push(offer); return Promise.resolve(`${ANSWER}a=recvonly\r\n`); }, onInfo: (i) => infos.push(`${i.contentType}:${i.body}`) };
  void inLeg.accept(ANSWER);
  await flush();
  await leg.answer;
  const held = leg.reinvite(HOLD);
  await flush();
  assert.equal(await held, `${ANSWER}a=recvonly\r\n`);
  assert.deepEqual(offers, [HOLD]);
  const unheld = leg.reinvite(OFFER);
  await flush();
  await unheld;
  const dtmf = leg.info('application/dtmf-relay', 'Signal=5\r\nDuration=160\r\n');
  await flush();
  await dtmf;
  assert.deepEqual(infos, ['application/dtmf-relay:Signal=5\r\nDuration=160\r\n']);
  // From the callee side, without an onReinvite handler: the caller answers with its current SDP.
  const back = inLeg.reinvite(ANSWER);
  await flush();
  assert.equal(await back, OFFER);
  await inLeg.hangup();
  await flush();
  assert.equal(leg.state, 'ended');
  await drain(clock, a, b);
  a.close();
  b.close();
});

test('2xx retransmitted until ACK (T1 doubling up to T2), given up after 64*T1 with BYE (§13.3.1.4)', async () => {
  const { a, b, clock, net, incoming } = setup();
  net.drop = (p) => p.message.isRequest() && p.message.method === 'ACK';
  const leg = a.invite({ uri: 'sip:b@10.0.0.2:5070', sdp: OFFER });
  await flush();
  const accepted = incoming[0]!.accept(ANSWER);
  accepted.catch(() => undefined);
  await flush();
  await leg.answer;
  const times: number[] = [];
  const start = clock.now();
  for (let t = 0; t < 32_000; t += 250) {
    const before = net.summary().filter((s) => s.endsWith('200 INVITE')).length;
    clock.advance(250);
    await flush(3);
    const after = net.summary().filter((s) => s.endsWith('200 INVITE')).length;
    if (after > before) times.push(clock.now() - start);
  }
  assert.deepEqual(times.slice(0, 6), [500, 1500, 3500, 7500, 11500, 15500]);
  await assert.rejects(accepted, (e: unknown) => e instanceof SipError && e.status === 408);
  assert.ok(net.summary().includes('10.0.0.2:5070>10.0.0.1:5060 BYE'));
  assert.equal(leg.state, 'ended');
  net.drop = () => false;
  await drain(clock, a, b);
  a.close();
  b.close();
});

test('retransmissionsReceived counts what peers send again because our answer was late or lost', async () => {
  const { a, b, clock, net, incoming } = setup();
  // b's 100 Trying and a's ACK are lost: a retransmits its INVITE (Timer A), b its 2xx (§13.3.1.4).
  net.drop = (p) => (!p.message.isRequest() && p.message.status === 100) || (p.message.isRequest() && p.message.method === 'ACK');
  const leg = a.invite({ uri: 'sip:b@10.0.0.2:5070', sdp: OFFER });
  await flush();
  clock.advance(500);
  await flush();
  assert.equal(b.retransmissionsReceived, 1, 'the INVITE retransmission absorbed by its server transaction');
  const accepted = incoming[0]!.accept(ANSWER);
  accepted.catch(() => undefined);
  await flush();
  await leg.answer;
  assert.equal(a.retransmissionsReceived, 0);
  clock.advance(500);
  await flush(3);
  clock.advance(1000);
  await flush(3);
  assert.equal(a.retransmissionsReceived, 2, 'two 2xx retransmissions, each answered with the same ACK');
  assert.equal(b.retransmissionsReceived, 1, 'ACKs are not counted');
  net.drop = () => false;
  clock.advance(2000);
  await flush(3);
  await accepted;
  leg.hangup();
  await drain(clock, a, b);
  a.close();
  b.close();
});

test('ACK lost, BYE arrives: the in-dialog BYE shows the 2xx arrived — retransmission stops, accept() resolves, BYE answered 200 (§12.2.2, §13.3.1.4)', async () => {
  const { a, b, clock, net, incoming } = setup();
  net.drop = (p) => p.message.isRequest() && p.message.method === 'ACK';
  const leg = a.invite({ uri: 'sip:b@10.0.0.2:5070', sdp: OFFER });
  await flush();
  const inLeg = incoming[0]!;
  const ended: string[] = [];
  inLeg.delegate = { onBye: () => ended.push('bye'), onEnded: (r) => ended.push(r) };
  let outcome = 'pending';
  const accepted = inLeg.accept(ANSWER).then(() => (outcome = 'acked'), (e: unknown) => (outcome = `rejected: ${String(e)}`));
  await flush();
  await leg.answer;
  assert.equal(b.stats.pending2xx, 1);
  assert.equal(outcome, 'pending');
  await leg.hangup();
  await flush();
  await accepted;
  assert.equal(outcome, 'acked');
  assert.equal(b.stats.pending2xx, 0);
  assert.deepEqual(ended, ['bye-received', 'bye']);
  const sent = net.log.length;
  // No more 2xx retransmissions, no BYE of our own after 64*T1.
  for (let i = 0; i < 40; i++) {
    clock.advance(1000);
    await flush(3);
  }
  assert.deepEqual(net.summary().slice(sent), []);
  const summary = net.summary();
  assert.equal(summary.filter((s) => s === '10.0.0.1:5060>10.0.0.2:5070 BYE').length, 1);
  assert.equal(summary.filter((s) => s === '10.0.0.2:5070>10.0.0.1:5060 200 BYE').length, 1);
  assert.ok(!summary.includes('10.0.0.2:5070>10.0.0.1:5060 BYE'));
  net.drop = () => false;
  await drain(clock, a, b);
  a.close();
  b.close();
});

test('ACK of an answered re-INVITE lost, INFO arrives: the 2xx retransmission stops and a new re-INVITE is accepted (§14.2)', async () => {
  const { a, b, net, clock, incoming } = setup();
  const leg = a.invite({ uri: 'sip:b@10.0.0.2:5070', sdp: OFFER });
  await flush();
  const inLeg = incoming[0]!;
  void inLeg.accept(ANSWER);
  await flush();
  await leg.answer;
  net.drop = (p) => p.message.isRequest() && p.message.method === 'ACK';
  assert.equal(await leg.reinvite(HOLD), ANSWER);
  await flush();
  assert.equal(b.stats.pending2xx, 1);
  net.drop = () => false;
  await leg.info('application/dtmf-relay', 'Signal=1\r\nDuration=160\r\n');
  await flush();
  assert.equal(b.stats.pending2xx, 0);
  assert.equal(await leg.reinvite(OFFER), ANSWER);
  await leg.hangup();
  await flush();
  await drain(clock, a, b);
  a.close();
  b.close();
});

test('100 Trying only when the TU does not answer within the same turn (§17.2.1); a synchronous answer saves it', async () => {
  const { a, b, clock, net } = setup();
  b.delegate = { onInvite: (leg) => void leg.accept(ANSWER) };
  const first = a.invite({ uri: 'sip:b@10.0.0.2:5070', sdp: OFFER });
  await flush();
  await first.answer;
  assert.ok(!net.summary().includes('10.0.0.2:5070>10.0.0.1:5060 100 INVITE'));
  b.delegate = { onInvite: (leg) => setImmediate(() => void leg.accept(ANSWER)) };
  const second = a.invite({ uri: 'sip:b@10.0.0.2:5070', sdp: OFFER });
  await flush();
  await second.answer;
  assert.deepEqual(net.summary().filter((s) => s.startsWith('10.0.0.2:5070>10.0.0.1:5060') && s.endsWith('INVITE')), [
    '10.0.0.2:5070>10.0.0.1:5060 200 INVITE',
    '10.0.0.2:5070>10.0.0.1:5060 100 INVITE',
    '10.0.0.2:5070>10.0.0.1:5060 200 INVITE',
  ]);
  await first.hangup();
  await second.hangup();
  await flush();
  await drain(clock, a, b);
  a.close();
  b.close();
});

function rawRequest(text: string): SipRequest {
  const parsed = parseMessage(Buffer.from(text.replace(/\n/g, '\r\n')));
  if (!parsed.ok || !parsed.message.isRequest()) throw new Error('bad fixture');
  return parsed.message;
}

async function send(b: UserAgent, net: LoopbackNetwork, text: string): Promise<SipResponse[]> {
  const before = net.log.length;
  b.receive(rawRequest(text), { host: '10.0.0.1', port: 5060 });
  await flush();
  return net.log.slice(before).map((p) => p.message).filter((m): m is SipResponse => m.isResponse());
}

const base = (method: string, extra = '', uri = 'sip:b@10.0.0.2:5070', body = '') => `${method} ${uri} SIP/2.0
Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK${Math.random().toString(36).slice(2)}
Max-Forwards: 70
From: <sip:a@10.0.0.1>;tag=abc
To: <sip:b@10.0.0.2>${extra.includes('To-tag') ? ';tag=nosuch' : ''}
Call-ID: ${Math.random().toString(36).slice(2)}
CSeq: 1 ${method}
Contact: <sip:a@10.0.0.1:5060>
${extra.split('\n').filter((l) => l && !l.includes('To-tag')).map((l) => `${l}\n`).join('')}Content-Length: ${body.length}

${body}`;

test('UAS rejections: 481 unknown dialog, 420 Require, 415 content type, 416 scheme, 505 version, 405 REGISTER, 400 CSeq mismatch, 481 CANCEL', async () => {
  const { a, b, clock, net } = setup();
  assert.deepEqual((await send(b, net, base('BYE', 'To-tag'))).map((r) => r.status), [481]);
  assert.deepEqual((await send(b, net, base('BYE'))).map((r) => r.status), [481]);
  const r420 = await send(b, net, base('INVITE', 'Require: nosuchextension'));
  assert.equal(r420[0]?.status, 420);
  assert.equal(r420[0]?.headers.get('unsupported'), 'nosuchextension');
  const r415 = await send(b, net, base('INVITE', 'Content-Type: application/x-unknown', undefined, 'hello'));
  assert.equal(r415[0]?.status, 415);
  assert.ok(r415[0]?.headers.get('accept'));
  assert.equal((await send(b, net, base('INVITE', '', 'isbn:2983792873')))[0]?.status, 416);
  assert.equal((await send(b, net, base('OPTIONS').replace('SIP/2.0\r\n', 'SIP/7.0\r\n').replace('SIP/2.0\n', 'SIP/7.0\n')))[0]?.status, 505);
  assert.equal((await send(b, net, base('REGISTER')))[0]?.status, 405);
  // §8.2 / RFC 4475 §3.1.2.17: CSeq method differing from the request method → 400.
  assert.equal((await send(b, net, base('OPTIONS').replace('CSeq: 1 OPTIONS', 'CSeq: 1 INVITE')))[0]?.status, 400);
  assert.equal((await send(b, net, base('CANCEL')))[0]?.status, 481);
  await drain(clock, a, b);
  a.close();
  b.close();
});

test('merged request (same From tag, Call-ID, CSeq via another branch) → 482 (§8.2.2.2)', async () => {
  const { a, b, clock, net } = setup();
  b.delegate = { onMessage: () => undefined }; // never answers; the second copy is the merged one
  const first = base('MESSAGE', 'Content-Type: text/plain', undefined, 'hi');
  const second = first.replace(/branch=z9hG4bK\w+/, 'branch=z9hG4bKother');
  assert.deepEqual(await send(b, net, first), []);
  assert.deepEqual((await send(b, net, second)).map((r) => r.status), [482]);
  await drain(clock, a, b);
  a.close();
  b.close();
});

test('close() is synchronous and idempotent; pending answers reject with InvalidStateError; nothing sent after', async () => {
  const { a, b, net } = setup();
  const leg = a.invite({ uri: 'sip:b@10.0.0.2:5070', sdp: OFFER });
  await flush();
  const sent = net.log.length;
  a.close();
  a.close();
  await assert.rejects(leg.answer, InvalidStateError);
  assert.equal(leg.state, 'ended');
  assert.throws(() => a.invite({ uri: 'sip:b@10.0.0.2:5070', sdp: OFFER }), InvalidStateError);
  await flush();
  assert.equal(net.log.filter((p) => p.from === '10.0.0.1:5060').length, net.log.slice(0, sent).filter((p) => p.from === '10.0.0.1:5060').length);
  b.close();
});

test('flood: 1500 requests (INVITEs never answered, OPTIONS, stray BYEs), each retransmitted; everything drains', async () => {
  const { a, b, clock, net, incoming } = setup({ maxUnansweredMs: 10_000 });
  let i = 0;
  for (; i < 1500; i++) {
    const text = base(i % 3 === 0 ? 'INVITE' : i % 3 === 1 ? 'OPTIONS' : 'BYE', '', undefined);
    const request = rawRequest(text);
    b.receive(request, { host: '10.0.0.1', port: 5060 });
    b.receive(rawRequest(text), { host: '10.0.0.1', port: 5060 });
  }
  await flush();
  assert.equal(incoming.length, 500);
  assert.ok(b.stats.transactions >= 1500);
  clock.advance(10_000);
  await flush();
  const finals = net.log.map((p) => p.message).filter((m): m is SipResponse => m.isResponse() && m.status >= 200);
  // Count calls, not datagrams: a retransmitted request that arrives after the final response gets it again.
  const calls = (status: number) => new Set(finals.filter((r) => r.status === status).map((r) => r.callId)).size;
  assert.equal(calls(480), 500, 'unanswered INVITEs rejected 480 in the end');
  assert.equal(calls(481), 500);
  assert.equal(calls(200), 500);
  await drain(clock, a, b);
  a.close();
  b.close();
});

test('Timer B → SipError 408; transport failure → SipError 503 (§8.1.3.1)', async () => {
  const { a, b, clock, net } = setup();
  net.drop = () => true;
  const lost = a.invite({ uri: 'sip:b@10.0.0.2:5070', sdp: OFFER });
  await flush();
  clock.advance(32_000);
  await flush();
  await assert.rejects(lost.answer, (e: unknown) => e instanceof SipError && e.status === 408);
  net.drop = () => false;
  const unreachable = a.invite({ uri: 'sip:nobody@10.9.9.9:5060', sdp: OFFER });
  await flush();
  await assert.rejects(unreachable.answer, (e: unknown) => e instanceof SipError && e.status === 503);
  const options = a.request({ method: 'OPTIONS', uri: 'sip:nobody@10.9.9.9:5060' });
  await assert.rejects(options, (e: unknown) => e instanceof SipError && e.status === 503);
  await drain(clock, a, b);
  a.close();
  b.close();
});

test('re-INVITE glare: both sides re-INVITE at once and both get 491 (§14.1)', async () => {
  const { a, b, clock, incoming } = setup();
  const leg = a.invite({ uri: 'sip:b@10.0.0.2:5070', sdp: OFFER });
  await flush();
  void incoming[0]!.accept(ANSWER);
  await flush();
  await leg.answer;
  const fromA = assert.rejects(leg.reinvite(HOLD), (e: unknown) => e instanceof SipError && e.status === 491);
  const fromB = assert.rejects(incoming[0]!.reinvite(HOLD), (e: unknown) => e instanceof SipError && e.status === 491);
  await flush();
  await fromA;
  await fromB;
  assert.equal(leg.state, 'answered', 'a failed re-INVITE leaves the session as it was');
  const retry = leg.reinvite(HOLD);
  await flush();
  await retry;
  await leg.hangup();
  await flush();
  await drain(clock, a, b);
  a.close();
  b.close();
});

test('offerless INVITE: our 2xx carries the offer, the answer arrives in the ACK (§13.2.1)', async () => {
  const { a, b, clock, net, incoming } = setup();
  const invite = base('INVITE');
  await send(b, net, invite);
  const leg = incoming[0]!;
  assert.equal(leg.offer, undefined);
  const acked = leg.accept(OFFER);
  await flush();
  const ok = net.log.map((p) => p.message).find((m): m is SipResponse => m.isResponse() && m.status === 200)!;
  assert.equal(ok.body.toString(), OFFER);
  const ack = invite
    .replace(/^INVITE/, 'ACK')
    .replace(/branch=\w+/, 'branch=z9hG4bKack1')
    .replace('To: <sip:b@10.0.0.2>', `To: <sip:b@10.0.0.2>;tag=${ok.to!.tag}`)
    .replace('CSeq: 1 INVITE', 'CSeq: 1 ACK')
    .replace('Contact: <sip:a@10.0.0.1:5060>\n', `Content-Type: application/sdp\n`)
    // rawRequest() turns \n into \r\n, so the body is written with \n and counted with \r\n.
    .replace('Content-Length: 0\n\n', `Content-Length: ${ANSWER.length}\n\n${ANSWER.replace(/\r\n/g, '\n')}`);
  b.receive(rawRequest(ack), { host: '10.0.0.1', port: 5060 });
  await flush();
  await acked;
  assert.equal(leg.remoteSdp, ANSWER);
  await leg.hangup().catch(() => undefined);
  await drain(clock, a, b);
  a.close();
  b.close();
});

test('digest for out-of-dialog requests: REGISTER 401 and MESSAGE 407 answered once with credentials (§22.2, §22.3)', async () => {
  const { a, b, clock } = setup();
  const server = new DigestServer({ realm: 'patchbay.test', secret: 'a-test-secret-of-32-bytes-length', clock });
  const check = (value: string | undefined, method: string) => {
    const creds = value ? parseDigestCredentials(value) : undefined;
    return creds?.ok === true && server.verify({ credentials: creds.credentials, method, secret: { password: 'pw' } }).ok;
  };
  b.delegate = {
    onRegister: (r) => {
      if (check(r.request.headers.get('authorization'), 'REGISTER')) r.respond(200, { headers: [['Contact', '<sip:a@10.0.0.1:5060>;expires=60']] });
      else r.respond(401, { headers: [['WWW-Authenticate', server.challenge()]] });
    },
    onMessage: (r) => {
      if (check(r.request.headers.get('proxy-authorization'), 'MESSAGE')) r.respond(202);
      else r.respond(407, { headers: [['Proxy-Authenticate', server.challenge()]] });
    },
  };
  const register = a.request({ method: 'REGISTER', uri: 'sip:10.0.0.2:5070', to: '<sip:alice@patchbay.test>', from: '<sip:alice@patchbay.test>', credentials: { username: 'alice', password: 'pw' } });
  await flush();
  assert.equal((await register).status, 200);
  const message = a.request({ method: 'MESSAGE', uri: 'sip:b@10.0.0.2:5070', body: Buffer.from('hello'), contentType: 'text/plain', credentials: { username: 'alice', password: 'pw' } });
  await flush();
  assert.equal((await message).status, 202);
  const wrong = a.request({ method: 'REGISTER', uri: 'sip:10.0.0.2:5070', credentials: { username: 'alice', password: 'bad' } });
  await flush();
  assert.equal((await wrong).status, 401, 'only one retry');
  await drain(clock, a, b);
  a.close();
  b.close();
});

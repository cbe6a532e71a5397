import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../../../src/core/index.js';
import {
  InviteServerTransaction, NonInviteServerTransaction, TransactionStateError, timerTable,
} from '../../../src/sip/transaction/index.js';
import { RecordingTransport, bytes, settle } from './helpers.js';

const r = (status: number) => ({ status, bytes: bytes(`SIP/2.0 ${status}`) });

function ist(reliable = false) {
  const clock = new FakeClock();
  const transport = new RecordingTransport(reliable);
  const events: string[] = [];
  const t = new InviteServerTransaction({
    clock, transport, timers: timerTable({}, reliable),
    user: { onTimeout: () => events.push('timeout'), onTransportError: (e) => events.push(e.message) },
  });
  return { clock, transport, events, t };
}

test('INVITE server: retransmitted INVITE re-sends the last provisional; non-2xx retransmitted by Timer G capped at T2', () => {
  const { clock, transport, t } = ist();
  t.receiveRequest();
  assert.deepEqual(transport.sent, [], 'nothing to resend yet');
  t.respond(r(100));
  t.respond(r(180));
  t.receiveRequest();
  assert.deepEqual(transport.sent, ['SIP/2.0 100', 'SIP/2.0 180', 'SIP/2.0 180']);
  t.respond(r(486));
  assert.equal(t.state, 'completed');
  const times: number[] = [];
  const start = clock.now();
  for (let i = 0; i < 200; i++) {
    const before = transport.sent.length;
    clock.advance(100);
    if (transport.sent.length > before) times.push(clock.now() - start);
  }
  assert.deepEqual(times.slice(0, 6), [500, 1500, 3500, 7500, 11500, 15500]);
  t.receiveRequest();
  assert.equal(transport.sent.at(-1), 'SIP/2.0 486');
  t.receiveAck();
  assert.equal(t.state, 'confirmed');
  const n = transport.sent.length;
  clock.advance(4999);
  t.receiveAck();
  t.receiveRequest();
  assert.equal(transport.sent.length, n, 'Confirmed absorbs ACK and INVITE retransmissions');
  clock.advance(1);
  assert.equal(t.state, 'terminated', 'Timer I = T4');
  assert.equal(clock.pendingCount, 0);
});

test('INVITE server: Timer H without ACK → timeout; 2xx → Accepted absorbs INVITEs, passes 2xx retransmissions, Timer L', () => {
  const a = ist();
  a.t.respond(r(603));
  a.clock.advance(32_000);
  assert.equal(a.t.state, 'terminated');
  assert.deepEqual(a.events, ['timeout']);

  const b = ist();
  b.t.respond(r(200));
  assert.equal(b.t.state, 'accepted');
  b.t.receiveRequest();
  assert.deepEqual(b.transport.sent, ['SIP/2.0 200'], 'INVITE retransmission absorbed; the UAS core retransmits 2xx');
  b.t.respond(r(200));
  assert.equal(b.transport.sent.length, 2);
  assert.throws(() => b.t.respond(r(486)), TransactionStateError);
  b.clock.advance(31_999);
  assert.equal(b.t.state, 'accepted');
  b.clock.advance(1);
  assert.equal(b.t.state, 'terminated');
});

test('INVITE server over a reliable transport: no Timer G, Timer I = 0', () => {
  const { clock, transport, t } = ist(true);
  t.respond(r(480));
  clock.advance(10_000);
  assert.equal(transport.sent.length, 1);
  t.receiveAck();
  clock.advance(0);
  assert.equal(t.state, 'terminated');
});

test('INVITE server: transport error terminates and reports', async () => {
  const { transport, events, t } = ist();
  transport.fail = true;
  t.respond(r(500));
  await settle();
  assert.equal(t.state, 'terminated');
  assert.deepEqual(events, ['network unreachable']);
});

test('non-INVITE server: absorbs in Trying, re-sends in Proceeding/Completed, Timer J 64*T1 (0 reliable), TU guard', () => {
  const clock = new FakeClock();
  const transport = new RecordingTransport();
  const t = new NonInviteServerTransaction({ clock, transport, timers: timerTable() });
  t.receiveRequest();
  assert.deepEqual(transport.sent, []);
  t.respond(r(100));
  assert.equal(t.state, 'proceeding');
  t.receiveRequest();
  t.respond(r(200));
  t.receiveRequest();
  assert.deepEqual(transport.sent, ['SIP/2.0 100', 'SIP/2.0 100', 'SIP/2.0 200', 'SIP/2.0 200']);
  assert.throws(() => t.respond(r(200)), TransactionStateError);
  clock.advance(31_999);
  assert.equal(t.state, 'completed');
  clock.advance(1);
  assert.equal(t.state, 'terminated');

  const reliable = new NonInviteServerTransaction({ clock, transport: new RecordingTransport(true), timers: timerTable({}, true) });
  reliable.respond(r(200));
  clock.advance(0);
  assert.equal(reliable.state, 'terminated');

  const events: string[] = [];
  const silent = new NonInviteServerTransaction({ clock, transport, timers: timerTable(), user: { onTimeout: () => events.push('guard') } });
  clock.advance(32_000);
  assert.equal(silent.state, 'terminated');
  assert.deepEqual(events, ['guard']);
  assert.equal(clock.pendingCount, 0);
});

test('timer table derives from T1/T2/T4 and rejects nonsense', () => {
  const t = timerTable({ T1: 100, T2: 400, T4: 1000 });
  assert.equal(t.B, 6400);
  assert.equal(t.F, 6400);
  assert.equal(t.H, 6400);
  assert.equal(t.J, 6400);
  assert.equal(t.D, 32_000);
  assert.equal(t.K, 1000);
  assert.equal(timerTable({}, true).D, 0);
  assert.throws(() => timerTable({ T1: 0 }), RangeError);
  assert.throws(() => timerTable({ T1: 500, T2: 100 }), RangeError);
});

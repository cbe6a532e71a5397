import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../../../src/core/index.js';
import {
  InviteClientTransaction, NonInviteClientTransaction, TransactionStateError, timerTable, type ResponseView,
} from '../../../src/sip/transaction/index.js';
import { RecordingTransport, bytes, settle } from './helpers.js';

const res = (status: number): ResponseView => ({ status });

function ict(reliable = false) {
  const clock = new FakeClock();
  const transport = new RecordingTransport(reliable);
  const events: string[] = [];
  let terminated = 0;
  const t = new InviteClientTransaction({
    clock, transport, timers: timerTable({}, reliable), request: bytes('INVITE'),
    buildAck: (r) => bytes(`ACK for ${r.status}`),
    user: {
      onResponse: (r) => events.push(`response ${r.status}`),
      onTimeout: () => events.push('timeout'),
      onTransportError: (e) => events.push(`transport ${e.message}`),
    },
    onTerminated: () => terminated++,
  });
  return { clock, transport, events, t, terminated: () => terminated };
}

test('INVITE client: Timer A doubles from T1 (500, 1000, 2000 ...) and Timer B times out at 64*T1 = 32 s', () => {
  const { clock, transport, events, t, terminated } = ict();
  assert.equal(t.state, 'calling');
  assert.deepEqual(transport.sent, ['INVITE']);
  clock.advance(499);
  assert.equal(transport.sent.length, 1);
  clock.advance(1); // 500
  assert.equal(transport.sent.length, 2);
  clock.advance(1000); // 1500
  assert.equal(transport.sent.length, 3);
  clock.advance(2000); // 3500
  assert.equal(transport.sent.length, 4);
  clock.advance(32_000 - 3500 - 1);
  assert.equal(t.state, 'calling');
  // Sends at 0, 0.5, 1.5, 3.5, 7.5, 15.5, 31.5 s; Timer B = 64*T1 = 32 s.
  assert.equal(transport.sent.length, 7);
  clock.advance(1); // 32 s
  assert.equal(t.state, 'terminated');
  clock.advance(100_000);
  assert.equal(transport.sent.length, 7);
  assert.deepEqual(events, ['timeout']);
  assert.equal(terminated(), 1);
  assert.equal(clock.pendingCount, 0);
});

test('INVITE client: 1xx stops retransmissions, non-2xx is ACKed inside the transaction and retransmissions re-ACKed', () => {
  const { clock, transport, events, t } = ict();
  t.receiveResponse(res(180));
  assert.equal(t.state, 'proceeding');
  clock.advance(100_000);
  assert.equal(transport.sent.length, 1, 'no retransmission and no Timer B in Proceeding');
  t.receiveResponse(res(486));
  assert.equal(t.state, 'completed');
  assert.deepEqual(transport.sent, ['INVITE', 'ACK for 486']);
  t.receiveResponse(res(486));
  assert.deepEqual(transport.sent, ['INVITE', 'ACK for 486', 'ACK for 486']);
  assert.deepEqual(events, ['response 180', 'response 486'], 'the retransmitted final is not passed up');
  clock.advance(31_999);
  assert.equal(t.state, 'completed');
  clock.advance(1);
  assert.equal(t.state, 'terminated', 'Timer D = 32 s on UDP');
});

test('INVITE client: 2xx → Accepted (RFC 6026), 2xx retransmissions passed up, Timer M ends it; reliable has no Timer A, D = 0', () => {
  const { clock, transport, events, t } = ict(true);
  clock.advance(10_000);
  assert.equal(transport.sent.length, 1);
  t.receiveResponse(res(200));
  assert.equal(t.state, 'accepted');
  t.receiveResponse(res(200));
  t.receiveResponse(res(180));
  assert.deepEqual(events, ['response 200', 'response 200']);
  assert.equal(transport.sent.length, 1, 'the ACK for a 2xx is not the transaction\'s job');
  clock.advance(32_000);
  assert.equal(t.state, 'terminated');

  const b = ict(true);
  b.t.receiveResponse(res(404));
  assert.equal(b.t.state, 'completed');
  b.clock.advance(0);
  assert.equal(b.t.state, 'terminated');
});

test('INVITE client: transport error → terminated and reported once', async () => {
  const clock = new FakeClock();
  const transport = new RecordingTransport();
  transport.fail = true;
  const events: string[] = [];
  const t = new InviteClientTransaction({
    clock, transport, timers: timerTable(), request: bytes('INVITE'), buildAck: () => bytes('ACK'),
    user: { onTransportError: (e) => events.push(e.message), onTimeout: () => events.push('timeout') },
  });
  await settle();
  assert.equal(t.state, 'terminated');
  assert.deepEqual(events, ['network unreachable']);
  clock.advance(100_000);
  assert.deepEqual(events, ['network unreachable']);
  assert.equal(clock.pendingCount, 0);
});

test('non-INVITE client: Timer E doubles to T2, stays T2 in Proceeding; Timer F → timeout; Timer K after final', () => {
  const clock = new FakeClock();
  const transport = new RecordingTransport();
  const events: string[] = [];
  const t = new NonInviteClientTransaction({
    clock, transport, timers: timerTable(), request: bytes('OPTIONS'),
    user: { onResponse: (r) => events.push(`response ${r.status}`), onTimeout: () => events.push('timeout') },
  });
  const times: number[] = [];
  const start = clock.now();
  for (let ms = 0; ms <= 32_000; ms += 50) {
    const before = transport.sent.length;
    clock.advance(50);
    if (transport.sent.length > before) times.push(clock.now() - start);
  }
  // 0.5, 1.5, 3.5, 7.5, 11.5, 15.5, ... every 4 s (T2) until F at 32 s.
  assert.deepEqual(times.slice(0, 6), [500, 1500, 3500, 7500, 11500, 15500]);
  assert.equal(t.state, 'terminated');
  assert.deepEqual(events, ['timeout']);

  const clock2 = new FakeClock();
  const transport2 = new RecordingTransport();
  const t2 = new NonInviteClientTransaction({ clock: clock2, transport: transport2, timers: timerTable(), request: bytes('BYE'), user: { onResponse: (r) => events.push(`bye ${r.status}`) } });
  clock2.advance(500);
  t2.receiveResponse(res(100));
  assert.equal(t2.state, 'proceeding');
  const n = transport2.sent.length;
  clock2.advance(999); // Timer E had been armed for 1000 at 500 → fires at 1500
  assert.equal(transport2.sent.length, n);
  clock2.advance(1);
  assert.equal(transport2.sent.length, n + 1);
  clock2.advance(3999);
  assert.equal(transport2.sent.length, n + 1, 'in Proceeding the interval is T2');
  clock2.advance(1);
  assert.equal(transport2.sent.length, n + 2);
  t2.receiveResponse(res(200));
  t2.receiveResponse(res(200));
  assert.equal(t2.state, 'completed');
  assert.deepEqual(events.slice(1), ['bye 100', 'bye 200']);
  clock2.advance(4999);
  assert.equal(t2.state, 'completed');
  clock2.advance(1);
  assert.equal(t2.state, 'terminated', 'Timer K = T4');
  assert.equal(clock2.pendingCount, 0);
});

test('illegal transitions throw TransactionStateError', () => {
  const { t } = ict();
  t.receiveResponse(res(200));
  // Reach into the private transition through a subclass-free cast: accepted → completed is not in the table.
  const transition = (t as unknown as { transition(to: string): void }).transition.bind(t);
  assert.throws(() => transition('completed'), TransactionStateError);
  assert.throws(() => transition('calling'), TransactionStateError);
  transition('terminated');
  assert.throws(() => transition('terminated'), TransactionStateError);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../../../src/core/index.js';
import { TransactionLayer, type RequestKeyView, type ResponseKeyView } from '../../../src/sip/transaction/index.js';
import { RecordingTransport, bytes } from './helpers.js';

function req(overrides: Partial<RequestKeyView> = {}): RequestKeyView {
  return {
    method: 'INVITE', requestUri: 'sip:bob@example.com', branch: 'z9hG4bK-1', sentBy: 'client.example.com:5060',
    topVia: 'SIP/2.0/UDP client.example.com:5060;branch=z9hG4bK-1', callId: 'call-1', cseq: 1, fromTag: 'ft',
    toTag: undefined, ...overrides,
  };
}

test('server matching: branch + sent-by + method, ACK for a non-2xx absorbed, ACK after 2xx goes to the core', () => {
  const layer = new TransactionLayer({ clock: new FakeClock() });
  const transport = new RecordingTransport();
  const first = layer.receiveRequest(req(), transport);
  assert.equal(first.kind, 'invite');
  assert.equal(layer.receiveRequest(req(), transport).kind, 'absorbed');
  // Same branch from another sent-by is another transaction (§17.2.3).
  assert.equal(layer.receiveRequest(req({ sentBy: 'other:5060', callId: 'call-other' }), transport).kind, 'invite');
  if (first.kind !== 'invite') throw new Error('unreachable');
  first.transaction.respond({ status: 486, bytes: bytes('486') });
  assert.equal(layer.receiveRequest(req({ method: 'ACK', toTag: 'tt' }), transport).kind, 'absorbed');
  assert.equal(first.transaction.state, 'confirmed');

  const second = layer.receiveRequest(req({ branch: 'z9hG4bK-2', callId: 'call-2' }), transport);
  if (second.kind !== 'invite') throw new Error('expected invite');
  second.transaction.respond({ status: 200, bytes: bytes('200') });
  assert.equal(layer.receiveRequest(req({ method: 'ACK', branch: 'z9hG4bK-ack', callId: 'call-2', toTag: 'tt' }), transport).kind, 'ack');
  layer.close();
});

test('RFC 2543 matching without the magic cookie (§17.2.3), including the ACK with our To tag', () => {
  const layer = new TransactionLayer({ clock: new FakeClock() });
  const transport = new RecordingTransport();
  const old = req({ branch: undefined, topVia: 'SIP/2.0/UDP old.example.com' });
  const first = layer.receiveRequest(old, transport);
  assert.equal(first.kind, 'invite');
  assert.equal(layer.receiveRequest(old, transport).kind, 'absorbed');
  assert.equal(layer.receiveRequest({ ...old, cseq: 2 }, transport).kind, 'invite');
  if (first.kind !== 'invite') throw new Error('unreachable');
  first.transaction.respond({ status: 404, bytes: bytes('404') });
  assert.equal(layer.receiveRequest({ ...old, method: 'ACK', toTag: 'ours' }, transport).kind, 'absorbed');
  assert.equal(first.transaction.state, 'confirmed');
  // A non-cookie branch is treated like no branch.
  const legacy = req({ branch: '12345', callId: 'call-legacy', topVia: 'SIP/2.0/UDP legacy;branch=12345' });
  assert.equal(layer.receiveRequest(legacy, transport).kind, 'invite');
  assert.equal(layer.receiveRequest(legacy, transport).kind, 'absorbed');
  layer.close();
});

test('CANCEL finds its INVITE server transaction (§9.2); merged request detected (§8.2.2.2)', () => {
  const layer = new TransactionLayer({ clock: new FakeClock() });
  const transport = new RecordingTransport();
  const invite = layer.receiveRequest(req(), transport);
  if (invite.kind !== 'invite') throw new Error('expected invite');
  const cancel = req({ method: 'CANCEL' });
  const cancelDisposition = layer.receiveRequest(cancel, transport);
  assert.equal(cancelDisposition.kind, 'non-invite');
  assert.equal(layer.findInviteForCancel(cancel), invite.transaction);
  assert.equal(layer.findInviteForCancel(req({ method: 'CANCEL', branch: 'z9hG4bK-unknown' })), undefined);
  // The same request forked back through another path: other branch, same From tag / Call-ID / CSeq, no To tag.
  const merged = layer.receiveRequest(req({ branch: 'z9hG4bK-other', sentBy: 'proxy2:5060' }), transport);
  assert.equal(merged.kind, 'merged');
  layer.close();
});

test('client matching on branch + CSeq method; stray responses reported', () => {
  const clock = new FakeClock();
  const layer = new TransactionLayer<ResponseKeyView>({ clock });
  const transport = new RecordingTransport();
  const got: number[] = [];
  layer.sendInvite({ branch: 'z9hG4bK-a', request: bytes('INVITE'), transport, buildAck: () => bytes('ACK'), user: { onResponse: (r) => got.push(r.status) } });
  layer.sendNonInvite({ branch: 'z9hG4bK-a', method: 'CANCEL', request: bytes('CANCEL'), transport, user: { onResponse: (r) => got.push(1000 + r.status) } });
  assert.equal(layer.clientCount, 2);
  assert.equal(layer.receiveResponse({ status: 200, branch: 'z9hG4bK-a', cseqMethod: 'CANCEL' }), true);
  assert.equal(layer.receiveResponse({ status: 487, branch: 'z9hG4bK-a', cseqMethod: 'INVITE' }), true);
  assert.equal(layer.receiveResponse({ status: 200, branch: 'z9hG4bK-b', cseqMethod: 'INVITE' }), false);
  assert.deepEqual(got, [1200, 487]);
  assert.deepEqual(transport.sent, ['INVITE', 'CANCEL', 'ACK']);
  assert.throws(() => layer.sendNonInvite({ branch: 'x', method: 'ACK', request: bytes('ACK'), transport, user: {} }));
  clock.advance(40_000);
  assert.equal(layer.size, 0);
  layer.close();
  layer.close();
  assert.throws(() => layer.receiveRequest(req(), transport));
});

test('flood: thousands of requests (answered, unanswered, retransmitted) all terminate and the table drains', () => {
  const clock = new FakeClock();
  const layer = new TransactionLayer({ clock });
  const transport = new RecordingTransport();
  const N = 3000;
  for (let i = 0; i < N; i++) {
    const method = i % 3 === 0 ? 'INVITE' : i % 3 === 1 ? 'OPTIONS' : 'MESSAGE';
    const request = req({ method, branch: `z9hG4bK-flood-${i}`, callId: `flood-${i}`, cseq: i });
    const d = layer.receiveRequest(request, transport);
    layer.receiveRequest(request, transport); // retransmission
    if (d.kind === 'invite') d.transaction.respond({ status: i % 2 ? 486 : 200, bytes: bytes('final') });
    else if (d.kind === 'non-invite' && i % 5 !== 0) d.transaction.respond({ status: 200, bytes: bytes('200') });
    // i % 5 === 0 non-INVITE: the TU never answers; the guard ends them.
  }
  for (let i = 0; i < N / 10; i++) {
    layer.sendNonInvite({ branch: `z9hG4bK-out-${i}`, method: 'OPTIONS', request: bytes('OPTIONS'), transport, user: {} });
  }
  assert.equal(layer.size, N + N / 10);
  clock.advance(64 * 500 + 1);
  assert.equal(layer.size, 0);
  assert.equal(clock.pendingCount, 0);
  layer.close();
});

/**
 * OutgoingCall without SIP: the status machine of an outbound-api call (reference §2.2), each change stored before
 * its callback, illegal transitions refused, `canceled` while queued silent, and SIP outcomes → final statuses.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock, silentLogger } from '../../../src/core/index.js';
import type { Store } from '../../../src/store/index.js';
import type { CallMediaServices } from '../../../src/voice/call/call-media.js';
import { InvalidOutgoingTransitionError, OutgoingCall, finalStatusOf } from '../../../src/voice/originate/outgoing-call.js';
import type { CallStatusCallbacks } from '../../../src/voice/index.js';

function setup() {
  const log: string[] = [];
  const store = { calls: { update: async (_sid: string, patch: { status: string }) => void log.push(`stored ${patch.status}`) } } as unknown as Store;
  const callbacks = { progress: (p: { CallStatus: string }, extras?: { sipResponseCode?: number }) => {
    log.push(`callback ${p.CallStatus}${extras?.sipResponseCode ? ` ${extras.sipResponseCode}` : ''}`);
    return true;
  } } as unknown as CallStatusCallbacks;
  const services = { store, clock: new FakeClock() } as unknown as CallMediaServices;
  const call = new OutgoingCall({ sid: 'CA1', accountSid: 'AC1', from: '+15005550006', to: '+15005550007', createdAt: 0, services, callbacks, logger: silentLogger() });
  return { call, log };
}

test('queued → initiated → ringing → in-progress → completed: each status stored before its callback', async () => {
  const { call, log } = setup();
  call.initiated();
  call.ringingReceived();
  call.ringingReceived(); // a second 183 changes nothing
  call.answered('');
  assert.equal(call.state, 'in-progress');
  await call.hangup();
  await call.finished;
  assert.deepEqual(log, [
    'stored initiated', 'callback initiated', 'stored ringing', 'callback ringing', 'stored in-progress', 'callback in-progress',
    'stored completed', 'callback completed 200',
  ]);
  assert.equal(call.state, 'ended');
  assert.ok(call.ended.aborted);
});

test('canceled while queued: stored, no callback; later events change nothing', async () => {
  const { call, log } = setup();
  call.canceledWhileQueued();
  call.initiated();
  call.finish('failed', 500);
  await call.finished;
  assert.deepEqual(log, ['stored canceled']);
  assert.equal(call.status, 'canceled');
});

test('canceled while ringing reports canceled with 487; a final status is never replaced', async () => {
  const { call, log } = setup();
  call.initiated();
  call.ringingReceived();
  call.cancel();
  call.finish('busy', 486);
  await call.finished;
  assert.deepEqual(log.slice(-2), ['stored canceled', 'callback canceled 487']);
});

test('an answered call cannot go back to ringing or end busy', () => {
  const { call } = setup();
  call.initiated();
  call.answered('');
  call.ringingReceived(); // ignored
  assert.equal(call.status, 'in-progress');
  call.finish('busy', 486); // not a transition from in-progress: ignored
  assert.equal(call.status, 'in-progress');
  assert.ok(new InvalidOutgoingTransitionError('completed', 'ringing').message.includes('completed -> ringing'));
});

test('SIP outcomes → final statuses (486/600 busy; 408/480/487 and our Timeout no-answer; others failed)', () => {
  assert.equal(finalStatusOf(486, false), 'busy');
  assert.equal(finalStatusOf(600, false), 'busy');
  for (const s of [408, 480, 487]) assert.equal(finalStatusOf(s, false), 'no-answer');
  assert.equal(finalStatusOf(503, true), 'no-answer');
  for (const s of [403, 404, 488, 500, 503, 603]) assert.equal(finalStatusOf(s, false), 'failed');
});

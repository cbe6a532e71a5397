/**
 * The inbound `Call` over a real `IncomingLeg` (an in-memory SIP network with a calling user agent), a real
 * `MediaSession` on 127.0.0.1 and a real SQLite store: the record is written before anything else, every status
 * change is stored before its callback is queued, and each way a call can end gives its Twilio status and SIP code.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { FakeClock } from '../../../src/core/index.js';
import { MediaCache, MediaSession, PlayoutClock } from '../../../src/media/index.js';
import { type IncomingLeg, SipError, UserAgent } from '../../../src/sip/index.js';
import { type Store, openStore } from '../../../src/store/index.js';
import { Call } from '../../../src/voice/call/index.js';
import { type CallbackQueue, CallStatusCallbacks, type CallbackTarget, type WebhookParams } from '../../../src/voice/index.js';
import { LoopbackNetwork, flush } from '../../sip/ua/loopback.js';
import { silentLogger } from '../../../src/core/index.js';

const OFFER = 'v=0\r\no=a 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0 101\r\na=rtpmap:101 telephone-event/8000\r\n';
const ACCOUNT = 'AC' + '1'.repeat(32);

class RecordingQueue implements CallbackQueue {
  readonly sent: WebhookParams[] = [];
  enqueue(_target: CallbackTarget, params: WebhookParams): boolean {
    this.sent.push(params);
    return true;
  }
}

async function setup() {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'patchbay-call-'));
  const store: Store = await openStore({ url: undefined, dataDir });
  const clock = new FakeClock(Date.UTC(2026, 0, 1));
  const net = new LoopbackNetwork();
  const caller = new UserAgent({ transport: net.transport('10.0.0.1', 5060), clock, contactUser: 'caller' });
  const callee = new UserAgent({ transport: net.transport('10.0.0.2', 5070), clock, contactUser: 'patchbay' });
  net.transport('10.0.0.1', 5060).attach(caller);
  net.transport('10.0.0.2', 5070).attach(callee);
  const incoming: IncomingLeg[] = [];
  callee.delegate = { onInvite: (leg) => incoming.push(leg) };
  const playout = new PlayoutClock({ clock });
  const cache = await MediaCache.open({ dataDir: path.join(dataDir, 'media'), clock });
  const queue = new RecordingQueue();
  const events: Array<{ callSid: string; status: string }> = [];

  async function newCall() {
    const outgoing = caller.invite({ uri: 'sip:+15005550001@10.0.0.2:5070', sdp: OFFER });
    await flush();
    const leg = incoming.at(-1)!;
    const opened = await MediaSession.answer(leg.offer, { playout, address: '127.0.0.1', bindAddress: '127.0.0.1', rtcpIntervalMs: 0 });
    assert.ok(opened.ok);
    const sid = 'CA' + String(incoming.length).padStart(32, '0');
    const callbacks = new CallStatusCallbacks(
      queue, { url: 'http://127.0.0.1/status', method: 'POST', accountSid: ACCOUNT, callSid: sid, authToken: 'x' },
      ['initiated', 'ringing', 'answered', 'completed'], clock,
    );
    const call = new Call({
      sid, accountSid: ACCOUNT, from: '+15551230000', to: '+15005550001', phoneNumberSid: null, leg, media: opened.session,
      answerSdp: opened.answer, callbacks, logger: silentLogger(), observer: (e) => events.push({ callSid: e.callSid, status: e.status }),
      services: { cache, tts: null, store, clock, recordingsDir: path.join(dataDir, 'recordings'), publicUrl: () => 'http://127.0.0.1' },
    });
    return { call, leg, outgoing, media: opened.session, sid };
  }

  const callbacks = (sid: string) => queue.sent.filter((p) => p.CallSid === sid);
  const statuses = (sid: string) => callbacks(sid).map((p) => p.CallStatus);
  const close = async () => {
    playout.close();
    caller.close();
    callee.close();
    await cache.close();
    await store.close();
    rmSync(dataDir, { recursive: true, force: true });
  };
  return { store, clock, net, newCall, statuses, callbacks, events, close };
}

test('answered, then the caller hangs up: ringing → in-progress → completed, stored before each callback', async () => {
  const t = await setup();
  try {
    const { call, outgoing, sid, media } = await t.newCall();
    await call.create();
    assert.equal((await t.store.calls.get(sid))?.status, 'ringing');
    assert.deepEqual(t.statuses(sid), ['initiated', 'ringing']);
    assert.equal(call.state, 'ringing');

    const answered = call.answer();
    await flush();
    await answered;
    assert.equal(call.state, 'in-progress');
    assert.equal((await outgoing.answer).sdp?.includes(`m=audio ${media.localPort} `), true);
    const row = await t.store.calls.get(sid);
    assert.equal(row?.status, 'in-progress');
    assert.equal(row?.startTime, t.clock.now());

    t.clock.advance(4_000);
    void outgoing.hangup();
    await flush();
    await call.finished;
    assert.equal(call.ended.aborted, true);
    assert.equal(media.isClosed, true);
    const final = await t.store.calls.get(sid);
    assert.equal(final?.status, 'completed');
    assert.equal(final?.duration, 4);
    assert.equal(final?.endTime, t.clock.now());
    assert.deepEqual(t.statuses(sid), ['initiated', 'ringing', 'in-progress', 'completed']);
    assert.equal(t.callbacks(sid).at(-1)?.SipResponseCode, '200');
    assert.equal(t.callbacks(sid).at(-1)?.CallDuration, '4');
    assert.deepEqual(t.events.filter((e) => e.callSid === sid).map((e) => e.status), ['ringing', 'in-progress', 'completed']);
  } finally {
    await t.close();
  }
});

test('<Reject> before answer: busy → 486 and status busy; rejected → 603 and no-answer; later calls are no-ops', async () => {
  const t = await setup();
  try {
    for (const [reason, code, status] of [['busy', 486, 'busy'], ['rejected', 603, 'no-answer']] as const) {
      const { call, outgoing, sid } = await t.newCall();
      await call.create();
      await call.reject(reason);
      await flush();
      await assert.rejects(outgoing.answer, (err: unknown) => err instanceof SipError && err.status === code);
      await call.finished;
      assert.equal((await t.store.calls.get(sid))?.status, status);
      // Final is final: answering, hanging up or finishing again changes nothing.
      await call.answer();
      await call.hangup();
      call.finish('completed', null);
      assert.equal(call.status, status);
      assert.deepEqual(t.statuses(sid), ['initiated', 'ringing', status]);
    }
  } finally {
    await t.close();
  }
});

test('the caller cancels while ringing: no-answer with SIP 487 in the completed callback', async () => {
  const t = await setup();
  try {
    const { call, outgoing, sid } = await t.newCall();
    await call.create();
    await call.ringing(); // a CANCEL waits for a provisional response (RFC 3261 §9.1)
    await flush();
    outgoing.cancel();
    await flush();
    await call.finished;
    assert.equal(call.status, 'no-answer');
    assert.equal((await t.store.calls.get(sid))?.status, 'no-answer');
    const completed = t.callbacks(sid).at(-1)!;
    assert.equal(completed.CallStatus, 'no-answer');
    assert.equal(completed.SipResponseCode, '487');
    assert.equal(completed.CallDuration, '0');
  } finally {
    await t.close();
  }
});

test('hangup() of an unanswered call answers it first (any response but <Reject> answers, reference §3.2)', async () => {
  const t = await setup();
  try {
    const { call, outgoing, sid } = await t.newCall();
    await call.create();
    const hung = call.hangup();
    await flush();
    await hung;
    await outgoing.answer;
    await call.finished;
    assert.equal(call.status, 'completed');
    assert.deepEqual(t.statuses(sid), ['initiated', 'ringing', 'in-progress', 'completed']);
  } finally {
    await t.close();
  }
});

test('DTMF by SIP INFO (application/dtmf-relay) reaches onDtmf listeners', async () => {
  const t = await setup();
  try {
    const { call, outgoing } = await t.newCall();
    await call.create();
    const answered = call.answer();
    await flush();
    await answered;
    const keys: string[] = [];
    const off = call.onDtmf((k) => keys.push(k));
    const sent = outgoing.info('application/dtmf-relay', 'Signal=9\r\nDuration=160\r\n');
    await flush();
    await sent;
    off();
    assert.deepEqual(keys, ['9']);
    await call.hangup();
    await call.finished;
  } finally {
    await t.close();
  }
});

test('an internal error before answer refuses the call with 500; the call ends failed', async () => {
  const t = await setup();
  try {
    const { call, outgoing, sid } = await t.newCall();
    await call.create();
    call.fail(500);
    await flush();
    await assert.rejects(outgoing.answer, (err: unknown) => err instanceof SipError && err.status === 500);
    await call.finished;
    assert.equal((await t.store.calls.get(sid))?.status, 'failed');
    assert.equal(t.callbacks(sid).at(-1)?.SipResponseCode, '500');
  } finally {
    await t.close();
  }
});

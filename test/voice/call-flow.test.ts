/**
 * The interpreter end to end over real HTTP: a customer application written with the official `twilio` package
 * (`VoiceResponse` builds the TwiML, `validateRequest` checks every request), a fake call, no SIP or RTP.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../../src/core/index.js';
import {
  MemoryNotificationSink, StatusCallbackSender, WebhookClient, createCallTwiml, createWebhookAgent, type StandardCallParameters,
} from '../../src/voice/index.js';
import { AUTH_TOKEN, type AppServer, closedPortUrl, startAppServer, twiml } from './helpers/app-server.js';
import { FakeCall, drive } from './helpers/fake-call.js';

const ACCOUNT = 'AC' + 'c'.repeat(32);

describe('a call driven by a real application server', () => {
  let app: AppServer;
  const agent = createWebhookAgent();
  let callCounter = 0;

  before(async () => {
    app = await startAppServer();
  });
  after(async () => {
    await app.close();
    await agent.close();
  });

  function newCall(options: { fallback?: string | null; timeoutMs?: number; voicePath?: string } = {}) {
    const callSid = 'CA' + String(++callCounter).padStart(32, '0');
    const clock = new FakeClock();
    const call = new FakeCall(clock);
    const sink = new MemoryNotificationSink();
    const client = new WebhookClient({ dispatcher: agent, timeoutMs: options.timeoutMs ?? 2_000 });
    const sender = new StatusCallbackSender({ client, notifications: sink });
    const parameters = (): StandardCallParameters => ({
      CallSid: callSid, AccountSid: ACCOUNT, From: '+15550001111', To: '+15550002222', ApiVersion: '2010-04-01', Direction: 'inbound',
      CallStatus: call.state === 'in-progress' ? 'in-progress' : call.state === 'ended' ? 'completed' : 'ringing',
      Caller: '+15550001111', Called: '+15550002222',
    });
    const twimlOfCall = createCallTwiml(
      { client, notifications: sink, callbacks: sender, clock },
      {
        call, accountSid: ACCOUNT, callSid, authToken: AUTH_TOKEN, parameters, voice: { url: app.url(options.voicePath ?? '/voice'), method: 'POST' },
        fallback: options.fallback ? { url: options.fallback, method: 'POST' } : null,
      },
    );
    const { interpreter } = twimlOfCall;
    const start = () => drive(twimlOfCall.run(), clock);
    const run = (path: string) => drive(interpreter.run({ kind: 'url', url: app.url(path), method: 'POST' }), clock);
    return { callSid, call, sink, sender, interpreter, run, start };
  }

  it('Say → Gather digits → action → Play → Record → action → Hangup, every request signed, cookies kept', async () => {
    app.route('/flow/voice', () => {
      const r = twiml();
      r.say({ voice: 'alice' }, 'Welcome to Patchbay');
      r.gather({ numDigits: 1, action: '/flow/menu', timeout: 5 }).say('Press 1 to leave a message');
      r.say('We did not get your choice');
      return { body: r.toString(), headers: { 'set-cookie': 'session=abc123; Path=/flow; HttpOnly' } };
    });
    app.route('/flow/menu', (req) => {
      const r = twiml();
      if (req.params.Digits === '1' && req.cookie === 'session=abc123') {
        r.play('/media/beep-intro.mp3');
        r.record({ action: '/flow/recorded', maxLength: 20, finishOnKey: '#', recordingStatusCallback: '/flow/rec-status' });
      } else r.say('Wrong');
      return r.toString();
    });
    app.route('/flow/recorded', () => {
      const r = twiml();
      r.say('Thanks, goodbye');
      r.hangup();
      return r.toString();
    });
    app.route('/flow/rec-status', { status: 204, type: null });

    const t = newCall({ voicePath: '/flow/voice' });
    t.call.dtmfScript.push('1');
    t.call.recordings.push({ durationSeconds: 12, endedBy: { kind: 'key', key: '#' } });
    const result = await t.start();
    await t.sender.idle();

    assert.deepEqual(result, { kind: 'hangup', reason: 'hangup-verb' });
    assert.deepEqual(t.call.log, [
      'answer', 'say:Welcome to Patchbay', 'say:Press 1 to leave a message', `url:${app.url('/media/beep-intro.mp3')}`, 'beep', 'record',
      'say:Thanks, goodbye', 'hangup',
    ]);
    const mine = app.requests.filter((r) => r.params.CallSid === t.callSid);
    // The recording status callback is fire-and-forget: it may arrive before or after the action request.
    const byPath = (p: string) => mine.find((r) => r.path === p)!;
    assert.deepEqual(mine.map((r) => r.path).sort(), ['/flow/menu', '/flow/rec-status', '/flow/recorded', '/flow/voice']);
    assert.ok(mine.every((r) => r.signatureValid), 'every request validates with twilio.validateRequest');
    const [voice, menu, recorded, status] = ['/flow/voice', '/flow/menu', '/flow/recorded', '/flow/rec-status'].map(byPath);
    assert.equal(voice.cookie, undefined);
    assert.equal(menu.cookie, 'session=abc123');
    assert.equal(recorded.cookie, 'session=abc123');
    assert.equal(voice.params.CallStatus, 'ringing');
    assert.equal(menu.params.Digits, '1');
    assert.equal(menu.params.CallStatus, 'in-progress');
    assert.equal(recorded.params.RecordingDuration, '12');
    assert.equal(recorded.params.Digits, '#');
    assert.equal(status.params.RecordingStatus, 'completed');
    assert.equal(status.params.RecordingSid, recorded.params.RecordingSid);
    assert.deepEqual(t.sink.codes(), []);
  });

  for (const [what, primary, code] of [
    ['is down (closed port)', async () => closedPortUrl('/voice'), 11205],
    ['times out', async () => (app.route('/fb/slow', { hang: true }), app.url('/fb/slow')), 11205],
    ['answers broken XML', async () => (app.route('/fb/broken', '<Response><Say>oops</Response>'), app.url('/fb/broken')), 12100],
  ] as const) {
    it(`a primary URL that ${what} leads to the fallback URL and a ${code} Notification`, async () => {
      const url = await primary();
      app.route('/fb/fallback', twiml().say('Fallback speaking').toString());
      const t = newCall({ fallback: app.url('/fb/fallback'), timeoutMs: 300 });
      const interpreter = t.interpreter;
      const result = await drive(interpreter.run({ kind: 'url', url, method: 'POST' }), new FakeClock());
      assert.deepEqual(result, { kind: 'hangup', reason: 'end-of-document' });
      assert.deepEqual(t.call.log, ['answer', 'say:Fallback speaking', 'hangup']);
      const fb = app.seen('/fb/fallback').filter((r) => r.params.CallSid === t.callSid);
      assert.equal(fb.length, 1);
      assert.equal(fb[0].params.ErrorCode, String(code));
      assert.equal(fb[0].params.ErrorUrl, url);
      assert.ok(fb[0].signatureValid);
      assert.deepEqual(t.sink.codes(), [code]);
      assert.equal(t.sink.notifications[0].callSid, t.callSid);
      assert.equal(t.sink.notifications[0].log, '0');
    });
  }

  it('without a usable fallback the caller hears the application error message', async () => {
    app.route('/ae/voice', { status: 500, type: 'text/plain', body: 'stack trace' });
    const t = newCall({ fallback: await closedPortUrl('/fb') });
    assert.deepEqual(await t.run('/ae/voice'), { kind: 'hangup', reason: 'application-error' });
    assert.deepEqual(t.call.log, ['answer', 'say:We are sorry, an application error has occurred. Goodbye.', 'hangup']);
    assert.deepEqual(t.sink.codes(), [11200, 11205]);
    assert.equal(t.sink.notifications[0].responseBody, 'stack trace');
  });

  it('a GET document is its URL without the added parameters: the default Gather action does not repeat them', async () => {
    app.route('/get/voice', (req) => (req.params.Digits ? twiml().say(`You pressed ${req.params.Digits}`) : twiml().gather({ numDigits: 1, method: 'GET' })).toString());
    const t = newCall();
    t.call.dtmfScript.push('5');
    const clock = new FakeClock();
    await drive(t.interpreter.run({ kind: 'url', url: app.url('/get/voice?tenant=7'), method: 'GET' }), clock);
    assert.deepEqual(t.call.log, ['answer', 'say:You pressed 5', 'hangup']);
    const [first, second] = app.seen('/get/voice').filter((r) => r.params.CallSid === t.callSid);
    assert.equal(first.method, 'GET');
    assert.ok(first.signatureValid && second.signatureValid);
    assert.equal(second.url.split('CallSid=').length, 2, 'CallSid appears once');
    assert.equal(second.params.tenant, '7');
    assert.equal(second.params.Digits, '5');
  });

  it('an unknown verb is skipped with a 12200 warning and the rest runs', async () => {
    app.route('/uv/voice', '<?xml version="1.0" encoding="UTF-8"?><Response><Dance/><Say>still here</Say></Response>');
    const t = newCall();
    await t.run('/uv/voice');
    assert.deepEqual(t.call.log, ['answer', 'say:still here', 'hangup']);
    assert.deepEqual(t.sink.codes(), [12200]);
    assert.equal(t.sink.notifications[0].log, '1');
  });

  it('HTTP redirect loops are capped at 10 (11215)', async () => {
    app.route('/rl/voice', { status: 302, type: 'text/plain', headers: { location: '/rl/voice' } });
    const t = newCall();
    assert.deepEqual(await t.run('/rl/voice'), { kind: 'hangup', reason: 'application-error' });
    assert.deepEqual(t.sink.codes(), [11215]);
    assert.equal(app.seen('/rl/voice').length, 11); // the first request and 10 redirects
  });

  it('a live redirect mid-verb aborts the verb at once and fetches the new URL with the call cookies', async () => {
    app.route('/lr/voice', () => ({ body: twiml().play({ loop: 0 }, '/hold.mp3').toString(), headers: { 'set-cookie': 'k=v' } }));
    app.route('/lr/live', twiml().say('Connecting you now').toString());
    const t = newCall();
    t.call.onPlay = (s) => (s.kind === 'url' ? 'block' : 'finish');
    const clock = new FakeClock();
    const running = t.interpreter.run({ kind: 'url', url: app.url('/lr/voice'), method: 'POST' });
    await drive(new Promise<void>((resolve) => {
      const poll = () => (t.call.log.some((l) => l.startsWith('url:')) ? resolve() : setTimeout(poll, 1));
      poll();
    }), clock);
    t.interpreter.redirect({ kind: 'url', url: app.url('/lr/live'), method: 'POST' });
    assert.deepEqual(await drive(running, clock), { kind: 'hangup', reason: 'end-of-document' });
    assert.deepEqual(t.call.log, ['answer', `url:${app.url('/hold.mp3')}`, 'say:Connecting you now', 'hangup']);
    const live = app.seen('/lr/live').filter((r) => r.params.CallSid === t.callSid);
    assert.equal(live[0].cookie, 'k=v');
    assert.ok(live[0].signatureValid);
  });

  it('a live redirect while a document is being fetched abandons that request without a Notification', async () => {
    app.route('/lr2/slow', { hang: true });
    app.route('/lr2/live', twiml().say('Here instead').toString());
    const t = newCall({ timeoutMs: 5_000 });
    const clock = new FakeClock();
    const running = t.interpreter.run({ kind: 'url', url: app.url('/lr2/slow'), method: 'POST' });
    await drive(new Promise<void>((resolve) => {
      const poll = () => (app.seen('/lr2/slow').some((r) => r.params.CallSid === t.callSid) ? resolve() : setTimeout(poll, 1));
      poll();
    }), clock);
    t.interpreter.redirect({ kind: 'url', url: app.url('/lr2/live'), method: 'POST' });
    assert.deepEqual(await drive(running, clock), { kind: 'hangup', reason: 'end-of-document' });
    assert.deepEqual(t.call.log, ['answer', 'say:Here instead', 'hangup']);
    assert.deepEqual(t.sink.codes(), []);
  });
});

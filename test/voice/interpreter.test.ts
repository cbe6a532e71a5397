import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import twilio from 'twilio';
import { FakeClock } from '../../src/core/index.js';
import { CallNotifier, MemoryNotificationSink } from '../../src/voice/notifications.js';
import { TwimlInterpreter, type TwimlInterpreterOptions } from '../../src/voice/twiml/interpreter.js';
import type { SpeechRecognizer } from '../../src/voice/twiml/call-control.js';
import type { CallbackTarget } from '../../src/voice/webhook/status-callback-sender.js';
import type { StandardCallParameters, WebhookParams } from '../../src/voice/webhook/params.js';
import { FakeCall, FakeLoader, drive } from './helpers/fake-call.js';

const ACCOUNT = 'AC' + '1'.repeat(32);
const CALL = 'CA' + '2'.repeat(32);
const APP = 'https://app.example.com';
const vr = () => new twilio.twiml.VoiceResponse();

function setup(overrides: Partial<TwimlInterpreterOptions> = {}) {
  const clock = new FakeClock();
  const call = new FakeCall(clock);
  const sink = new MemoryNotificationSink();
  const notifier = new CallNotifier(sink, { accountSid: ACCOUNT, callSid: CALL }, clock);
  const loader = new FakeLoader(notifier);
  const callbacks: Array<{ target: CallbackTarget; params: WebhookParams }> = [];
  const parameters = (): StandardCallParameters => ({
    CallSid: CALL, AccountSid: ACCOUNT, From: '+15550001111', To: '+15550002222', ApiVersion: '2010-04-01', Direction: 'inbound',
    CallStatus: call.state === 'in-progress' ? 'in-progress' : call.state === 'ended' ? 'completed' : 'ringing',
  });
  const interpreter = new TwimlInterpreter({
    call, fetcher: loader, notifier, clock, accountSid: ACCOUNT, callSid: CALL, parameters,
    statusCallbacks: { sender: { enqueue: (target, params) => (callbacks.push({ target, params }), true) }, authToken: 'token' },
    ...overrides,
  });
  const run = (path = '/start') => drive(interpreter.run({ kind: 'url', url: APP + path, method: 'POST' }), clock);
  return { clock, call, sink, loader, interpreter, callbacks, run };
}

describe('TwimlInterpreter with a fake call', () => {
  it('runs Say → Gather → action → Play → Record → action → Hangup', async () => {
    const t = setup();
    const start = vr();
    start.say('Welcome');
    start.gather({ numDigits: 2, action: '/menu' }).say('Enter two digits');
    start.say('Not reached');
    const menu = vr();
    menu.play('/audio/ok.wav');
    menu.record({ action: '/recorded', maxLength: 30, recordingStatusCallback: '/rec-status', recordingStatusCallbackEvent: ['in-progress', 'completed'] });
    t.loader.documents.set(`${APP}/start`, start.toString());
    t.loader.documents.set(`${APP}/menu`, menu.toString());
    t.loader.documents.set(`${APP}/recorded`, vr().hangup().toString());
    t.call.dtmfScript.push('42');
    t.call.recordings.push({ durationSeconds: 7, endedBy: { kind: 'key', key: '#' } });

    const result = await t.run();
    assert.deepEqual(result, { kind: 'hangup', reason: 'hangup-verb' });
    assert.deepEqual(t.call.log, [
      'answer', 'say:Welcome', 'say:Enter two digits', `url:${APP}/audio/ok.wav`, 'beep', 'record', 'hangup',
    ]);
    assert.deepEqual(t.loader.requests.map((r) => [r.url, r.method]), [
      [`${APP}/start`, 'POST'], [`${APP}/menu`, 'POST'], [`${APP}/recorded`, 'POST'],
    ]);
    assert.equal(t.loader.requests[0].params.CallStatus, 'ringing');
    assert.equal(t.loader.requests[1].params.Digits, '42');
    assert.equal(t.loader.requests[1].params.CallStatus, 'in-progress');
    assert.equal(t.loader.requests[1].params.CallSid, CALL);
    const rec = t.loader.requests[2].params;
    assert.equal(rec.RecordingDuration, '7');
    assert.equal(rec.Digits, '#');
    assert.match(rec.RecordingSid, /^RE/);
    assert.equal(rec.RecordingUrl.endsWith(rec.RecordingSid), true);
    assert.deepEqual(t.callbacks.map((c) => c.params.RecordingStatus), ['in-progress', 'completed']);
    assert.equal(t.callbacks[0].target.url, `${APP}/rec-status`);
    assert.equal(t.callbacks[1].params.RecordingDuration, '7');
    assert.equal(t.callbacks[1].params.RecordingSource, 'RecordVerb');
    assert.deepEqual(t.sink.codes(), []);
  });

  it('Gather: the first key interrupts the nested prompt; finishOnKey ends input and is not sent', async () => {
    const t = setup();
    const doc = vr();
    const g = doc.gather({ action: '/got' });
    g.say('Long prompt');
    g.play('/never.wav');
    t.loader.documents.set(`${APP}/start`, doc.toString());
    t.loader.documents.set(`${APP}/got`, '<Response/>');
    t.call.onPlay = (s) => (s.kind === 'say' ? 'block' : 'finish');
    t.call.dtmfScript.push((call) => setImmediate(() => call.press('123#')));
    await t.run();
    assert.deepEqual(t.call.log, ['answer', 'say:Long prompt', 'hangup']);
    assert.equal(t.loader.requests[1].params.Digits, '123');
  });

  it('Gather: no input falls through to the next verb; actionOnEmptyResult requests the action anyway', async () => {
    const t = setup();
    const doc = vr();
    doc.gather({ timeout: 3 }).say('Anything?');
    doc.say('No input');
    t.loader.documents.set(`${APP}/start`, doc.toString());
    assert.deepEqual(await t.run(), { kind: 'hangup', reason: 'end-of-document' });
    assert.deepEqual(t.call.log, ['answer', 'say:Anything?', 'say:No input', 'hangup']);
    assert.equal(t.loader.requests.length, 1);

    const t2 = setup();
    t2.loader.documents.set(`${APP}/start`, '<Response><Gather actionOnEmptyResult="true" action="/empty"/><Say>x</Say></Response>');
    t2.loader.documents.set(`${APP}/empty`, '<Response/>');
    await t2.run();
    assert.equal(t2.loader.requests[1].url, `${APP}/empty`);
    assert.equal(t2.loader.requests[1].params.Digits, undefined);
  });

  it('Gather: numDigits ends input; the default action is the current document URL; timeout keeps partial digits', async () => {
    const t = setup();
    let visits = 0;
    t.loader.documents.set(`${APP}/start`, () => (++visits === 1 ? '<Response><Gather numDigits="3"/></Response>' : '<Response><Gather finishOnKey="" method="GET"/></Response>'));
    t.call.dtmfScript.push('98765', '5#');
    await t.run();
    assert.deepEqual(t.loader.requests.map((r) => [r.method, r.params.Digits]), [['POST', undefined], ['POST', '987'], ['GET', '5#']]);
  });

  it('Gather speech: with no recognizer a Notification explains it and DTMF carries on', async () => {
    const t = setup();
    t.loader.documents.set(`${APP}/start`, '<Response><Gather input="dtmf speech" action="/a"/></Response>');
    t.loader.documents.set(`${APP}/a`, '<Response/>');
    t.call.dtmfScript.push('7#');
    await t.run();
    assert.equal(t.loader.requests[1].params.Digits, '7');
    assert.deepEqual(t.sink.codes(), [12200]);
    assert.match(t.sink.notifications[0].messageText, /speech recognizer/);

    const t2 = setup();
    t2.loader.documents.set(`${APP}/start`, '<Response><Gather input="speech" action="/a"/><Say>fell through</Say></Response>');
    await t2.run();
    assert.deepEqual(t2.call.log, ['answer', 'say:fell through', 'hangup']);
  });

  it('Gather speech: a configured recognizer yields SpeechResult and Confidence', async () => {
    const seen: string[] = [];
    const speech: SpeechRecognizer = {
      async recognize(req) {
        seen.push(`${req.language}|${req.hints}|${req.speechTimeoutMs}`);
        return { transcript: 'book a table', confidence: 0.92 };
      },
    };
    const t = setup({ speech });
    t.loader.documents.set(`${APP}/start`, '<Response><Gather input="speech" language="fr-FR" hints="table,book" speechTimeout="auto" action="/a"/></Response>');
    t.loader.documents.set(`${APP}/a`, '<Response/>');
    await t.run();
    assert.deepEqual(seen, ['fr-FR|table,book|auto']);
    assert.equal(t.loader.requests[1].params.SpeechResult, 'book a table');
    assert.equal(t.loader.requests[1].params.Confidence, '0.92');
  });

  it('Say loop="0" repeats until hangup, capped at 1000; Play digits are passed on', async () => {
    const t = setup();
    t.loader.documents.set(`${APP}/start`, '<Response><Say loop="0">again</Say><Play digits="1w2"/></Response>');
    await t.run();
    assert.equal(t.call.log.filter((l) => l === 'say:again').length, 1000);
    assert.equal(t.call.log.at(-2), 'digits:1w2');

    const t2 = setup();
    let n = 0;
    t2.call.onPlay = () => (++n === 3 ? (t2.call.remoteHangup(), 'finish') : 'finish');
    t2.loader.documents.set(`${APP}/start`, '<Response><Say loop="0">again</Say><Say>after</Say></Response>');
    assert.deepEqual(await t2.run(), { kind: 'call-ended' });
    assert.equal(t2.call.log.filter((l) => l === 'say:again').length, 3);
  });

  it('Pause as the first verb delays answering; later it plays silence', async () => {
    const t = setup();
    let answeredAt = 0;
    const started = t.clock.now();
    const answer = t.call.answer.bind(t.call);
    t.call.answer = async () => {
      answeredAt = t.clock.now();
      return answer();
    };
    t.loader.documents.set(`${APP}/start`, '<Response><Pause length="2"/><Say>hi</Say><Pause/></Response>');
    await t.run();
    assert.deepEqual(t.call.log, ['answer', 'say:hi', 'silence:1000', 'hangup']);
    assert.ok(answeredAt - started >= 2000, 'answered only after the pause');
  });

  it('Reject before answering: busy ends busy (486), rejected ends no-answer (603); never answers', async () => {
    for (const [reason, status] of [['busy', 'busy'], ['rejected', 'no-answer']] as const) {
      const t = setup();
      t.loader.documents.set(`${APP}/start`, vr().reject({ reason }).toString());
      assert.deepEqual(await t.run(), { kind: 'rejected', reason, callStatus: status });
      assert.deepEqual(t.call.log, [`reject:${reason}`]);
    }
    const t = setup();
    t.loader.documents.set(`${APP}/start`, '<Response><Say>hi</Say><Reject/></Response>');
    assert.deepEqual(await t.run(), { kind: 'hangup', reason: 'hangup-verb' });
    assert.deepEqual(t.call.log, ['answer', 'say:hi', 'hangup']);
  });

  it('Record: a hangup while recording still requests the action with Digits=hangup, and runs nothing after', async () => {
    const t = setup();
    t.loader.documents.set(`${APP}/start`, '<Response><Record playBeep="false" recordingStatusCallback="/rs"/><Say>unreached</Say></Response>');
    t.loader.documents.set(`${APP}/start-after`, '<Response/>');
    t.call.recordings.push({ durationSeconds: 4, endedBy: 'block', hangupDuring: true });
    assert.deepEqual(await t.run(), { kind: 'call-ended' });
    assert.deepEqual(t.call.log, ['answer', 'record', 'remote-hangup']);
    const action = t.loader.requests[1];
    assert.equal(action.url, `${APP}/start`);
    assert.equal(action.params.Digits, 'hangup');
    assert.equal(action.params.RecordingDuration, '4');
    assert.deepEqual(t.callbacks.map((c) => c.params.RecordingStatus), ['completed']);
  });

  it('Redirect (method default POST) replaces the document; the end of a document hangs up', async () => {
    const t = setup();
    t.loader.documents.set(`${APP}/start`, '<Response><Redirect>/two</Redirect><Say>unreachable</Say></Response>');
    t.loader.documents.set(`${APP}/two`, '<Response><Say>two</Say><Redirect method="GET">/three</Redirect></Response>');
    t.loader.documents.set(`${APP}/three`, '<Response><Say>three</Say></Response>');
    assert.deepEqual(await t.run(), { kind: 'hangup', reason: 'end-of-document' });
    assert.deepEqual(t.call.log, ['answer', 'say:two', 'say:three', 'hangup']);
    assert.deepEqual(t.loader.requests.map((r) => r.method), ['POST', 'POST', 'GET']);
  });

  it('a live redirect aborts the running verb at once and runs the new document (URL or inline TwiML)', async () => {
    const t = setup();
    t.loader.documents.set(`${APP}/start`, '<Response><Say>endless hold message</Say><Say>never</Say></Response>');
    t.loader.documents.set(`${APP}/live`, '<Response><Say>redirected</Say></Response>');
    t.call.onPlay = (s) => (s.kind === 'say' && s.text.startsWith('endless') ? 'block' : 'finish');
    const running = t.interpreter.run({ kind: 'url', url: `${APP}/start`, method: 'POST' });
    await drive(new Promise<void>((resolve) => {
      const poll = () => (t.call.log.includes('say:endless hold message') ? resolve() : setImmediate(poll));
      poll();
    }), t.clock);
    t.interpreter.redirect({ kind: 'url', url: `${APP}/live`, method: 'POST' });
    assert.deepEqual(await drive(running, t.clock), { kind: 'hangup', reason: 'end-of-document' });
    assert.deepEqual(t.call.log, ['answer', 'say:endless hold message', 'say:redirected', 'hangup']);

    const t2 = setup();
    t2.loader.documents.set(`${APP}/start`, '<Response><Gather><Say>menu</Say></Gather></Response>');
    t2.call.onPlay = (s) => (s.kind === 'say' && s.text === 'menu' ? 'block' : 'finish');
    const running2 = t2.interpreter.run({ kind: 'url', url: `${APP}/start`, method: 'POST' });
    await drive(new Promise<void>((resolve) => {
      const poll = () => (t2.call.log.includes('say:menu') ? resolve() : setImmediate(poll));
      poll();
    }), t2.clock);
    t2.interpreter.redirect({ kind: 'twiml', twiml: '<Response><Say>inline</Say><Hangup/></Response>' });
    assert.deepEqual(await drive(running2, t2.clock), { kind: 'hangup', reason: 'hangup-verb' });
    assert.deepEqual(t2.call.log, ['answer', 'say:menu', 'say:inline', 'hangup']);
    assert.equal(t2.call.listening, 0, 'the Gather stopped listening for DTMF');
  });

  it('a caller hangup during a Gather ends the run without further requests', async () => {
    const t = setup();
    t.loader.documents.set(`${APP}/start`, '<Response><Gather timeout="30"/><Say>x</Say></Response>');
    t.call.dtmfScript.push((call) => call.remoteHangup());
    assert.deepEqual(await t.run(), { kind: 'call-ended' });
    assert.equal(t.loader.requests.length, 1);
  });

  it('an application error is announced and the call hangs up', async () => {
    const t = setup();
    assert.deepEqual(await t.run('/missing'), { kind: 'hangup', reason: 'application-error' });
    assert.deepEqual(t.call.log, ['answer', 'say:We are sorry, an application error has occurred. Goodbye.', 'hangup']);
  });

  it('audio and plain-text responses are played, then the call hangs up', async () => {
    const t = setup();
    t.loader.documents.set(`${APP}/start`, () => ({ kind: 'play', url: `${APP}/start` }));
    assert.deepEqual(await t.run(), { kind: 'hangup', reason: 'played-response' });
    assert.deepEqual(t.call.log, ['answer', `url:${APP}/start`, 'hangup']);
  });

  it('valid TwiML it does not run yet (Dial, Enqueue …) is skipped with a 12200 warning', async () => {
    const t = setup();
    t.loader.documents.set(`${APP}/start`, '<Response><Dial>+15551234567</Dial><Say>after dial</Say></Response>');
    await t.run();
    assert.deepEqual(t.call.log, ['answer', 'say:after dial', 'hangup']);
    assert.deepEqual(t.sink.codes(), [12200]);
    assert.match(t.sink.notifications[0].messageText, /Dial/);
  });

  it('inline TwiML needs absolute action URLs: Gather/Record without one warn 11100', async () => {
    const t = setup();
    const result = await drive(t.interpreter.run({ kind: 'twiml', twiml: '<Response><Record/><Say>next</Say></Response>' }), t.clock);
    assert.deepEqual(result, { kind: 'hangup', reason: 'end-of-document' });
    assert.deepEqual(t.sink.codes(), [11100]);
    assert.deepEqual(t.call.log, ['answer', 'say:next', 'hangup']);
  });

  it('audio the media layer cannot fetch is reported with its code and skipped', async () => {
    const t = setup();
    t.loader.documents.set(`${APP}/start`, '<Response><Play>/gone.mp3</Play><Say>next</Say></Response>');
    t.call.onPlay = (s) => (s.kind === 'url' ? { kind: 'failed', code: 11200, message: 'GET answered 404' } : 'finish');
    await t.run();
    assert.deepEqual(t.call.log, ['answer', `url:${APP}/gone.mp3`, 'say:next', 'hangup']);
    assert.deepEqual(t.sink.codes(), [11200]);
    assert.equal(t.sink.notifications[0].log, '1');
  });

  it('a live redirect during Record stops the recording and requests no action', async () => {
    const t = setup();
    t.loader.documents.set(`${APP}/start`, '<Response><Record action="/after-record"/></Response>');
    t.loader.documents.set(`${APP}/other`, '<Response><Say>other</Say></Response>');
    t.call.recordings.push({ durationSeconds: 2, endedBy: 'block' });
    const running = t.interpreter.run({ kind: 'url', url: `${APP}/start`, method: 'POST' });
    await drive(new Promise<void>((resolve) => {
      const poll = () => (t.call.log.includes('record') ? resolve() : setImmediate(poll));
      poll();
    }), t.clock);
    t.interpreter.redirect({ kind: 'url', url: `${APP}/other`, method: 'POST' });
    assert.deepEqual(await drive(running, t.clock), { kind: 'hangup', reason: 'end-of-document' });
    assert.deepEqual(t.call.log, ['answer', 'beep', 'record', 'say:other', 'hangup']);
    assert.deepEqual(t.loader.requests.map((r) => r.url), [`${APP}/start`, `${APP}/other`]);
  });
});

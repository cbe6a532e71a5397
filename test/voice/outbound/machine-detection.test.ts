/**
 * Answering machine detection end to end: the official `twilio` client creates calls with `MachineDetection`, SIPp
 * answers them and sends real G.711 RTP — espeak-ng's "Hello?" (a person), a voicemail greeting (with its beep),
 * silence, a fax answer tone, or nothing at all — and the application receives `AnsweredBy` in the signed TwiML
 * request (synchronous AMD), in the signed `AsyncAmdStatusCallback` (`AsyncAmd=true`) or in the `amdStatusCallback`
 * of a `<Dial><Sip machineDetection>` leg; the Call records keep `answered_by`.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sqliteDatabase } from '../../helpers/databases.js';
import { type TestServer, startTestServer } from '../../helpers/server.js';
import { type AppServer, type SeenRequest, startAppServer } from '../helpers/app-server.js';
import { SIPP, eventually } from '../e2e/helpers.js';
import { sippUas } from '../helpers/sipp-uas.js';
import { GREETING, HELLO, concat, silence, speak, tone, writeRtpCapture } from '../../media/helpers/amd-audio.js';

const skip = !existsSync(SIPP) && 'SIPp not installed';

interface RestError { code?: number; status?: number }

describe('answering machine detection (MachineDetection, AsyncAmd, <Dial><Sip machineDetection>)', { skip, timeout: 300_000 }, () => {
  let t: TestServer;
  let app: AppServer;
  let dir: string;
  /** Capture files of what the far end sends, by name. */
  const captures: Record<string, string> = {};
  let greetingMs = 0;

  before(async () => {
    t = await startTestServer({}, sqliteDatabase(), { webhookTimeoutMs: 3_000 });
    app = await startAppServer(t.authToken);
    dir = mkdtempSync(path.join(tmpdir(), 'patchbay-amd-'));
    const [hello, greeting] = await Promise.all([speak(HELLO), speak(GREETING)]);
    greetingMs = greeting.length / 8;
    const audio: Record<string, Int16Array> = {
      human: concat(silence(500), hello, silence(6000)),
      machine: concat(silence(300), greeting, silence(2000)),
      beep: concat(silence(300), greeting, silence(500), tone(600, 1000), silence(4000)),
      silence: silence(6000),
      fax: concat(silence(300), tone(4000, 2100), silence(500)),
    };
    for (const [name, pcm] of Object.entries(audio)) {
      captures[name] = path.join(dir, `${name}.pcap`);
      writeRtpCapture(captures[name]!, pcm);
    }
  });
  after(async () => {
    await app?.close();
    await t?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** A SIPp far end that answers and sends `capture` (or no RTP at all with null). */
  const farEnd = (capture: string | null) =>
    capture === null ? sippUas(null) : sippUas('uas-plays.xml', 1, 60, [], { PCAP: captures[capture]! });

  const finalCall = (sid: string) =>
    eventually(async () => {
      const c = await t.client().calls(sid).fetch();
      return ['completed', 'busy', 'failed', 'no-answer', 'canceled'].includes(c.status) ? c : undefined;
    }, `call ${sid} to end`, 60_000);

  const first = (p: string, what: string) => eventually(() => app.seen(p)[0], what, 60_000);

  it('rejects bad MachineDetection values with 21234', async () => {
    const url = app.url('/never');
    const cases: Array<Record<string, string>> = [
      { MachineDetection: 'Sometimes' },
      { MachineDetection: 'Enable', MachineDetectionTimeout: '2' },
      { MachineDetection: 'Enable', MachineDetectionTimeout: '61' },
      { MachineDetection: 'Enable', MachineDetectionSpeechThreshold: '999' },
      { MachineDetection: 'Enable', MachineDetectionSpeechEndThreshold: '5001' },
      { MachineDetection: 'Enable', MachineDetectionSilenceTimeout: '1999' },
      { MachineDetection: 'Enable', MachineDetectionSilenceTimeout: 'soon' },
      { MachineDetection: 'Enable', AsyncAmd: 'maybe' },
    ];
    for (const extra of cases) {
      const form = new URLSearchParams({ To: '+15005550007', From: '+15005550006', Url: url, ...extra });
      const res = await fetch(`${t.server.httpUrl}/2010-04-01/Accounts/${t.accountSid}/Calls.json`, {
        method: 'POST', body: form,
        headers: { authorization: `Basic ${Buffer.from(`${t.accountSid}:${t.authToken}`).toString('base64')}` },
      });
      const body = (await res.json()) as RestError;
      assert.equal(res.status, 400, JSON.stringify(extra));
      assert.equal(body.code, 21234, JSON.stringify(extra));
    }
    await assert.rejects(
      t.client().calls.create({ to: '+15005550007', from: '+15005550006', url, machineDetection: 'Enable', asyncAmdStatusCallback: 'ftp://x', asyncAmd: 'true' }),
      (err: RestError) => err.code === 21205,
    );
  });

  /** Synchronous AMD: the TwiML request waits for the decision and carries it; the record and `completed` too. */
  async function synchronous(name: string, capture: string | null, options: Record<string, string | number>): Promise<SeenRequest> {
    const sipp = await farEnd(capture);
    app.route(`/${name}/voice`, '<Response><Hangup/></Response>');
    app.route(`/${name}/status`, { status: 204, type: null });
    const call = await t.client().calls.create({
      to: `sip:amd@127.0.0.1:${sipp.port}`, from: '+15005550006', url: app.url(`/${name}/voice`),
      statusCallback: app.url(`/${name}/status`), statusCallbackEvent: ['answered', 'completed'], ...options,
    });
    const voice = await first(`/${name}/voice`, `the ${name} TwiML request`);
    assert.ok(voice.signatureValid, 'the TwiML request is signed');
    assert.equal(voice.params.CallSid, call.sid);
    assert.equal(voice.params.CallStatus, 'in-progress');
    const ended = await finalCall(call.sid);
    assert.equal(ended.status, 'completed');
    assert.equal(ended.answeredBy, voice.params.AnsweredBy, 'answered_by is stored');
    const callbacks = await eventually(() => (app.seen(`/${name}/status`).length >= 2 ? app.seen(`/${name}/status`) : undefined), 'two status callbacks');
    assert.deepEqual(callbacks.map((c) => c.params.CallStatus), ['in-progress', 'completed']);
    assert.equal(callbacks[1]!.params.AnsweredBy, voice.params.AnsweredBy, 'the completed callback carries AnsweredBy');
    assert.ok(callbacks.every((c) => c.signatureValid));
    const r = await sipp.done;
    assert.equal(r.code, 0, `${r.stdout}\n${r.errors}`);
    return voice;
  }

  const duration = (voice: SeenRequest) => Number(voice.params.MachineDetectionDuration);

  it('a person saying "Hello?" is human, after the speech and the speech-end silence', async () => {
    const voice = await synchronous('human', 'human', { machineDetection: 'Enable' });
    assert.equal(voice.params.AnsweredBy, 'human');
    assert.ok(duration(voice) >= 500 + 1200 && duration(voice) < 4000, `MachineDetectionDuration ${duration(voice)}`);
  });

  it('a voicemail greeting is machine_start once it has gone on for MachineDetectionSpeechThreshold', async () => {
    const voice = await synchronous('machine', 'machine', { machineDetection: 'Enable', machineDetectionSpeechThreshold: 2000 });
    assert.equal(voice.params.AnsweredBy, 'machine_start');
    assert.ok(duration(voice) >= 2300 && duration(voice) < 4000, `MachineDetectionDuration ${duration(voice)}`);
  });

  it('DetectMessageEnd: the greeting and its 1 kHz beep are machine_end_beep, reported as the beep ends', async () => {
    const voice = await synchronous('beep', 'beep', { machineDetection: 'DetectMessageEnd' });
    assert.equal(voice.params.AnsweredBy, 'machine_end_beep');
    const beepEnds = 300 + greetingMs + 500 + 600;
    assert.ok(Math.abs(duration(voice) - beepEnds) < 600, `MachineDetectionDuration ${duration(voice)}, the beep ends at ${beepEnds}`);
  });

  it('silence is unknown after MachineDetectionSilenceTimeout — with silent RTP, and with no RTP at all', async () => {
    for (const [name, capture] of [['silent-rtp', 'silence'], ['no-rtp', null]] as const) {
      const voice = await synchronous(name, capture, { machineDetection: 'Enable', machineDetectionSilenceTimeout: 2000 });
      assert.equal(voice.params.AnsweredBy, 'unknown', name);
      assert.ok(duration(voice) >= 2000 && duration(voice) < 2500, `${name}: MachineDetectionDuration ${duration(voice)}`);
    }
  });

  it('a fax answer tone (2100 Hz) is fax', async () => {
    const voice = await synchronous('fax', 'fax', { machineDetection: 'Enable' });
    assert.equal(voice.params.AnsweredBy, 'fax');
    assert.ok(duration(voice) < 1500, `MachineDetectionDuration ${duration(voice)}`);
  });

  it('AsyncAmd=true: the TwiML runs at once, the result goes signed to AsyncAmdStatusCallback and onto the record', async () => {
    const sipp = await farEnd('machine');
    app.route('/async/voice', '<Response><Pause length="5"/></Response>');
    app.route('/async/amd', { status: 204, type: null });
    const call = await t.client().calls.create({
      to: `sip:amd@127.0.0.1:${sipp.port}`, from: '+15005550006', url: app.url('/async/voice'),
      machineDetection: 'Enable', asyncAmd: 'true', asyncAmdStatusCallback: app.url('/async/amd'), asyncAmdStatusCallbackMethod: 'POST',
    });
    const voice = await first('/async/voice', 'the TwiML request');
    assert.equal(voice.params.AnsweredBy, undefined, 'the TwiML request does not wait for detection');
    const amd = await first('/async/amd', 'the AMD status callback');
    assert.ok(app.requests.indexOf(voice) < app.requests.indexOf(amd), 'the TwiML was requested first');
    assert.ok(amd.signatureValid, 'the AMD status callback is signed');
    assert.equal(amd.method, 'POST');
    assert.equal(amd.params.AccountSid, t.accountSid);
    assert.equal(amd.params.CallSid, call.sid);
    assert.equal(amd.params.AnsweredBy, 'machine_start');
    assert.ok(Number(amd.params.MachineDetectionDuration) >= 2400, `MachineDetectionDuration ${amd.params.MachineDetectionDuration}`);
    // Stored before the callback was sent.
    assert.equal((await t.client().calls(call.sid).fetch()).answeredBy, 'machine_start');
    assert.equal((await finalCall(call.sid)).answeredBy, 'machine_start');
    const r = await sipp.done;
    assert.equal(r.code, 0, `${r.stdout}\n${r.errors}`);
  });

  it('<Dial><Sip machineDetection>: detection runs on the callee beside the bridge and posts to amdStatusCallback', async () => {
    const caller = await sippUas(null);
    const callee = await farEnd('human');
    app.route('/dial/voice', `<Response><Dial timeLimit="5"><Sip machineDetection="Enable" amdStatusCallback="${app.url('/dial/amd')}" ` +
      `amdStatusCallbackMethod="GET">sip:callee@127.0.0.1:${callee.port}</Sip></Dial></Response>`);
    app.route('/dial/amd', { status: 204, type: null });
    const call = await t.client().calls.create({ to: `sip:caller@127.0.0.1:${caller.port}`, from: '+15005550006', url: app.url('/dial/voice') });
    const amd = await first('/dial/amd', 'the Dial leg\'s AMD callback');
    assert.ok(amd.signatureValid);
    assert.equal(amd.method, 'GET');
    assert.equal(amd.params.AnsweredBy, 'human');
    const [child] = await t.client().calls.list({ parentCallSid: call.sid });
    assert.equal(amd.params.CallSid, child!.sid, 'the callback is about the child leg');
    assert.equal(amd.params.AccountSid, t.accountSid);
    assert.equal((await finalCall(child!.sid)).answeredBy, 'human');
    assert.equal((await finalCall(call.sid)).answeredBy, null, 'the parent was not screened');
    for (const sipp of [caller, callee]) {
      const r = await sipp.done;
      assert.equal(r.code, 0, `${r.stdout}\n${r.errors}`);
    }
  });

  it('<Dial><Sip asyncAmd>: ignored with a 21263 warning Notification on the call, detection goes on as without it', async () => {
    const caller = await sippUas(null);
    const callee = await farEnd('human');
    app.route('/dial-async/voice', `<Response><Dial timeLimit="5"><Sip machineDetection="Enable" asyncAmd="true" ` +
      `asyncAmdStatusCallback="${app.url('/dial-async/ignored')}" amdStatusCallback="${app.url('/dial-async/amd')}">` +
      `sip:callee@127.0.0.1:${callee.port}</Sip></Dial></Response>`);
    app.route('/dial-async/amd', { status: 204, type: null });
    const call = await t.client().calls.create({ to: `sip:caller@127.0.0.1:${caller.port}`, from: '+15005550006', url: app.url('/dial-async/voice') });
    const amd = await first('/dial-async/amd', 'the Dial leg\'s AMD callback');
    assert.equal(amd.params.AnsweredBy, 'human');
    const notes = await t.client().calls(call.sid).notifications.list();
    assert.deepEqual(notes.map((n) => [n.errorCode, n.log]), [['21263', '1']], 'one warning, no 12200');
    assert.equal(notes[0]!.requestUrl, app.url('/dial-async/voice'));
    await finalCall(call.sid);
    assert.deepEqual(app.seen('/dial-async/ignored'), [], 'asyncAmdStatusCallback is not used');
    for (const sipp of [caller, callee]) {
      const r = await sipp.done;
      assert.equal(r.code, 0, `${r.stdout}\n${r.errors}`);
    }
  });
});

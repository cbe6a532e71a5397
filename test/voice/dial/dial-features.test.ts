/**
 * `<Dial>` attributes and live control end to end (issue 6 items 4–5): hangupOnStar, timeLimit, callerId, the
 * callee's whisper `url`, sequential ringing, answerOnBridge with the callee's early media, mono recording, and a
 * REST redirect of the child leg. Callees are SIPp or numbers answered on-net by the app server.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { readPcm16Wav } from '../../../src/media/index.js';
import { twiml } from '../helpers/app-server.js';
import { dialHarness } from './dial-harness.js';
import { sippUas } from '../helpers/sipp-uas.js';
import { SIPP, SIPP_PCAPS, callWithSipp, eventually } from '../e2e/helpers.js';

const skip = !existsSync(SIPP) && 'SIPp not installed';
/** A callee that answers (Say answers first; a leading Pause would not, reference §3.2) and stays 30 s. */
const ANSWER_AND_WAIT = '<Response><Say>Hello</Say><Pause length="30"/></Response>';

function rms(samples: Int16Array): number {
  let sum = 0;
  for (const v of samples) sum += v * v;
  return samples.length === 0 ? 0 : Math.sqrt(sum / samples.length);
}

describe('<Dial> attributes and live control', { skip, timeout: 300_000 }, () => {
  const h = dialHarness(3000);
  const { number, actionOf } = h;
  const children = (parentCallSid: string) => h.t.client().calls.list({ parentCallSid });

  it('hangupOnStar: the caller\'s * (RFC 4733) drops the callee and the caller goes on with the action', async () => {
    const callee = await number('/star/callee');
    h.app.route('/star/callee', ANSWER_AND_WAIT);
    const doc = twiml();
    doc.dial({ action: '/star/action', hangupOnStar: true }, callee);
    h.app.route('/star/voice', doc.toString());
    h.app.route('/star/action', '<Response><Hangup/></Response>');
    const caller = await callWithSipp('uac-flow.xml', h.t.server.sip.udp!.port, await number('/star/voice'), {
      DIGIT_AT: 2_500, PCAP_DIGIT: path.join(SIPP_PCAPS, 'dtmf_2833_star.pcap'),
      VOICE_AFTER: 1, PCAP_VOICE: path.join(SIPP_PCAPS, 'dtmf_2833_1.pcap'),
    });
    assert.equal(caller.code, 0, `Patchbay hung up after the action: ${caller.errors}`);
    const action = await actionOf('/star/action');
    assert.equal(action.params.DialCallStatus, 'completed');
    assert.equal(action.params.DialBridged, 'true');
    const child = await h.t.client().calls(action.params.DialCallSid!).fetch();
    assert.equal(child.status, 'completed');
    assert.ok(Number(child.duration) < 10, 'the callee was dropped long before its 30 s pause ended');
  });

  it('relays the caller\'s RFC 4733 keys across the bridge to the callee\'s <Gather>', async () => {
    const callee = await number('/relay/callee');
    h.app.route('/relay/callee', '<Response><Gather numDigits="1" timeout="15" action="/relay/got"><Say>Hi</Say></Gather></Response>');
    h.app.route('/relay/got', '<Response><Hangup/></Response>');
    const doc = twiml();
    doc.dial({ action: '/relay/action' }, callee);
    h.app.route('/relay/voice', doc.toString());
    h.app.route('/relay/action', '<Response><Hangup/></Response>');
    const caller = await callWithSipp('uac-flow.xml', h.t.server.sip.udp!.port, await number('/relay/voice'), {
      // Late enough for the bridge to be up on a slow machine (the callee answers with a <Say> rendered by espeak-ng).
      DIGIT_AT: 5_000, PCAP_DIGIT: path.join(SIPP_PCAPS, 'dtmf_2833_7.pcap'),
      VOICE_AFTER: 1, PCAP_VOICE: path.join(SIPP_PCAPS, 'dtmf_2833_1.pcap'),
    });
    assert.equal(caller.code, 0, caller.errors);
    const got = await eventually(() => h.app.seen('/relay/got')[0], 'the callee\'s Gather action');
    assert.equal(got.params.Digits, '7');
    assert.equal((await actionOf('/relay/action')).params.DialCallStatus, 'completed');
  });

  it('timeLimit ends the bridge; callerId is what the callee sees', async () => {
    const callee = await number('/limit/callee');
    h.app.route('/limit/callee', ANSWER_AND_WAIT);
    const doc = twiml();
    doc.dial({ action: '/limit/action', timeLimit: 2, callerId: '+15005550006' }, callee);
    h.app.route('/limit/voice', doc.toString());
    h.app.route('/limit/action', '<Response><Hangup/></Response>');
    const started = Date.now();
    const caller = await callWithSipp('uac-until-bye.xml', h.t.server.sip.udp!.port, await number('/limit/voice'), { WAIT_MS: 30_000 });
    assert.equal(caller.code, 0, caller.errors);
    assert.ok(Date.now() - started < 15_000, 'the call ended at the time limit');
    const action = await actionOf('/limit/action');
    assert.equal(action.params.DialCallStatus, 'completed');
    const duration = Number(action.params.DialCallDuration);
    assert.ok(duration >= 1 && duration <= 4, `DialCallDuration ${duration} is about the 2 s limit`);
    const seenByCallee = h.app.seen('/limit/callee')[0]!;
    assert.equal(seenByCallee.params.From, '+15005550006');
    const child = await h.t.client().calls(action.params.DialCallSid!).fetch();
    assert.equal(child.from, '+15005550006');
  });

  it('runs the whisper url on the callee before bridging; a whisper that hangs up leaves the caller unbridged', async () => {
    const callee = await number('/whisper/callee');
    h.app.route('/whisper/callee', ANSWER_AND_WAIT);
    h.app.route('/whisper/ok', '<Response><Pause length="1"/></Response>');
    h.app.route('/whisper/refuse', '<Response><Hangup/></Response>');
    for (const [name, whisper, bridged] of [['accepted', '/whisper/ok', 'true'], ['refused', '/whisper/refuse', 'false']] as const) {
      const doc = twiml();
      doc.dial({ action: `/whisper/${name}/action`, timeLimit: 2 }).number({ url: whisper }, callee);
      h.app.route(`/whisper/${name}/voice`, doc.toString());
      h.app.route(`/whisper/${name}/action`, '<Response><Hangup/></Response>');
      const caller = await callWithSipp('uac-until-bye.xml', h.t.server.sip.udp!.port, await number(`/whisper/${name}/voice`), { WAIT_MS: 30_000 });
      assert.equal(caller.code, 0, caller.errors);
      const action = await actionOf(`/whisper/${name}/action`);
      assert.equal(action.params.DialBridged, bridged, name);
      assert.equal(action.params.DialCallStatus, 'completed');
      const whisperRequest = h.app.seen(whisper).find((r) => r.params.CallSid === action.params.DialCallSid)!;
      assert.ok(whisperRequest.signatureValid);
      assert.equal(whisperRequest.params.Direction, 'outbound-dial');
      assert.equal(whisperRequest.params.ParentCallSid, action.params.CallSid);
      assert.equal(whisperRequest.params.CallStatus, 'in-progress');
    }
  });

  it('<Number sendDigits> reaches the callee after it answers, before the bridge', async () => {
    const callee = await number('/senddigits/callee');
    h.app.route('/senddigits/callee', '<Response><Gather numDigits="4" timeout="10" action="/senddigits/got"/></Response>');
    h.app.route('/senddigits/got', '<Response><Hangup/></Response>');
    const doc = twiml();
    doc.dial({ action: '/senddigits/action' }).number({ sendDigits: 'w1234' }, callee);
    h.app.route('/senddigits/voice', doc.toString());
    h.app.route('/senddigits/action', '<Response><Hangup/></Response>');
    const caller = await callWithSipp('uac-until-bye.xml', h.t.server.sip.udp!.port, await number('/senddigits/voice'), { WAIT_MS: 30_000 });
    assert.equal(caller.code, 0, caller.errors);
    const got = await eventually(() => h.app.seen('/senddigits/got')[0], 'the callee\'s Gather action');
    assert.equal(got.params.Digits, '1234');
    const action = await actionOf('/senddigits/action');
    assert.equal(action.params.DialCallStatus, 'completed');
  });

  it('sequential: the next party rings only after the first did not answer', async () => {
    const silent = await sippUas('uas-never-answers.xml');
    const answering = await sippUas(null);
    const doc = twiml();
    const d = doc.dial({ action: '/seq/action', timeout: 2, sequential: true } as Parameters<typeof doc.dial>[0]);
    d.sip(`sip:first@127.0.0.1:${silent.port}`);
    d.sip(`sip:second@127.0.0.1:${answering.port}`);
    h.app.route('/seq/voice', doc.toString());
    h.app.route('/seq/action', '<Response><Hangup/></Response>');
    const caller = await callWithSipp('uac-plays-hangs-up.xml', h.t.server.sip.udp!.port, await number('/seq/voice'), {
      PT: 0, CODEC: 'PCMU', BEFORE_MS: 200, PCAP: path.join(SIPP_PCAPS, 'dtmf_2833_1.pcap'), AFTER_MS: 4_000,
    });
    assert.equal(caller.code, 0, caller.errors);
    assert.equal((await silent.done).code, 0);
    assert.equal((await answering.done).code, 0);
    const action = await actionOf('/seq/action');
    const legs = await children(action.params.CallSid!);
    const first = legs.find((c) => c.to.includes('first@'))!;
    const second = legs.find((c) => c.to.includes('second@'))!;
    assert.equal(action.params.DialCallSid, second.sid);
    assert.equal(first.status, 'no-answer');
    assert.ok(second.dateCreated.getTime() >= first.dateCreated.getTime() + 1_000, 'the second leg was created after the first rang out');
  });

  it('answerOnBridge: the caller gets the callee\'s 183 and early media, and its 200 OK only when the callee answers', async () => {
    const uas = await sippUas('uas-early-media.xml', 1, 60, ['-rtp_echo']);
    const doc = twiml();
    doc.dial({ action: '/aob/action', answerOnBridge: true, record: 'record-from-ringing-dual' }).sip(`sip:early@127.0.0.1:${uas.port}`);
    h.app.route('/aob/voice', doc.toString());
    h.app.route('/aob/action', '<Response><Hangup/></Response>');
    const started = Date.now();
    // The caller's scenario requires the 183 before the 200 and starts talking when the 183 arrives.
    const caller = await callWithSipp('uac-early-media.xml', h.t.server.sip.udp!.port, await number('/aob/voice'), {
      PT: 8, CODEC: 'PCMA', PCAP: path.join(SIPP_PCAPS, 'g711a.pcap'), AFTER_MS: 2_000,
    });
    assert.equal(caller.code, 0, `183 then 200: ${caller.errors}`);
    assert.equal((await uas.done).code, 0);
    const action = await actionOf('/aob/action');
    const [parent, child] = await Promise.all([h.t.client().calls(action.params.CallSid!).fetch(), h.t.client().calls(action.params.DialCallSid!).fetch()]);
    assert.ok(Date.now() - started >= 2_000);
    // The caller was answered when the callee was (the callee answers 2 s after its 183).
    assert.ok(Math.abs(parent.startTime.getTime() - child.startTime.getTime()) <= 1_000, `${parent.startTime.toISOString()} ~ ${child.startTime.toISOString()}`);
    const recording = await h.t.client().recordings(action.params.RecordingSid!).fetch();
    const wav = readPcm16Wav(Buffer.from(await (await fetch(recording.mediaUrl)).arrayBuffer()));
    const echo = new Int16Array(wav.data.length / 4);
    for (let i = 0; i < echo.length; i++) echo[i] = wav.data.readInt16LE(i * 4 + 2);
    // The first 1.5 s are before the callee answered: its early media (the echo of the caller) was bridged.
    const early = rms(echo.subarray(0, 12_000));
    assert.ok(early > 200, `the callee's early media reached the caller (RMS ${early.toFixed(0)} before the answer)`);
  });

  it('a REST redirect of the caller drops the callee and runs the new TwiML instead of the Dial action', async () => {
    const callee = await number('/predirect/callee');
    h.app.route('/predirect/callee', ANSWER_AND_WAIT);
    const doc = twiml();
    doc.dial({ action: '/predirect/action' }, callee);
    h.app.route('/predirect/voice', doc.toString());
    h.app.route('/predirect/action', '<Response><Hangup/></Response>');
    h.app.route('/predirect/new', '<Response><Pause length="1"/><Hangup/></Response>');
    const to = await number('/predirect/voice');
    const caller = callWithSipp('uac-until-bye.xml', h.t.server.sip.udp!.port, to, { WAIT_MS: 30_000 });
    const parent = await eventually(async () => (await h.t.client().calls.list({ to, status: 'in-progress' }))[0], 'the caller in progress');
    const child = await eventually(async () => (await h.t.client().calls.list({ parentCallSid: parent.sid, status: 'in-progress' }))[0], 'the child in progress');
    await h.t.client().calls(parent.sid).update({ url: h.app.url('/predirect/new') });
    await eventually(() => h.app.seen('/predirect/new')[0], 'the new document');
    assert.equal((await caller).code, 0);
    await eventually(async () => ((await h.t.client().calls(child.sid).fetch()).status === 'completed' ? true : undefined), 'the callee dropped');
    assert.equal(h.app.seen('/predirect/action').length, 0, 'the Dial action is not requested after a redirect');
  });

  it('a REST redirect takes the child out of the bridge: the caller goes on, the child runs its new TwiML', async () => {
    const callee = await number('/redirect/callee');
    h.app.route('/redirect/callee', ANSWER_AND_WAIT);
    const doc = twiml();
    doc.dial({ action: '/redirect/action', record: 'record-from-answer' }, callee);
    h.app.route('/redirect/voice', doc.toString());
    h.app.route('/redirect/action', '<Response><Hangup/></Response>');
    h.app.route('/redirect/child', '<Response><Pause length="1"/><Hangup/></Response>');
    const to = await number('/redirect/voice');
    const caller = callWithSipp('uac-until-bye.xml', h.t.server.sip.udp!.port, to, { WAIT_MS: 30_000 });
    const parent = await eventually(async () => (await h.t.client().calls.list({ to, status: 'in-progress' }))[0], 'the caller in progress');
    const child = await eventually(async () => (await h.t.client().calls.list({ parentCallSid: parent.sid, status: 'in-progress' }))[0], 'the child in progress');
    await new Promise((r) => setTimeout(r, 500));
    await h.t.client().calls(child.sid).update({ url: h.app.url('/redirect/child') });

    const action = await actionOf('/redirect/action');
    assert.equal(action.params.DialCallStatus, 'completed');
    assert.equal(action.params.DialBridged, 'true');
    assert.equal(action.params.DialCallDuration, undefined, 'no DialCallDuration when the child was redirected');
    assert.equal((await caller).code, 0);
    const redirected = await eventually(() => h.app.seen('/redirect/child')[0], 'the child\'s new document');
    assert.equal(redirected.params.CallSid, child.sid);
    assert.equal(redirected.params.ParentCallSid, parent.sid);
    await eventually(async () => ((await h.t.client().calls(child.sid).fetch()).status === 'completed' ? true : undefined), 'the child completed by its own TwiML');
    const recording = await h.t.client().recordings(action.params.RecordingSid!).fetch();
    assert.equal(recording.channels, 1);
    assert.equal(recording.source, 'DialVerb');
  });

  it('a REST redirect of the child during its whisper: it is never bridged, runs its new TwiML, and the caller goes on', async () => {
    const callee = await number('/wredirect/callee');
    h.app.route('/wredirect/callee', ANSWER_AND_WAIT);
    h.app.route('/wredirect/whisper', '<Response><Pause length="20"/></Response>');
    const doc = twiml();
    doc.dial({ action: '/wredirect/action' }).number({ url: '/wredirect/whisper' }, callee);
    h.app.route('/wredirect/voice', doc.toString());
    h.app.route('/wredirect/action', '<Response><Hangup/></Response>');
    h.app.route('/wredirect/child', '<Response><Pause length="1"/><Hangup/></Response>');
    const to = await number('/wredirect/voice');
    const caller = callWithSipp('uac-until-bye.xml', h.t.server.sip.udp!.port, to, { WAIT_MS: 30_000 });
    const parent = await eventually(async () => (await h.t.client().calls.list({ to, status: 'in-progress' }))[0], 'the caller in progress');
    const child = await eventually(async () => (await h.t.client().calls.list({ parentCallSid: parent.sid, status: 'in-progress' }))[0], 'the child in progress');
    await eventually(() => h.app.seen('/wredirect/whisper')[0], 'the whisper running');
    await h.t.client().calls(child.sid).update({ url: h.app.url('/wredirect/child') });

    const action = await actionOf('/wredirect/action');
    assert.equal(action.params.DialCallStatus, 'completed');
    assert.equal(action.params.DialBridged, 'false');
    assert.equal(action.params.DialCallSid, child.sid);
    assert.equal(action.params.DialCallDuration, undefined, 'no DialCallDuration when the child was redirected');
    assert.equal((await caller).code, 0);
    const redirected = await eventually(() => h.app.seen('/wredirect/child')[0], 'the child\'s new document');
    assert.equal(redirected.params.CallSid, child.sid);
    await eventually(async () => ((await h.t.client().calls(child.sid).fetch()).status === 'completed' ? true : undefined), 'the child completed by its own TwiML');
  });
});

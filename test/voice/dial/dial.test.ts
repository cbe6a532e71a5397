/**
 * `<Dial>` end to end (issue 6 items 4–5): SIPp calls a number whose application dials SIPp far ends or another
 * account's number on-net; the official `twilio` client reads the child calls; the application checks every
 * webhook's signature.
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

/** RMS of one channel of interleaved PCM16. */
function channelRms(data: Buffer, channels: number, channel: number): number {
  let sum = 0;
  let n = 0;
  for (let at = channel * 2; at + 1 < data.length; at += channels * 2) {
    const v = data.readInt16LE(at);
    sum += v * v;
    n++;
  }
  return n === 0 ? 0 : Math.sqrt(sum / n);
}

describe('<Dial>', { skip, timeout: 300_000 }, () => {
  const h = dialHarness(2000);
  const { number, actionOf } = h;

  it('bridges the caller to a SIP URI: media both ways (transcoded), recorded in two channels, the child call listed by ParentCallSid', async () => {
    // The far end answers with PCMU and echoes every RTP packet; the caller offers PCMA only.
    const uas = await sippUas(null, 1, 60, ['-rtp_echo']);
    const doc = twiml();
    const d = doc.dial({ action: '/sip/action', record: 'record-from-answer-dual', recordingStatusCallback: '/sip/recording' });
    d.sip({ statusCallback: '/sip/child', statusCallbackEvent: ['initiated', 'ringing', 'answered', 'completed'] }, `sip:echo@127.0.0.1:${uas.port}`);
    h.app.route('/sip/voice', doc.toString());
    h.app.route('/sip/action', '<Response><Hangup/></Response>');
    h.app.route('/sip/child', { status: 204, type: null });
    h.app.route('/sip/recording', { status: 204, type: null });
    const to = await number('/sip/voice');

    const caller = await callWithSipp('uac-plays-hangs-up.xml', h.t.server.sip.udp!.port, to, {
      PT: 8, CODEC: 'PCMA', BEFORE_MS: 500, PCAP: path.join(SIPP_PCAPS, 'g711a.pcap'), AFTER_MS: 3_000,
    });
    assert.equal(caller.code, 0, `the caller's call went through: ${caller.errors}`);
    const far = await uas.done;
    assert.equal(far.code, 0, `the far end was called and hung up: ${far.errors}`);

    const action = await actionOf('/sip/action');
    assert.ok(action.signatureValid);
    const parentSid = action.params.CallSid!;
    assert.equal(action.params.DialCallStatus, 'completed');
    assert.equal(action.params.DialBridged, 'true');
    assert.match(action.params.DialCallSid!, /^CA[0-9a-f]{32}$/);
    assert.ok(Number(action.params.DialCallDuration) >= 2, `DialCallDuration ${action.params.DialCallDuration}`);
    assert.match(action.params.RecordingUrl!, new RegExp(`/Recordings/${action.params.RecordingSid}$`));

    const children = await h.t.client().calls.list({ parentCallSid: parentSid });
    assert.equal(children.length, 1);
    const [child] = children;
    assert.equal(child!.sid, action.params.DialCallSid);
    assert.equal(child!.direction, 'outbound-dial');
    assert.equal(child!.parentCallSid, parentSid);
    assert.equal(child!.from, '+15551230000', 'the caller ID is the caller\'s own');
    assert.equal(child!.to, `sip:echo@127.0.0.1:${uas.port}`);
    const ended = await eventually(async () => {
      const c = await h.t.client().calls(child!.sid).fetch();
      return c.status === 'completed' ? c : undefined;
    }, 'the child completed');
    assert.equal(ended.duration, action.params.DialCallDuration);

    const statuses = await eventually(() => (h.app.seen('/sip/child').length >= 4 ? h.app.seen('/sip/child') : undefined), 'four child status callbacks');
    assert.deepEqual(statuses.map((s) => s.params.CallStatus), ['initiated', 'ringing', 'in-progress', 'completed']);
    for (const s of statuses) {
      assert.ok(s.signatureValid);
      assert.equal(s.params.CallSid, child!.sid);
      assert.equal(s.params.ParentCallSid, parentSid);
      assert.equal(s.params.Direction, 'outbound-dial');
    }

    const recordingStatus = await eventually(() => h.app.seen('/sip/recording')[0], 'the recording status callback');
    assert.equal(recordingStatus.params.RecordingStatus, 'completed');
    assert.equal(recordingStatus.params.RecordingChannels, '2');
    assert.equal(recordingStatus.params.RecordingSource, 'DialVerb');
    const recording = await h.t.client().recordings(action.params.RecordingSid!).fetch();
    assert.equal(recording.callSid, parentSid);
    assert.equal(recording.channels, 2);
    assert.equal(recording.source, 'DialVerb');
    const wav = readPcm16Wav(Buffer.from(await (await fetch(recording.mediaUrl)).arrayBuffer()));
    assert.equal(wav.channels, 2);
    // Channel 1 is the caller's speech; channel 2 the far end's echo of it, which crossed the bridge twice.
    const caller1 = channelRms(wav.data, 2, 0);
    const echo2 = channelRms(wav.data, 2, 1);
    assert.ok(caller1 > 300, `the caller is heard on channel 1 (RMS ${caller1.toFixed(0)})`);
    assert.ok(echo2 > 300, `the far end's echo is heard on channel 2 (RMS ${echo2.toFixed(0)})`);
  });

  it('rings two SIP URIs at once: the second answers first and wins, the first is canceled', async () => {
    const silent = await sippUas('uas-never-answers.xml');
    const answering = await sippUas(null);
    const doc = twiml();
    const d = doc.dial({ action: '/parallel/action' });
    d.sip(`sip:slow@127.0.0.1:${silent.port}`);
    d.sip(`sip:fast@127.0.0.1:${answering.port}`);
    h.app.route('/parallel/voice', doc.toString());
    h.app.route('/parallel/action', '<Response><Hangup/></Response>');
    const to = await number('/parallel/voice');

    const caller = await callWithSipp('uac-plays-hangs-up.xml', h.t.server.sip.udp!.port, to, {
      PT: 0, CODEC: 'PCMU', BEFORE_MS: 200, PCAP: path.join(SIPP_PCAPS, 'dtmf_2833_1.pcap'), AFTER_MS: 1_500,
    });
    assert.equal(caller.code, 0, caller.errors);
    assert.equal((await silent.done).code, 0, 'the ringing far end got its CANCEL');
    assert.equal((await answering.done).code, 0);

    const action = await actionOf('/parallel/action');
    assert.equal(action.params.DialCallStatus, 'completed');
    const children = await h.t.client().calls.list({ parentCallSid: action.params.CallSid });
    assert.equal(children.length, 2);
    const winner = children.find((c) => c.sid === action.params.DialCallSid)!;
    const loser = children.find((c) => c.sid !== action.params.DialCallSid)!;
    assert.equal(winner.to, `sip:fast@127.0.0.1:${answering.port}`);
    const lost = await eventually(async () => {
      const c = await h.t.client().calls(loser.sid).fetch();
      return c.status === 'canceled' ? c : undefined;
    }, 'the losing child canceled');
    assert.equal(lost.to, `sip:slow@127.0.0.1:${silent.port}`);
  });

  for (const [scenario, status] of [['uas-busy.xml', 'busy'], ['uas-never-answers.xml', 'no-answer']] as const) {
    it(`a far end from ${scenario} gives DialCallStatus=${status} and the caller goes on with the action`, async () => {
      const uas = await sippUas(scenario);
      const base = `/${status}`;
      const doc = twiml();
      doc.dial({ action: `${base}/action`, timeout: 2 }).sip(`sip:x@127.0.0.1:${uas.port}`);
      h.app.route(`${base}/voice`, doc.toString());
      h.app.route(`${base}/action`, '<Response><Pause length="1"/><Hangup/></Response>');
      const to = await number(`${base}/voice`);
      const caller = await callWithSipp('uac-until-bye.xml', h.t.server.sip.udp!.port, to, { WAIT_MS: 20_000 });
      assert.equal(caller.code, 0, `Patchbay hung up after the action document: ${caller.errors}`);
      const action = await actionOf(`${base}/action`);
      assert.equal(action.params.DialCallStatus, status);
      assert.equal(action.params.DialBridged, 'false');
      assert.equal(action.params.DialCallDuration, '0');
      const child = await h.t.client().calls(action.params.DialCallSid!).fetch();
      assert.equal(child.status, status);
      assert.equal((await uas.done).code, 0);
    });
  }

  it('<Sip username password> answers the far end\'s digest challenge', async () => {
    const uas = await sippUas('uas-digest.xml');
    const doc = twiml();
    doc.dial({ action: '/digest/action', timeLimit: 1 }).sip({ username: 'alice', password: 's3cret' }, `sip:secured@127.0.0.1:${uas.port}`);
    h.app.route('/digest/voice', doc.toString());
    h.app.route('/digest/action', '<Response><Hangup/></Response>');
    const caller = await callWithSipp('uac-until-bye.xml', h.t.server.sip.udp!.port, await number('/digest/voice'), { WAIT_MS: 20_000 });
    assert.equal(caller.code, 0, caller.errors);
    const action = await actionOf('/digest/action');
    assert.equal(action.params.DialCallStatus, 'completed');
    assert.equal(action.params.DialBridged, 'true');
    const far = await uas.done;
    assert.equal(far.code, 0, `the far end accepted the digest: ${far.errors}`);
  });

  it('<Sip> custom headers (URI headers and <Headers>) go into the INVITE, not the Request-URI; others are refused', async () => {
    const uas = await sippUas('uas-expects-header.xml');
    const xml = '<Response><Dial action="/headers/action" timeLimit="1"><Sip>'
      + `sip:crm@127.0.0.1:${uas.port}?X-Customer-Id=42&amp;Via=forged`
      + '<Headers><Header name="X-Campaign" value="spring sale"/></Headers></Sip></Dial></Response>';
    h.app.route('/headers/voice', xml);
    h.app.route('/headers/action', '<Response><Hangup/></Response>');
    const to = await number('/headers/voice');
    const caller = await callWithSipp('uac-until-bye.xml', h.t.server.sip.udp!.port, to, { WAIT_MS: 20_000 });
    assert.equal(caller.code, 0, caller.errors);
    const far = await uas.done;
    assert.equal(far.code, 0, `the far end found both headers: ${far.errors}`);
    const action = await actionOf('/headers/action');
    assert.equal(action.params.DialBridged, 'true');
    const child = await h.t.client().calls(action.params.DialCallSid!).fetch();
    assert.equal(child.to, `sip:crm@127.0.0.1:${uas.port}`, 'the headers are not part of the dialed URI');
    const notes = await h.t.client().calls(action.params.CallSid!).notifications.list();
    assert.ok(notes.some((n) => n.messageText.includes("'Via'")), 'the refused header is reported');
  });

  it('dials another account\'s number on-net, then the REST API hangs up the child and the caller goes on', async () => {
    const other = await h.t.client().api.v2010.accounts.create({ friendlyName: 'callee' });
    const calleeNumber = '+15005559900';
    await h.t.client().api.v2010.accounts(other.sid).incomingPhoneNumbers.create({ phoneNumber: calleeNumber, voiceUrl: h.app.url('/onnet/callee') });
    h.app.route('/onnet/callee', '<Response><Say>Hello caller</Say><Pause length="30"/></Response>');
    const doc = twiml();
    doc.dial({ action: '/onnet/action' }, '(500) 555-9900');
    h.app.route('/onnet/voice', doc.toString());
    h.app.route('/onnet/action', '<Response><Hangup/></Response>');
    const to = await number('/onnet/voice');

    const caller = callWithSipp('uac-until-bye.xml', h.t.server.sip.udp!.port, to, { WAIT_MS: 30_000 });
    const calleeRequest = await eventually(() => h.app.seen('/onnet/callee')[0], 'the callee\'s application', 15_000);
    assert.equal(calleeRequest.params.AccountSid, other.sid, 'the callee account\'s own application answers');
    assert.equal(calleeRequest.params.To, calleeNumber);
    assert.equal(calleeRequest.params.From, '+15551230000');
    const parent = await eventually(async () => {
      const [c] = await h.t.client().calls.list({ to, status: 'in-progress' });
      return c;
    }, 'the caller in progress');
    const child = await eventually(async () => {
      const [c] = await h.t.client().calls.list({ parentCallSid: parent.sid, status: 'in-progress' });
      return c;
    }, 'the child in progress');
    await new Promise((r) => setTimeout(r, 1_000));
    const updated = await h.t.client().calls(child.sid).update({ status: 'completed' });
    assert.equal(updated.status, 'completed');

    const action = await actionOf('/onnet/action');
    assert.equal(action.params.DialCallStatus, 'completed');
    assert.equal(action.params.DialCallSid, child.sid);
    assert.equal(action.params.DialBridged, 'true');
    assert.ok(Number(action.params.DialCallDuration) >= 1);
    assert.equal((await caller).code, 0);
    // The callee's own inbound call ended when its caller (our child leg) hung up.
    const [calleeCall] = await h.t.client().api.v2010.accounts(other.sid).calls.list({ to: calleeNumber });
    assert.equal(calleeCall?.direction, 'inbound');
    await eventually(async () => ((await h.t.client().api.v2010.accounts(other.sid).calls(calleeCall!.sid).fetch()).status === 'completed' ? true : undefined), 'the callee call completed');
  });

  it('an outbound-api call dials too (click to call): its child is listed under it', async () => {
    const uas = await sippUas(null);
    const callee = await number('/click/callee');
    h.app.route('/click/callee', '<Response><Say>Connected</Say><Pause length="30"/></Response>');
    const call = await h.t.client().calls.create({
      to: `sip:agent@127.0.0.1:${uas.port}`, from: '+15005550006',
      twiml: `<Response><Dial timeLimit="2" action="${h.app.url('/click/action')}">${callee}</Dial></Response>`,
    });
    h.app.route('/click/action', '<Response><Hangup/></Response>');
    const action = await actionOf('/click/action');
    assert.equal(action.params.CallSid, call.sid);
    assert.equal(action.params.Direction, 'outbound-api');
    assert.equal(action.params.DialCallStatus, 'completed');
    const [child] = await h.t.client().calls.list({ parentCallSid: call.sid });
    assert.equal(child?.sid, action.params.DialCallSid);
    assert.equal(child?.from, '+15005550006');
    assert.equal((await uas.done).code, 0);
  });

  it('without an action the caller goes on with the next verb; a bad number is a 13223 Notification', async () => {
    const doc = twiml();
    doc.dial('not a number');
    doc.hangup();
    h.app.route('/bad/voice', doc.toString());
    const to = await number('/bad/voice');
    const caller = await callWithSipp('uac-until-bye.xml', h.t.server.sip.udp!.port, to, { WAIT_MS: 10_000 });
    assert.equal(caller.code, 0, caller.errors);
    const [call] = await h.t.client().calls.list({ to });
    const notes = await eventually(async () => {
      const list = await h.t.client().calls(call!.sid).notifications.list();
      return list.length > 0 ? list : undefined;
    }, 'a notification');
    assert.ok(notes.some((n) => n.errorCode === '13223'), JSON.stringify(notes.map((n) => n.errorCode)));
  });
});

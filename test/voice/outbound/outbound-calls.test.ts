/**
 * Outbound-api calls end to end (issue 6 items 1–3): the official `twilio` client creates calls against the full
 * server, SIPp is the far end (answering, busy, never answering, digest challenge), the application checks the
 * signature of every webhook and status callback, an on-net call between two accounts runs both applications, and
 * the per-account queue paces one account without delaying another.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { sqliteDatabase } from '../../helpers/databases.js';
import { type TestServer, startTestServer } from '../../helpers/server.js';
import { createRegistrationDomain } from '../../helpers/sip-domains.js';
import { type AppServer, startAppServer, twiml } from '../helpers/app-server.js';
import { SIPP, eventually, startMediaServer, toneWav } from '../e2e/helpers.js';
import { readPcm16Wav } from '../../../src/media/index.js';
import { SDP_ANSWER, startSocketUserAgent } from '../../sip/ua/sipp.js';
import { sippUas } from '../helpers/sipp-uas.js';

const skip = !existsSync(SIPP) && 'SIPp not installed';

interface RestError { code?: number; status?: number }

describe('outbound calls (POST Calls.json)', { skip, timeout: 240_000 }, () => {
  let t: TestServer;
  let app: AppServer;
  let n = 0;

  before(async () => {
    t = await startTestServer({}, sqliteDatabase(), { webhookTimeoutMs: 2_000 });
    app = await startAppServer(t.authToken);
  });
  after(async () => {
    await app?.close();
    await t?.close();
  });

  const finalCall = (sid: string, client = t.client()) =>
    eventually(async () => {
      const c = await client.calls(sid).fetch();
      return ['completed', 'busy', 'failed', 'no-answer', 'canceled'].includes(c.status) ? c : undefined;
    }, `call ${sid} to end`, 60_000);

  it('validates every parameter with Twilio\'s codes', async () => {
    const client = t.client();
    const url = app.url('/never');
    const cases: Array<[Record<string, unknown>, number]> = [
      [{ from: '+15005550006', url }, 21201],
      [{ to: 'not-a-number', from: '+15005550006', url }, 21211],
      [{ to: '+15005550007', url }, 21213],
      [{ to: '+15005550007', from: 'bob', url }, 21212],
      [{ to: '+15005550007', from: '+15005550006' }, 21200],
      [{ to: '+15005550007', from: '+15005550006', url, twiml: '<Response/>' }, 21200],
      [{ to: '+15005550007', from: '+15005550006', url: 'ftp://x' }, 21205],
      [{ to: '+15005550007', from: '+15005550006', url, timeout: 601 }, 21208],
      [{ to: '+15005550007', from: '+15005550006', url, timeout: 0 }, 21208],
      [{ to: '+15005550007', from: '+15005550006', url, statusCallbackEvent: ['rang'] }, 20001],
      [{ to: '+15005550007', from: '+15005550006', url, sendDigits: 'abc' }, 20001],
      [{ to: '+15005550007', from: '+15005550006', url, method: 'PUT' }, 20001],
      [{ to: '+15005550007', from: '+15005550006', url, sipAuthUsername: 'alice' }, 20001],
      [{ to: '+15005550007', from: '+15005550006', applicationSid: `AP${'0'.repeat(32)}` }, 21200],
      [{ to: 'client:alice', from: '+15005550006', url }, 21211],
    ];
    // Raw form posts: the official client refuses to send a request without To or From itself.
    const pascal = (k: string) => k[0]!.toUpperCase() + k.slice(1);
    for (const [params, code] of cases) {
      const form = new URLSearchParams();
      for (const [k, v] of Object.entries(params)) for (const item of Array.isArray(v) ? v : [v]) form.append(pascal(k), String(item));
      const res = await fetch(`${t.server.httpUrl}/2010-04-01/Accounts/${t.accountSid}/Calls.json`, {
        method: 'POST', body: form,
        headers: { authorization: `Basic ${Buffer.from(`${t.accountSid}:${t.authToken}`).toString('base64')}` },
      });
      const body = (await res.json()) as RestError;
      assert.equal(body.code, code, JSON.stringify(params));
      assert.equal(res.status, 400);
    }
    // The official client reports the same codes.
    await assert.rejects(client.calls.create({ to: '+15005550007', from: '+15005550006', url, timeout: 700 }), (err: RestError) => err.code === 21208);
  });

  it('an answered call: 201 queued, then initiated, ringing, in-progress, completed — each callback signed, in order', async () => {
    const sipp = await sippUas(null);
    const doc = twiml();
    doc.pause({ length: 1 });
    app.route('/answered/voice', doc.toString());
    app.route('/answered/status', { status: 204, type: null });
    const call = await t.client().calls.create({
      to: `sip:service@127.0.0.1:${sipp.port}`, from: '+15005550006', url: app.url('/answered/voice'),
      statusCallback: app.url('/answered/status'), statusCallbackEvent: ['initiated', 'ringing', 'answered', 'completed'],
    });
    assert.equal(call.status, 'queued');
    assert.equal(call.direction, 'outbound-api');
    const ended = await finalCall(call.sid);
    assert.equal(ended.status, 'completed');
    const callbacks = await eventually(() => {
      const seen = app.seen('/answered/status');
      return seen.length >= 4 ? seen : undefined;
    }, 'four status callbacks');
    assert.deepEqual(callbacks.map((c) => c.params.CallStatus), ['initiated', 'ringing', 'in-progress', 'completed']);
    assert.deepEqual(callbacks.map((c) => c.params.SequenceNumber), ['0', '1', '2', '3']);
    for (const c of callbacks) {
      assert.ok(c.signatureValid, `signature of the ${c.params.CallStatus} callback`);
      assert.equal(c.params.CallSid, call.sid);
      assert.equal(c.params.Direction, 'outbound-api');
    }
    const [voice] = app.seen('/answered/voice');
    assert.ok(voice?.signatureValid);
    assert.equal(voice.params.CallStatus, 'in-progress');
    const r = await sipp.done;
    assert.equal(r.code, 0, `${r.stdout}\n${r.errors}`);
  });

  for (const [scenario, status, code] of [['uas-busy.xml', 'busy', '486'], ['uas-never-answers.xml', 'no-answer', '487']] as const) {
    it(`a far end from ${scenario} ends the call ${status} with SipResponseCode ${code}`, async () => {
      const sipp = await sippUas(scenario);
      const p = `/${status}/status`;
      app.route(p, { status: 204, type: null });
      const call = await t.client().calls.create({
        to: `sip:service@127.0.0.1:${sipp.port}`, from: '+15005550006', twiml: '<Response><Hangup/></Response>',
        statusCallback: app.url(p), statusCallbackEvent: ['ringing', 'completed'], timeout: 2,
      });
      const ended = await finalCall(call.sid);
      assert.equal(ended.status, status);
      const callbacks = await eventually(() => (app.seen(p).length >= 2 ? app.seen(p) : undefined), 'two callbacks');
      assert.deepEqual(callbacks.map((c) => c.params.CallStatus), ['ringing', status]);
      assert.equal(callbacks[1]!.params.SipResponseCode, code);
      assert.ok(callbacks.every((c) => c.signatureValid));
      const r = await sipp.done;
      assert.equal(r.code, 0, `${r.stdout}\n${r.errors}`);
    });
  }

  it('a 401 challenge is answered with SipAuthUsername/SipAuthPassword and the call completes', async () => {
    const sipp = await sippUas('uas-digest.xml');
    const call = await t.client().calls.create({
      to: `sip:service@127.0.0.1:${sipp.port}`, from: '+15005550006', twiml: '<Response><Pause length="1"/></Response>',
      sipAuthUsername: 'alice', sipAuthPassword: 's3cret',
    });
    const ended = await finalCall(call.sid);
    assert.equal(ended.status, 'completed');
    const r = await sipp.done;
    assert.equal(r.code, 0, `${r.stdout}\n${r.errors}`);
  });

  it('ApplicationSid: the application\'s VoiceUrl runs and its StatusCallback hears completed only', async () => {
    const sipp = await sippUas(null);
    app.route('/ap/voice', '<Response><Pause length="1"/></Response>');
    app.route('/ap/status', { status: 204, type: null });
    const application = await t.client().applications.create({ voiceUrl: app.url('/ap/voice'), statusCallback: app.url('/ap/status') });
    const call = await t.client().calls.create({
      to: `sip:service@127.0.0.1:${sipp.port}`, from: '+15005550006', applicationSid: application.sid,
      statusCallbackEvent: ['initiated', 'ringing', 'answered', 'completed'],
    });
    assert.equal((await finalCall(call.sid)).status, 'completed');
    assert.ok(app.seen('/ap/voice')[0]?.signatureValid);
    const callbacks = await eventually(() => (app.seen('/ap/status').length >= 1 ? app.seen('/ap/status') : undefined), 'the completed callback');
    assert.deepEqual(callbacks.map((c) => c.params.CallStatus), ['completed']);
    const r = await sipp.done;
    assert.equal(r.code, 0, `${r.stdout}\n${r.errors}`);
  });

  it('a sip: URI of one of our SIP domains rings the user\'s registered device', async () => {
    const client = t.client();
    const domainName = 'outbound.sip.localhost';
    await createRegistrationDomain(client, domainName, 'phones');
    const invited: string[] = [];
    const phone = await startSocketUserAgent({
      delegate: {
        onInvite: (leg) => {
          invited.push(leg.request.uri.toString());
          leg.progress(180);
          leg.accept(SDP_ANSWER).catch(() => undefined);
        },
      },
    });
    try {
      const registered = await phone.ua.request({
        method: 'REGISTER', uri: `sip:${domainName}`, from: `<sip:alice@${domainName}>`, to: `<sip:alice@${domainName}>`,
        routes: [`<sip:127.0.0.1:${t.server.sip.udp!.port};lr>`],
        headers: [['Contact', `<sip:alice@127.0.0.1:${phone.port}>`], ['Expires', '300']],
        credentials: { username: 'alice', password: 'IWasAtSignal2018' },
      });
      assert.equal(registered.status, 200);
      const call = await client.calls.create({ to: `sip:alice@${domainName}`, from: '+15005550006', twiml: '<Response><Pause length="1"/></Response>' });
      assert.equal((await finalCall(call.sid)).status, 'completed');
      assert.deepEqual(invited, [`sip:alice@127.0.0.1:${phone.port}`]);
      const nobody = await client.calls.create({ to: `sip:bob@${domainName}`, from: '+15005550006', twiml: '<Response/>' });
      assert.equal((await finalCall(nobody.sid)).status, 'failed');
    } finally {
      phone.close();
    }
  });

  it('a number with no route fails with a Notification (21215), not a hang', async () => {
    const call = await t.client().calls.create({ to: '+15005559999', from: '+15005550006', twiml: '<Response/>' });
    const ended = await finalCall(call.sid);
    assert.equal(ended.status, 'failed');
    const notes = await eventually(async () => {
      const list = await t.client().calls(call.sid).notifications.list();
      return list.length > 0 ? list : undefined;
    }, 'a Notification');
    assert.equal(notes[0]!.errorCode, '21215');
  });

  it('Status=canceled while ringing sends CANCEL and ends the call canceled', async () => {
    const sipp = await sippUas('uas-never-answers.xml');
    app.route('/cr/status', { status: 204, type: null });
    const call = await t.client().calls.create({
      to: `sip:service@127.0.0.1:${sipp.port}`, from: '+15005550006', twiml: '<Response/>', timeout: 30,
      statusCallback: app.url('/cr/status'), statusCallbackEvent: ['ringing', 'completed'],
    });
    await eventually(async () => ((await t.client().calls(call.sid).fetch()).status === 'ringing' ? true : undefined), 'ringing');
    const updated = await t.client().calls(call.sid).update({ status: 'canceled' });
    assert.equal(updated.status, 'canceled');
    const callbacks = await eventually(() => (app.seen('/cr/status').length >= 2 ? app.seen('/cr/status') : undefined), 'two callbacks');
    assert.deepEqual(callbacks.map((c) => c.params.CallStatus), ['ringing', 'canceled']);
    const r = await sipp.done;
    assert.equal(r.code, 0, `SIPp saw the CANCEL: ${r.stdout}\n${r.errors}`);
  });

  it('any other number leaves through the BYOC trunk: a 503 target fails over to the next, whose 401 gets the carrier credentials', async () => {
    const down = await sippUas('uas-unavailable.xml');
    const carrier = await sippUas('uas-digest.xml');
    const client = t.client();
    const policy = await client.voice.v1.connectionPolicies.create({ friendlyName: 'carrier' });
    await client.voice.v1.connectionPolicies(policy.sid).targets.create({ target: `sip:127.0.0.1:${down.port}`, priority: 1 });
    await client.voice.v1.connectionPolicies(policy.sid).targets.create({ target: `sip:127.0.0.1:${carrier.port}`, priority: 2 });
    // Carrier credentials are a write-only Patchbay extension the official client does not know: a raw form post.
    const res = await fetch(`${t.server.httpUrl}/v1/ByocTrunks`, {
      method: 'POST',
      body: new URLSearchParams({ FriendlyName: 'carrier', ConnectionPolicySid: policy.sid, SipAuthUsername: 'alice', SipAuthPassword: 's3cret' }),
      headers: { authorization: `Basic ${Buffer.from(`${t.accountSid}:${t.authToken}`).toString('base64')}` },
    });
    assert.equal(res.status, 201);
    const trunk = (await res.json()) as { sid: string };
    const call = await client.calls.create({ to: '+14155550100', from: '+15005550006', twiml: '<Response><Pause length="1"/></Response>', byoc: trunk.sid });
    const ended = await finalCall(call.sid);
    assert.equal(ended.status, 'completed');
    assert.equal(ended.trunkSid, trunk.sid);
    for (const sipp of [down, carrier]) {
      const r = await sipp.done;
      assert.equal(r.code, 0, `${r.stdout}\n${r.errors}`);
    }
  });

  it('on-net: a call to a number of another account runs both applications', async () => {
    const sub = await t.client().api.v2010.accounts.create({ friendlyName: 'callee' });
    const subApp = await startAppServer(sub.authToken);
    try {
      const callee = `+1500555${String(3000 + ++n).padStart(4, '0')}`;
      // <Gather> answers at once and waits; the callee then hangs up.
      subApp.route('/b/voice', '<Response><Gather timeout="3" numDigits="1"/><Hangup/></Response>');
      await t.client(sub.sid, sub.authToken).incomingPhoneNumbers.create({ phoneNumber: callee, voiceUrl: subApp.url('/b/voice') });
      app.route('/a/voice', '<Response><Pause length="10"/></Response>');
      const call = await t.client().calls.create({ to: callee, from: '+15005550006', url: app.url('/a/voice') });
      const ended = await finalCall(call.sid);
      assert.equal(ended.status, 'completed');
      const [a] = app.seen('/a/voice');
      const [b] = subApp.seen('/b/voice');
      assert.ok(a?.signatureValid && b?.signatureValid, 'both applications ran, signed with their own tokens');
      assert.equal(a.params.Direction, 'outbound-api');
      assert.equal(b.params.Direction, 'inbound');
      assert.equal(b.params.To, callee);
      assert.equal(b.params.AccountSid, sub.sid);
      assert.notEqual(b.params.CallSid, call.sid);
    } finally {
      await subApp.close();
    }
  });

  it('SendDigits reach the far end after answer (on-net: the callee\'s <Gather> hears them); TimeLimit hangs up', async () => {
    const sub = await t.client().api.v2010.accounts.create({ friendlyName: 'digits' });
    const subApp = await startAppServer(sub.authToken);
    try {
      const callee = `+1500555${String(3000 + ++n).padStart(4, '0')}`;
      subApp.route('/d/voice', `<Response><Gather numDigits="4" timeout="5" action="${subApp.url('/d/digits')}"/></Response>`);
      subApp.route('/d/digits', '<Response><Pause length="30"/></Response>');
      await t.client(sub.sid, sub.authToken).incomingPhoneNumbers.create({ phoneNumber: callee, voiceUrl: subApp.url('/d/voice') });
      const call = await t.client().calls.create({
        to: callee, from: '+15005550006', twiml: '<Response><Pause length="30"/></Response>', sendDigits: 'ww1234', timeLimit: 3,
      });
      const digits = await eventually(() => subApp.seen('/d/digits')[0], 'the callee\'s Gather action', 20_000);
      assert.equal(digits.params.Digits, '1234');
      const ended = await finalCall(call.sid);
      assert.equal(ended.status, 'completed');
      assert.ok(Number(ended.duration) <= 5, `TimeLimit=3 ended the call after ${ended.duration} s`);
    } finally {
      await subApp.close();
    }
  });

  it('Record=true with RecordingChannels=dual: the far end on channel 1, what we play on channel 2; callbacks name the recording', async () => {
    const media = await startMediaServer({ '/tone.wav': toneWav(2_000, 440, 8_000) });
    try {
      // The far end echoes what it hears, so both tracks carry the tone: ours as sent, its as echoed.
      const sipp = await sippUas(null, 1, 60, ['-rtp_echo']);
      const doc = twiml();
      doc.play(media.url('/tone.wav'));
      app.route('/recorded/voice', doc.toString());
      app.route('/recorded/status', { status: 204, type: null });
      app.route('/recorded/recording', { status: 204, type: null });
      const call = await t.client().calls.create({
        to: `sip:echo@127.0.0.1:${sipp.port}`, from: '+15005550006', url: app.url('/recorded/voice'),
        statusCallback: app.url('/recorded/status'), record: true, recordingChannels: 'dual', trim: 'do-not-trim',
        recordingStatusCallback: app.url('/recorded/recording'), recordingStatusCallbackEvent: ['in-progress', 'completed'],
      });
      assert.equal((await finalCall(call.sid)).status, 'completed');
      assert.equal((await sipp.done).code, 0);
      const completed = await eventually(() => app.seen('/recorded/status').find((r) => r.params.CallStatus === 'completed'), 'the completed callback');
      assert.match(completed.params.RecordingSid!, /^RE[0-9a-f]{32}$/);
      assert.match(completed.params.RecordingUrl!, new RegExp(`/Recordings/${completed.params.RecordingSid}$`));
      const events = await eventually(() => (app.seen('/recorded/recording').length >= 2 ? app.seen('/recorded/recording') : undefined), 'two recording callbacks');
      assert.deepEqual(events.map((e) => e.params.RecordingStatus), ['in-progress', 'completed']);
      assert.ok(events.every((e) => e.signatureValid && e.params.RecordingSource === 'OutboundAPI' && e.params.RecordingChannels === '2'));
      const recording = await t.client().recordings(completed.params.RecordingSid!).fetch();
      assert.equal(recording.callSid, call.sid);
      assert.equal(recording.source, 'OutboundAPI');
      assert.equal(recording.channels, 2);
      assert.equal(recording.duration, completed.params.RecordingDuration);
      const wav = readPcm16Wav(Buffer.from(await (await fetch(recording.mediaUrl)).arrayBuffer()));
      assert.equal(wav.channels, 2);
      const rms = (channel: number) => {
        let sum = 0;
        const frames = wav.data.length / 4;
        for (let i = 0; i < frames; i++) sum += wav.data.readInt16LE(i * 4 + channel * 2) ** 2;
        return Math.sqrt(sum / frames);
      };
      assert.ok(rms(0) > 1_000, `the far end's echo on channel 1 (RMS ${rms(0).toFixed(0)})`);
      assert.ok(rms(1) > 1_000, `our tone on channel 2 (RMS ${rms(1).toFixed(0)})`);
    } finally {
      await media.close();
    }
  });

  it('the queue: five calls of one account go out about one per second; another account is not delayed; Status=canceled while queued', async () => {
    const sipp = await sippUas(null, 6, 90);
    const to = `sip:service@127.0.0.1:${sipp.port}`;
    const sub = await t.client().api.v2010.accounts.create({ friendlyName: 'other' });
    const subApp = await startAppServer(sub.authToken);
    try {
      app.route('/q/status', { status: 204, type: null });
      subApp.route('/q/status', { status: 204, type: null });
      const hangup = '<Response><Hangup/></Response>';
      const owner = t.client();
      const created: Array<{ sid: string }> = [];
      for (let i = 0; i < 6; i++) {
        created.push(await owner.calls.create({ to, from: '+15005550006', twiml: hangup, statusCallback: app.url('/q/status'), statusCallbackEvent: ['initiated', 'completed'] }));
      }
      const other = await t.client(sub.sid, sub.authToken).calls.create({
        to, from: '+15005550007', twiml: hangup, statusCallback: subApp.url('/q/status'), statusCallbackEvent: ['initiated', 'completed'],
      });
      // The last of the owner's calls is still waiting: canceled while queued, it never rings and sends no callback.
      const canceled = await owner.calls(created[5]!.sid).update({ status: 'canceled' });
      assert.equal(canceled.status, 'canceled');
      const five = created.slice(0, 5);
      for (const c of five) assert.equal((await finalCall(c.sid)).status, 'completed');
      assert.equal((await finalCall(other.sid, t.client(sub.sid, sub.authToken))).status, 'completed');
      const initiatedAt = (sid: string, from: AppServer) => {
        const seen = from.requests.findIndex((r) => r.path === '/q/status' && r.params.CallSid === sid && r.params.CallStatus === 'initiated');
        assert.ok(seen >= 0, `initiated callback of ${sid}`);
        return new Date(from.requests[seen]!.params.Timestamp!).getTime();
      };
      const times = five.map((c) => initiatedAt(c.sid, app));
      for (let i = 1; i < times.length; i++) assert.ok(times[i]! >= times[i - 1]!, 'released in order');
      // One per second: five calls span about four seconds (RFC 2822 timestamps have whole seconds).
      assert.ok(times[4]! - times[0]! >= 3_000, `five calls at CPS 1 span ${times[4]! - times[0]!} ms`);
      // The other account's call went out without waiting behind the owner's backlog.
      assert.ok(initiatedAt(other.sid, subApp) <= times[2]!, 'the other account was not delayed');
      assert.equal(app.requests.filter((r) => r.params.CallSid === created[5]!.sid).length, 0, 'no callback for the call canceled while queued');
      const r = await sipp.done;
      assert.equal(r.code, 0, `${r.stdout}\n${r.errors}`);
    } finally {
      await subApp.close();
    }
  });
});

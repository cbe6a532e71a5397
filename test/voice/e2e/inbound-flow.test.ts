/**
 * End to end, every piece real: SIPp calls a number of the full server over UDP on 127.0.0.1; the number's
 * application is written with the official `twilio` package (`VoiceResponse` builds its TwiML, `validateRequest`
 * checks every request's signature against the account's Auth Token). Say → Gather (SIPp presses 1 with an RFC 2833
 * capture) → action → Play (a WAV from a test media server) → Record (SIPp plays a real G.711 A-law capture) →
 * Hangup; then the recording is fetched through the REST API and its audio checked.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { type TestServer, startTestServer } from '../../helpers/server.js';
import { type AppServer, startAppServer, twiml } from '../helpers/app-server.js';
import { SIPP, SIPP_PCAPS, callWithSipp, eventually, inspectWav, startMediaServer, toneWav } from './helpers.js';

const skip = !existsSync(SIPP) && 'SIPp not installed';
const NUMBER = '+15005550101';

describe('an inbound call through SIP, RTP, webhooks and the REST API', { skip, timeout: 120_000 }, () => {
  let t: TestServer;
  let app: AppServer;
  let media: Awaited<ReturnType<typeof startMediaServer>>;

  before(async () => {
    t = await startTestServer();
    app = await startAppServer(t.authToken);
    media = await startMediaServer({ '/hello.wav': toneWav(1000) });
  });
  after(async () => {
    await media?.close();
    await app?.close();
    await t?.close();
  });

  it('Say → Gather → Play → Record → Hangup, with signed webhooks, cookies, status callbacks and a real recording', async () => {
    app.route('/flow/voice', () => {
      const r = twiml();
      r.say('Welcome.');
      r.gather({ numDigits: 1, action: '/flow/menu', timeout: 8 }).say('Press 1 to leave a message.');
      r.say('We did not get your choice.');
      return { body: r.toString(), headers: { 'set-cookie': 'session=abc123; Path=/flow' } };
    });
    app.route('/flow/menu', (req) => {
      const r = twiml();
      if (req.params.Digits !== '1') {
        r.hangup();
        return r.toString();
      }
      r.play(media.url('/hello.wav'));
      r.record({ action: '/flow/recorded', timeout: 3, maxLength: 30, recordingStatusCallback: '/flow/recording-status' });
      return r.toString();
    });
    app.route('/flow/recorded', () => {
      const r = twiml();
      r.say('Thank you, goodbye.');
      r.hangup();
      return r.toString();
    });
    app.route('/flow/status', { status: 204, type: null });
    app.route('/flow/recording-status', { status: 204, type: null });

    const number = await t.client().incomingPhoneNumbers.create({
      phoneNumber: NUMBER, voiceUrl: app.url('/flow/voice'), voiceMethod: 'POST', statusCallback: app.url('/flow/status'),
    });

    const sipp = await callWithSipp('uac-flow.xml', t.server.sip.udp!.port, NUMBER, {
      DIGIT_AT: 3500,
      PCAP_DIGIT: path.join(SIPP_PCAPS, 'dtmf_2833_1.pcap'),
      VOICE_AFTER: 3000,
      PCAP_VOICE: path.join(SIPP_PCAPS, 'g711a.pcap'),
    });
    assert.equal(sipp.code, 0, `SIPp completed the call: ${sipp.errors}`);

    const requests = app.requests.filter((r) => r.path.startsWith('/flow/'));
    const voice = requests.find((r) => r.path === '/flow/voice')!;
    const callSid = voice.params.CallSid;
    const statuses = await eventually(() => {
      const seen = app.seen('/flow/status').filter((r) => r.params.CallSid === callSid);
      return seen.length >= 4 ? seen : undefined;
    }, 'four status callbacks');
    const paths = requests.map((r) => r.path);
    for (const p of ['/flow/voice', '/flow/menu', '/flow/recorded', '/flow/recording-status']) assert.ok(paths.includes(p), `${p} was requested`);
    assert.ok(requests.every((r) => r.signatureValid), 'every request validates with twilio.validateRequest');

    assert.equal(voice.params.AccountSid, t.accountSid);
    assert.equal(voice.params.From, '+15551230000');
    assert.equal(voice.params.Caller, '+15551230000');
    assert.equal(voice.params.To, NUMBER);
    assert.equal(voice.params.Called, NUMBER);
    assert.equal(voice.params.Direction, 'inbound');
    assert.equal(voice.params.ApiVersion, '2010-04-01');
    assert.equal(voice.params.CallStatus, 'ringing');
    assert.equal(voice.params.ForwardedFrom, '+15005550999', 'the Diversion header');
    assert.equal(voice.cookie, undefined);

    const menu = app.seen('/flow/menu').find((r) => r.params.CallSid === callSid)!;
    assert.equal(menu.params.Digits, '1');
    assert.equal(menu.params.CallStatus, 'in-progress');
    assert.equal(menu.cookie, 'session=abc123', 'the cookie set by the application comes back');
    assert.deepEqual(media.hits, ['/hello.wav']);

    const recorded = app.seen('/flow/recorded').find((r) => r.params.CallSid === callSid)!;
    assert.equal(recorded.cookie, 'session=abc123');
    assert.match(recorded.params.RecordingSid, /^RE[0-9a-f]{32}$/);
    assert.equal(recorded.params.RecordingUrl, `${t.server.publicUrl}/2010-04-01/Accounts/${t.accountSid}/Recordings/${recorded.params.RecordingSid}`);

    assert.deepEqual(statuses.map((s) => s.params.CallStatus), ['initiated', 'ringing', 'in-progress', 'completed']);
    assert.deepEqual(statuses.map((s) => s.params.SequenceNumber), ['0', '1', '2', '3']);
    assert.ok(statuses.every((s) => s.params.CallbackSource === 'call-progress-events' && s.params.Timestamp));
    assert.ok(Number(statuses[3].params.CallDuration) >= 1);

    const call = await t.client().calls(callSid).fetch();
    assert.equal(call.status, 'completed');
    assert.equal(call.direction, 'inbound');
    assert.equal(call.from, '+15551230000');
    assert.equal(call.to, NUMBER);
    assert.equal(call.phoneNumberSid, number.sid);
    assert.equal(call.forwardedFrom, '+15005550999');
    assert.ok(call.startTime instanceof Date && call.endTime instanceof Date);
    assert.ok(call.endTime.getTime() >= call.startTime.getTime());
    assert.equal(Number(call.duration), Number(statuses[3].params.CallDuration));

    const recording = await t.client().recordings(recorded.params.RecordingSid).fetch();
    assert.equal(recording.status, 'completed');
    assert.equal(recording.callSid, callSid);
    assert.equal(recording.channels, 1);
    assert.equal(recording.source, 'RecordVerb');
    assert.equal(recording.duration, recorded.params.RecordingDuration);
    assert.ok(Number(recording.duration) >= 2, `the recording holds the caller's speech (${recording.duration} s)`);
    const wav = Buffer.from(await (await fetch(recording.mediaUrl)).arrayBuffer());
    const audio = inspectWav(wav);
    assert.equal(audio.sampleRate, 8000);
    assert.equal(audio.channels, 1);
    assert.equal(Math.round(audio.seconds), Number(recording.duration));
    assert.ok(audio.rms > 300, `the recording is not silence (RMS ${audio.rms.toFixed(0)})`);
    const status = app.seen('/flow/recording-status').find((r) => r.params.CallSid === callSid)!;
    assert.equal(status.params.RecordingStatus, 'completed');
    assert.equal(status.params.RecordingSid, recorded.params.RecordingSid);

    const notifications = await t.client().notifications.list();
    assert.deepEqual(notifications.filter((n) => n.callSid === callSid).map((n) => n.errorCode), []);
  });
});

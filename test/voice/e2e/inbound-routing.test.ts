/**
 * End to end with SIPp: a number answered by its `VoiceApplicationSid` (the application's URL and status callback,
 * not the number's), `<Pause>` as the first verb keeping the call ringing, DTMF by SIP INFO into a `<Gather>`, a call
 * to a SIP domain (403 / 407 / admitted by an IP access control list), REST cancel, and a caller who cancels while
 * the application is still thinking.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { type TestServer, startTestServer } from '../../helpers/server.js';
import { type AppServer, startAppServer, twiml } from '../helpers/app-server.js';
import path from 'node:path';
import { SIPP, SIPP_PCAPS, callWithSipp, eventually } from './helpers.js';

const skip = !existsSync(SIPP) && 'SIPp not installed';

describe('inbound calls: applications, ringing, SIP INFO, CANCEL', { skip, timeout: 120_000 }, () => {
  let t: TestServer;
  let app: AppServer;
  let counter = 0;

  before(async () => {
    // SIPp answers only the first challenge, and only MD5.
    t = await startTestServer({ PATCHBAY_SIP_DIGEST_ALGORITHMS: 'MD5,SHA-256' });
    app = await startAppServer(t.authToken);
  });
  after(async () => {
    await app?.close();
    await t?.close();
  });

  const sipPort = () => t.server.sip.udp!.port;
  const nextNumber = () => `+1500555${String(4000 + ++counter)}`;

  it('a number with a VoiceApplicationSid is answered by the application, with its status callback', async () => {
    app.route('/app/voice', twiml().say('The application speaking.').toString());
    app.route('/app/status', { status: 204, type: null });
    app.route('/number/voice', twiml().say('never').toString());
    const application = await t.client().applications.create({
      friendlyName: 'IVR', voiceUrl: app.url('/app/voice'), voiceMethod: 'GET', statusCallback: app.url('/app/status'),
    });
    const number = nextNumber();
    await t.client().incomingPhoneNumbers.create({ phoneNumber: number, voiceUrl: app.url('/number/voice'), voiceApplicationSid: application.sid });
    const sipp = await callWithSipp('uac-until-bye.xml', sipPort(), number, { WAIT_MS: 30_000 });
    assert.equal(sipp.code, 0, sipp.errors);
    const [voice] = app.seen('/app/voice');
    assert.equal(voice.method, 'GET');
    assert.ok(voice.signatureValid);
    assert.equal(voice.params.To, number);
    assert.equal(app.seen('/number/voice').length, 0);
    const statuses = await eventually(() => {
      const seen = app.seen('/app/status');
      return seen.length >= 4 ? seen : undefined;
    }, 'the application\'s status callbacks');
    assert.deepEqual(statuses.map((s) => s.params.CallStatus), ['initiated', 'ringing', 'in-progress', 'completed']);
    assert.ok(statuses.every((s) => s.signatureValid && s.params.CallSid === voice.params.CallSid));
  });

  it('<Pause> as the first verb keeps the call ringing; the next verb answers it', async () => {
    app.route('/pause/voice', () => {
      const r = twiml();
      r.pause({ length: 3 });
      r.say('Answered now.');
      return r.toString();
    });
    const number = nextNumber();
    await t.client().incomingPhoneNumbers.create({ phoneNumber: number, voiceUrl: app.url('/pause/voice') });
    const sipp = callWithSipp('uac-until-bye.xml', sipPort(), number, { WAIT_MS: 30_000 });
    const callSid = await eventually(() => app.seen('/pause/voice')[0]?.params.CallSid, 'the voice request');
    const during = await t.client().calls(callSid).fetch();
    assert.equal(during.status, 'ringing', 'not answered during the Pause');
    assert.equal(during.startTime, null);
    assert.equal((await sipp).code, 0);
    const call = await t.client().calls(callSid).fetch();
    assert.equal(call.status, 'completed');
    assert.ok(call.startTime instanceof Date);
  });

  it('a key sent by SIP INFO (application/dtmf-relay) ends a <Gather>', async () => {
    app.route('/info/voice', () => {
      const r = twiml();
      r.gather({ numDigits: 1, action: '/info/menu', timeout: 10 }).say('Press a key.');
      return r.toString();
    });
    app.route('/info/menu', (req) => twiml().say(`You pressed ${req.params.Digits}.`).toString());
    const number = nextNumber();
    await t.client().incomingPhoneNumbers.create({ phoneNumber: number, voiceUrl: app.url('/info/voice') });
    const sipp = await callWithSipp('uac-info-dtmf.xml', sipPort(), number, { INFO_AT: 1_000, KEY: 7 });
    assert.equal(sipp.code, 0, sipp.errors);
    const [menu] = app.seen('/info/menu');
    assert.equal(menu.params.Digits, '7');
    assert.ok(menu.signatureValid);
  });

  it('a re-INVITE putting Patchbay on hold (sendonly) is answered recvonly on the same call', async () => {
    app.route('/hold/voice', () => {
      const r = twiml();
      r.say('Hello.');
      r.pause({ length: 2 });
      return r.toString();
    });
    const number = nextNumber();
    await t.client().incomingPhoneNumbers.create({ phoneNumber: number, voiceUrl: app.url('/hold/voice') });
    const sipp = await callWithSipp('uac-reinvite-hold.xml', sipPort(), number, { REINVITE_AT: 500 });
    assert.equal(sipp.code, 0, `answered recvonly, then our BYE: ${sipp.errors}`);
    const call = await t.client().calls(app.seen('/hold/voice')[0].params.CallSid).fetch();
    assert.equal(call.status, 'completed');
  });

  it('an INVITE without SDP gets our offer in the 200 and the ACK\'s answer; RFC 2833 keys then reach <Gather>', async () => {
    app.route('/do/voice', () => {
      const r = twiml();
      r.gather({ numDigits: 1, action: '/do/menu', timeout: 10 }).say('Press a key.');
      return r.toString();
    });
    app.route('/do/menu', (req) => twiml().say(`You pressed ${req.params.Digits}.`).toString());
    const number = nextNumber();
    await t.client().incomingPhoneNumbers.create({ phoneNumber: number, voiceUrl: app.url('/do/voice') });
    const digit = path.join(SIPP_PCAPS, 'dtmf_2833_3.pcap');
    const sipp = await callWithSipp('uac-delayed-offer.xml', sipPort(), number, { DIGIT_AT: 1_500, PCAP_DIGIT: digit, VOICE_AFTER: 100, PCAP_VOICE: digit });
    assert.equal(sipp.code, 0, sipp.errors);
    assert.equal(app.seen('/do/menu')[0]?.params.Digits, '3');
  });

  it('REST Status=canceled refuses a call that is still ringing with 487; the call ends canceled', async () => {
    app.route('/rc/voice', () => {
      const r = twiml();
      r.pause({ length: 20 });
      r.say('never');
      return r.toString();
    });
    const number = nextNumber();
    await t.client().incomingPhoneNumbers.create({ phoneNumber: number, voiceUrl: app.url('/rc/voice') });
    const sipp = callWithSipp('uac-refused.xml', sipPort(), number, {
      STATUS: 487, PAYLOADS: '0 101', RTPMAPS: 'a=rtpmap:0 PCMU/8000\na=rtpmap:101 telephone-event/8000',
    });
    const callSid = await eventually(() => app.seen('/rc/voice')[0]?.params.CallSid, 'the voice request');
    const canceled = await t.client().calls(callSid).update({ status: 'canceled' });
    assert.equal(canceled.status, 'canceled');
    assert.equal((await sipp).code, 0, 'SIPp got 487 Request Terminated');
  });

  it('a call to a SIP domain: 403 without call mappings, 407 then Digest with a credential list, or admitted by an IP ACL; the domain\'s URLs answer', async () => {
    const client = t.client();
    const domainName = 'e2e.sip.localhost';
    app.route('/dom/voice', twiml().say('The domain speaking.').toString());
    app.route('/dom/status', { status: 204, type: null });
    const domain = await client.sip.domains.create({ domainName, voiceUrl: app.url('/dom/voice'), voiceStatusCallbackUrl: app.url('/dom/status') });
    const pcmu = { PAYLOADS: '0 101', RTPMAPS: 'a=rtpmap:0 PCMU/8000\na=rtpmap:101 telephone-event/8000', TARGET: domainName };

    const unmapped = await callWithSipp('uac-refused.xml', sipPort(), 'alice', { STATUS: 403, ...pcmu });
    assert.equal(unmapped.code, 0, `403 with nothing mapped for calls: ${unmapped.errors}`);

    const list = await client.sip.credentialLists.create({ friendlyName: 'Phones' });
    await client.sip.credentialLists(list.sid).credentials.create({ username: 'bob', password: 'Str0ngPassw0rd!' });
    await client.sip.domains(domain.sid).auth.calls.credentialListMappings.create({ credentialListSid: list.sid });
    const challenged = await callWithSipp('uac-refused.xml', sipPort(), 'alice', { STATUS: 407, ...pcmu });
    assert.equal(challenged.code, 0, `407 when only credentials could admit the caller: ${challenged.errors}`);
    assert.equal(app.seen('/dom/voice').length, 0, 'no webhook before the caller was admitted');
    // The digest URI must be the Request-URI (RFC 3261 §22.4); SIPp's default is the remote address, and it adds sip:.
    const digest = await callWithSipp('uac-digest-until-bye.xml', sipPort(), 'alice', {
      WAIT_MS: 30_000, TARGET: domainName, USER: 'bob', PASSWORD: 'Str0ngPassw0rd!',
    }, 60_000, ['-auth_uri', `alice@${domainName}`]);
    assert.equal(digest.code, 0, `admitted with Digest credentials after the 407: ${digest.errors}`);
    assert.equal(app.seen('/dom/voice').length, 1);

    const acl = await client.sip.ipAccessControlLists.create({ friendlyName: 'Loopback' });
    await client.sip.ipAccessControlLists(acl.sid).ipAddresses.create({ friendlyName: 'lo', ipAddress: '127.0.0.1' });
    await client.sip.domains(domain.sid).auth.calls.ipAccessControlListMappings.create({ ipAccessControlListSid: acl.sid });
    const sipp = await callWithSipp('uac-until-bye.xml', sipPort(), 'alice', { WAIT_MS: 30_000, TARGET: domainName });
    assert.equal(sipp.code, 0, sipp.errors);
    const voice = app.seen('/dom/voice')[1];
    assert.ok(voice.signatureValid);
    assert.equal(voice.params.To, `sip:alice@${domainName}`);
    assert.equal(voice.params.From, 'sip:+15551230000@127.0.0.1');
    const statuses = await eventually(() => {
      const seen = app.seen('/dom/status').filter((r) => r.params.CallSid === voice.params.CallSid);
      return seen.length >= 4 ? seen : undefined;
    }, 'the domain\'s status callbacks');
    assert.deepEqual(statuses.map((r) => r.params.CallStatus), ['initiated', 'ringing', 'in-progress', 'completed']);
    const call = await client.calls(voice.params.CallSid).fetch();
    assert.equal(call.to, `sip:alice@${domainName}`);
    assert.equal(call.phoneNumberSid, null);
    assert.equal(call.status, 'completed');
  });

  it('the caller cancels while the application has not answered yet: 487, the call ends no-answer', async () => {
    app.route('/cancel/voice', { hang: true });
    const number = nextNumber();
    await t.client().incomingPhoneNumbers.create({ phoneNumber: number, voiceUrl: app.url('/cancel/voice') });
    const sipp = await callWithSipp('uac-cancel.xml', sipPort(), number, { CANCEL_AFTER: 500 });
    assert.equal(sipp.code, 0, sipp.errors);
    const callSid = app.seen('/cancel/voice')[0].params.CallSid;
    const call = await eventually(async () => {
      const c = await t.client().calls(callSid).fetch();
      return c.status === 'no-answer' ? c : undefined;
    }, 'status no-answer');
    assert.equal(call.duration, '0');
    assert.ok(call.endTime instanceof Date);
  });
});

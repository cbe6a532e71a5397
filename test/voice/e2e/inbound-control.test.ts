/**
 * End to end with SIPp against the full server: what happens when the application fails (down, timing out, broken
 * XML → fallback URL and a Notification), live control over REST with the official client (redirect by `Twiml` and
 * by `Url`, `Status=completed`, 21220 on an ended call), the caller hanging up mid-document, and the calls the router
 * refuses (404 unknown number, 403 suspended account, 486/603 `<Reject>`, 488 no common codec).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { sqliteDatabase } from '../../helpers/databases.js';
import { type TestServer, startTestServer } from '../../helpers/server.js';
import { type AppServer, closedPortUrl, startAppServer, twiml } from '../helpers/app-server.js';
import { SIPP, callWithSipp, eventually } from './helpers.js';

const skip = !existsSync(SIPP) && 'SIPp not installed';
const WEBHOOK_TIMEOUT_MS = 1_500;

describe('inbound calls: failures, live control, refusals', { skip, timeout: 180_000 }, () => {
  let t: TestServer;
  let app: AppServer;
  let numberCounter = 0;

  before(async () => {
    t = await startTestServer({}, sqliteDatabase(), { webhookTimeoutMs: WEBHOOK_TIMEOUT_MS });
    app = await startAppServer(t.authToken);
  });
  after(async () => {
    await app?.close();
    await t?.close();
  });

  const sipPort = () => t.server.sip.udp!.port;

  async function newNumber(voiceUrl: string, extra: { voiceFallbackUrl?: string; statusCallback?: string } = {}, client = t.client()) {
    const phoneNumber = `+1500555${String(2000 + ++numberCounter).padStart(4, '0')}`;
    await client.incomingPhoneNumbers.create({ phoneNumber, voiceUrl, ...extra });
    return phoneNumber;
  }

  /** The CallSid of the first request the application saw on `path`. */
  const callSidAt = (path: string) => eventually(() => app.seen(path)[0]?.params.CallSid, `a request on ${path}`);

  for (const [what, primary, code] of [
    ['is down (closed port)', async () => closedPortUrl('/voice'), 11205],
    ['times out', async () => (app.route('/fb/slow', { hang: true }), app.url('/fb/slow')), 11205],
    ['answers broken XML', async () => (app.route('/fb/broken', '<Response><Say>oops</Response>'), app.url('/fb/broken')), 12100],
  ] as const) {
    it(`a primary URL that ${what} leads to the fallback URL and a ${code} Notification`, async () => {
      const url = await primary();
      const fallbackPath = `/fb/fallback-${code}-${numberCounter}`;
      app.route(fallbackPath, twiml().say('Fallback speaking.').toString());
      const number = await newNumber(url, { voiceFallbackUrl: app.url(fallbackPath) });
      const sipp = await callWithSipp('uac-until-bye.xml', sipPort(), number, { WAIT_MS: 30_000 });
      assert.equal(sipp.code, 0, `the fallback document ran and hung up: ${sipp.errors}`);
      const [fallback] = app.seen(fallbackPath);
      assert.ok(fallback.signatureValid);
      assert.equal(fallback.params.ErrorCode, String(code));
      assert.equal(fallback.params.ErrorUrl, url);
      const callSid = fallback.params.CallSid;
      const notifications = await eventually(async () => {
        const list = await t.client().calls(callSid).notifications.list();
        return list.length > 0 ? list : undefined;
      }, 'the Notification');
      assert.ok(notifications.some((n) => n.errorCode === String(code) && n.requestUrl === url), `a ${code} Notification for ${url}`);
      const call = await t.client().calls(callSid).fetch();
      assert.equal(call.status, 'completed');
    });
  }

  it('REST live control: a Twiml redirect, a Url redirect, then Status=completed; 21220 once the call is over', async () => {
    app.route('/rd/voice', () => {
      const r = twiml();
      r.say('Hello.');
      r.pause({ length: 30 });
      return { body: r.toString(), headers: { 'set-cookie': 'visit=1; Path=/' } };
    });
    app.route('/rd/next', () => {
      const r = twiml();
      r.say('Now at the next document.');
      r.pause({ length: 30 });
      return r.toString();
    });
    const number = await newNumber(app.url('/rd/voice'));
    const sipp = callWithSipp('uac-until-bye.xml', sipPort(), number, { WAIT_MS: 60_000 });
    const callSid = await callSidAt('/rd/voice');
    const client = t.client();
    await eventually(async () => ((await client.calls(callSid).fetch()).status === 'in-progress' ? true : undefined), 'the answer');

    const redirected = await client.calls(callSid).update({ twiml: '<Response><Redirect>' + app.url('/rd/next') + '</Redirect></Response>' });
    assert.equal(redirected.status, 'in-progress');
    const next = await eventually(() => app.seen('/rd/next')[0], 'the redirected document request');
    assert.equal(next.params.CallSid, callSid);
    assert.ok(next.signatureValid);
    assert.equal(next.cookie, 'visit=1');

    await client.calls(callSid).update({ url: app.url('/rd/next'), method: 'GET' });
    const byUrl = await eventually(() => app.seen('/rd/next').find((r) => r.method === 'GET'), 'the Url redirect');
    assert.ok(byUrl.signatureValid);

    const completed = await client.calls(callSid).update({ status: 'completed' });
    assert.equal(completed.status, 'completed');
    assert.ok(completed.endTime instanceof Date);
    assert.equal((await sipp).code, 0, 'SIPp received our BYE');

    await assert.rejects(client.calls(callSid).update({ url: app.url('/rd/next') }), (err: { code?: number; status?: number }) => {
      assert.equal(err.code, 21220);
      assert.equal(err.status, 400);
      return true;
    });
  });

  it('the caller hanging up stops the document; the record and the completed callback follow', async () => {
    app.route('/bye/voice', () => {
      const r = twiml();
      r.say('Hello.');
      r.pause({ length: 30 });
      r.redirect('/bye/never');
      return r.toString();
    });
    app.route('/bye/status', { status: 204, type: null });
    const number = await newNumber(app.url('/bye/voice'), { statusCallback: app.url('/bye/status') });
    const sipp = await callWithSipp('uac-hangs-up.xml', sipPort(), number, { HOLD_MS: 2_000 });
    assert.equal(sipp.code, 0, sipp.errors);
    const callSid = app.seen('/bye/voice')[0].params.CallSid;
    const completed = await eventually(() => app.seen('/bye/status').find((r) => r.params.CallStatus === 'completed'), 'the completed callback');
    assert.equal(completed.params.CallSid, callSid);
    assert.ok(Number(completed.params.CallDuration) >= 1);
    assert.equal(app.seen('/bye/never').length, 0);
    const call = await t.client().calls(callSid).fetch();
    assert.equal(call.status, 'completed');
    assert.ok(Number(call.duration) >= 1);
  });

  it('two calls at once: one whose application fails entirely, one that runs normally', async () => {
    app.route('/two/broken', { status: 500, body: 'boom', type: 'text/plain' });
    app.route('/two/good', twiml().say('All good.').toString());
    const broken = await newNumber(app.url('/two/broken'));
    const good = await newNumber(app.url('/two/good'));
    const [a, b] = await Promise.all([
      callWithSipp('uac-until-bye.xml', sipPort(), broken, { WAIT_MS: 30_000 }),
      callWithSipp('uac-until-bye.xml', sipPort(), good, { WAIT_MS: 30_000 }),
    ]);
    assert.equal(a.code, 0, 'the failing call was told of the application error and hung up');
    assert.equal(b.code, 0, 'the good call ran its document');
    const brokenSid = app.seen('/two/broken')[0].params.CallSid;
    const notes = await eventually(async () => {
      const list = await t.client().calls(brokenSid).notifications.list();
      return list.length > 0 ? list : undefined;
    }, 'the 11200 Notification');
    assert.ok(notes.some((n) => n.errorCode === '11200'));
    const goodSid = app.seen('/two/good')[0].params.CallSid;
    assert.deepEqual(await t.client().calls(goodSid).notifications.list(), []);
  });

  it('refuses what it cannot route: 404 unknown number, 403 suspended account, 488 no common codec', async () => {
    const pcmu = { PAYLOADS: '0 101', RTPMAPS: 'a=rtpmap:0 PCMU/8000\na=rtpmap:101 telephone-event/8000' };
    const unknown = await callWithSipp('uac-refused.xml', sipPort(), '+15005559999', { STATUS: 404, ...pcmu });
    assert.equal(unknown.code, 0, `404 for a number nobody owns: ${unknown.errors}`);

    const sub = await t.client().api.v2010.accounts.create({ friendlyName: 'to be suspended' });
    app.route('/sub/voice', twiml().say('never').toString());
    const subNumber = await newNumber(app.url('/sub/voice'), {}, t.client(sub.sid, sub.authToken));
    await t.client().api.v2010.accounts(sub.sid).update({ status: 'suspended' });
    const suspended = await callWithSipp('uac-refused.xml', sipPort(), subNumber, { STATUS: 403, ...pcmu });
    assert.equal(suspended.code, 0, `403 for a suspended account: ${suspended.errors}`);
    assert.equal(app.seen('/sub/voice').length, 0);
    const notes = await eventually(async () => {
      const page = await t.server.store.notifications.list(sub.sid, {}, { pageSize: 10 });
      return page.items.length > 0 ? page.items : undefined;
    }, 'the 10003 Notification of the suspended account');
    assert.deepEqual(notes.map((n) => n.errorCode), ['10003']);

    app.route('/g729/voice', twiml().say('never').toString());
    const g729 = await newNumber(app.url('/g729/voice'));
    const noCodec = await callWithSipp('uac-refused.xml', sipPort(), g729, { STATUS: 488, PAYLOADS: '18', RTPMAPS: 'a=rtpmap:18 G729/8000' });
    assert.equal(noCodec.code, 0, `488 when no codec is common: ${noCodec.errors}`);
    assert.equal(app.seen('/g729/voice').length, 0);
  });

  for (const [reason, status, callStatus] of [['busy', 486, 'busy'], ['rejected', 603, 'no-answer']] as const) {
    it(`<Reject reason="${reason}"> refuses the call with ${status}; the call ends ${callStatus}`, async () => {
      const path = `/reject/${reason}`;
      app.route(path, () => {
        const r = twiml();
        r.reject({ reason });
        return r.toString();
      });
      const number = await newNumber(app.url(path));
      const sipp = await callWithSipp('uac-refused.xml', sipPort(), number, {
        STATUS: status, PAYLOADS: '0 101', RTPMAPS: 'a=rtpmap:0 PCMU/8000\na=rtpmap:101 telephone-event/8000',
      });
      assert.equal(sipp.code, 0, sipp.errors);
      const callSid = app.seen(path)[0].params.CallSid;
      const call = await eventually(async () => {
        const c = await t.client().calls(callSid).fetch();
        return c.status === callStatus ? c : undefined;
      }, `status ${callStatus}`);
      assert.equal(call.duration, '0');
    });
  }
});

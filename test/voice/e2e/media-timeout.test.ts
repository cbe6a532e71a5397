/**
 * PATCHBAY_RTP_TIMEOUT: an answered call whose far end stops sending RTP and RTCP (gone without a BYE, or the BYE
 * was lost) is hung up and billed to that moment, instead of running until its document ends.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { sqliteDatabase } from '../../helpers/databases.js';
import { type TestServer, startTestServer } from '../../helpers/server.js';
import { type AppServer, startAppServer } from '../helpers/app-server.js';
import { SIPP, callWithSipp, eventually } from './helpers.js';

const skip = !existsSync(SIPP) && 'SIPp not installed';

describe('RTP timeout', { skip, timeout: 90_000 }, () => {
  let t: TestServer;
  let app: AppServer;

  before(async () => {
    t = await startTestServer({ PATCHBAY_RTP_TIMEOUT: '2' }, sqliteDatabase());
    app = await startAppServer(t.authToken);
  });
  after(async () => {
    await app?.close();
    await t?.close();
  });

  it('hangs up an answered call that receives no media, long before its document ends', async () => {
    const to = '+15005554100';
    await t.client().incomingPhoneNumbers.create({ phoneNumber: to, voiceUrl: app.url('/silent/voice') });
    app.route('/silent/voice', '<Response><Gather timeout="60" numDigits="4"/></Response>');
    const started = Date.now();
    // This caller never sends RTP (nor RTCP) and waits for our BYE.
    const caller = await callWithSipp('uac-until-bye.xml', t.server.sip.udp!.port, to, { WAIT_MS: 60_000 });
    const elapsed = Date.now() - started;
    assert.equal(caller.code, 0, caller.errors);
    // Checked at RTCP intervals (5 s × 0.5–1.5): at most one interval past the 2 s limit, far below the 60 s Gather.
    assert.ok(elapsed < 15_000, `hung up after ${elapsed} ms`);
    const [call] = await t.client().calls.list({ to });
    const ended = await eventually(async () => {
      const c = await t.client().calls(call!.sid).fetch();
      return c.status === 'completed' ? c : undefined;
    }, 'the call completed');
    assert.ok(Number(ended.duration) < 15);
  });
});

/**
 * Overload control end to end (PATCHBAY_OVERLOAD_THRESHOLD): while the server's event loop is saturated, a new call
 * from SIPp is refused 503 with a Retry-After before any webhook, and a call created through the REST API waits in
 * the outbound queue instead of adding INVITEs; once the load is gone the queued call is placed and new calls are
 * taken again. The server runs in this test's process, so the test saturates it by keeping its own loop busy.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { sqliteDatabase } from '../../helpers/databases.js';
import { keepBusy } from '../../helpers/busy-loop.js';
import { type TestServer, startTestServer } from '../../helpers/server.js';
import { type AppServer, startAppServer, twiml } from '../helpers/app-server.js';
import { sippUas } from '../helpers/sipp-uas.js';
import { SIPP, callWithSipp, eventually } from './helpers.js';

const skip = !existsSync(SIPP) && 'SIPp not installed';

describe('overload control', { skip, timeout: 120_000 }, () => {
  let t: TestServer;
  let app: AppServer;

  before(async () => {
    // Reacts within a few hundred ms here (1 s by default), so the test stays short; and the loop's busy share alone
    // decides (the test's own busy loop makes no peer retransmit: that half of the rule has its unit tests).
    t = await startTestServer({ PATCHBAY_OVERLOAD_THRESHOLD: '70' }, sqliteDatabase(), {
      load: { sampleMs: 20, smoothingMs: 300, retransmissionsPerSecond: 0, minEpisodeMs: 0 },
    });
    app = await startAppServer(t.authToken);
  });
  after(async () => {
    await app?.close();
    await t?.close();
  });

  it('refuses new calls 503 with Retry-After and holds queued outbound calls while saturated; takes both once it is not', async () => {
    const load = t.server.load!;
    const sipPort = t.server.sip.udp!.port;
    const busy = twiml();
    busy.reject({ reason: 'busy' });
    app.route('/in/voice', busy.toString());
    const number = '+15005554101';
    await t.client().incomingPhoneNumbers.create({ phoneNumber: number, voiceUrl: app.url('/in/voice') });
    app.route('/out/voice', '<Response><Hangup/></Response>');
    const uas = await sippUas(null);

    const stop = keepBusy();
    let callSid: string;
    try {
      await eventually(() => load.overloaded || undefined, 'the monitor to report overload');
      const refused = await callWithSipp('uac-overloaded.xml', sipPort, number, { RETRY_AFTER: '^ *[1-4]$' });
      assert.equal(refused.code, 0, `503 with Retry-After: ${refused.errors}`);
      assert.equal(app.seen('/in/voice').length, 0, 'a refused call asks no webhook');

      // The REST API still takes the call; the queue keeps it until the load is gone.
      const call = await t.client().calls.create({ to: `sip:service@127.0.0.1:${uas.port}`, from: '+15005550006', url: app.url('/out/voice') });
      callSid = call.sid;
      await new Promise((r) => setTimeout(r, 1_000));
      assert.equal(load.overloaded, true);
      assert.equal((await t.client().calls(callSid).fetch()).status, 'queued');
      assert.equal(app.seen('/out/voice').length, 0);
    } finally {
      await stop();
    }

    await eventually(() => (load.overloaded ? undefined : true), 'the monitor to report normal load');
    const ended = await eventually(async () => {
      const c = await t.client().calls(callSid).fetch();
      return c.status === 'completed' ? c : undefined;
    }, 'the held call to be placed and end', 30_000);
    assert.equal(ended.direction, 'outbound-api');
    assert.equal((await uas.done).code, 0);

    const taken = await callWithSipp('uac-refused.xml', sipPort, number, {
      STATUS: 486, PAYLOADS: '0', RTPMAPS: 'a=rtpmap:0 PCMU/8000',
    });
    assert.equal(taken.code, 0, `admitted again, the application refuses it busy: ${taken.errors}`);
    assert.equal(app.seen('/in/voice').length, 1);
    assert.ok(load.stats.refusals >= 1);
    const metrics = await t.server.metrics.metrics();
    assert.match(metrics, /patchbay_overloaded 0/);
    assert.match(metrics, /patchbay_overload_refusals_total [1-9]/);
  });
});

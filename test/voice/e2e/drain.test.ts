/**
 * Draining a node (DESIGN Scale-out: "a node that is draining refuses new calls and finishes its own"): while a call
 * is up, `drain()` makes new calls get 503 with Retry-After, `/health` answer 503 `draining` and a call created through
 * the REST API wait in the queue; the call already up runs its document to the end, and the drain resolves when it
 * has. The same through the CLI: SIGTERM with PATCHBAY_DRAIN_SECONDS waits for the call, then the process exits.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DRAIN_RETRY_AFTER_S } from '../../../src/core/index.js';
import { start } from '../../helpers/cli.js';
import { sqliteDatabase } from '../../helpers/databases.js';
import { type TestServer, startTestServer } from '../../helpers/server.js';
import { type AppServer, startAppServer, twiml } from '../helpers/app-server.js';
import { SIPP, callWithSipp, eventually } from './helpers.js';

const skip = !existsSync(SIPP) && 'SIPp not installed';

describe('draining a node', { skip, timeout: 120_000 }, () => {
  let t: TestServer;
  let app: AppServer;

  before(async () => {
    t = await startTestServer({}, sqliteDatabase());
    app = await startAppServer(t.authToken);
  });
  after(async () => {
    await app?.close();
    await t?.close();
  });

  it('refuses new work and lets the call that is up finish its document, then resolves', async () => {
    const sipPort = t.server.sip.udp!.port;
    // Said first, so the call is answered at once (a leading <Pause> would wait before answering, as on Twilio).
    const document = twiml();
    document.say('Please hold.');
    document.pause({ length: 3 });
    app.route('/drain/voice', document.toString());
    const number = '+15005554201';
    await t.client().incomingPhoneNumbers.create({ phoneNumber: number, voiceUrl: app.url('/drain/voice') });
    const up = callWithSipp('uac-until-bye.xml', sipPort, number, { WAIT_MS: 30_000 });
    const callSid = await eventually(() => app.seen('/drain/voice')[0]?.params.CallSid, 'the call at the application');
    await eventually(() => (t.server.liveCalls === 1 ? true : undefined), 'the call up');

    const started = Date.now();
    const drained = t.server.drain(20_000);
    const refused = await callWithSipp('uac-overloaded.xml', sipPort, number, { RETRY_AFTER: `^ *${DRAIN_RETRY_AFTER_S}$` });
    assert.equal(refused.code, 0, `a new call gets 503 with Retry-After ${DRAIN_RETRY_AFTER_S}: ${refused.errors}`);
    assert.equal(app.seen('/drain/voice').length, 1, 'the refused call asked no webhook');
    const health = await fetch(`${t.server.httpUrl}/health`);
    assert.equal(health.status, 503);
    assert.equal(((await health.json()) as { status: string }).status, 'draining');
    const queued = await t.client().calls.create({ to: 'sip:nobody@127.0.0.1:9', from: '+15005550006', twiml: '<Response/>' });

    assert.equal(await drained, 0, 'no call left');
    assert.ok(Date.now() - started >= 1_500, 'the drain waited for the call');
    assert.equal((await up).code, 0, 'the call ended with our BYE at the end of its document, not cut');
    const call = await t.client().calls(callSid).fetch();
    assert.equal(call.status, 'completed');
    assert.ok(Number(call.duration) >= 3, `the whole document ran (${call.duration} s)`);
    assert.equal((await t.client().calls(queued.sid).fetch()).status, 'queued', 'the REST call waits, stored, for another node');
  });

  it('the CLI: SIGTERM with PATCHBAY_DRAIN_SECONDS waits for the call that is up, then exits', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'patchbay-drain-cli-'));
    try {
      const cli = await start({ PATCHBAY_DATA_DIR: dataDir, PATCHBAY_DRAIN_SECONDS: '30', PATCHBAY_OVERLOAD_THRESHOLD: '100' });
      const api = /REST API\s+(http:\/\/127\.0\.0\.1:\d+)\/2010-04-01/.exec(cli.summary)?.[1];
      const sipPort = Number(/SIP\s+sip:[^:]+:(\d+)/.exec(cli.summary)?.[1]);
      const sid = /Account SID\s+(AC\w+)/.exec(cli.summary)?.[1];
      const token = /Auth Token\s+(\w+)/.exec(cli.summary)?.[1];
      assert.ok(api && sipPort && sid && token, cli.summary);
      const cliApp = await startAppServer(token);
      try {
        const document = twiml();
        document.say('Please hold.');
        document.pause({ length: 3 });
        cliApp.route('/cli/voice', document.toString());
        const number = '+15005554202';
        const created = await fetch(`${api}/2010-04-01/Accounts/${sid}/IncomingPhoneNumbers.json`, {
          method: 'POST',
          headers: { authorization: `Basic ${Buffer.from(`${sid}:${token}`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({ PhoneNumber: number, VoiceUrl: cliApp.url('/cli/voice') }).toString(),
        });
        assert.equal(created.status, 201);
        const up = callWithSipp('uac-until-bye.xml', sipPort, number, { WAIT_MS: 30_000 });
        await eventually(() => cliApp.seen('/cli/voice')[0], 'the call at the application');
        await new Promise((resolve) => setTimeout(resolve, 500));
        const signalled = Date.now();
        const stopped = await cli.stop();
        assert.equal(stopped.code, 0, stopped.output);
        assert.match(stopped.output, /SIGTERM received: draining — new calls are refused; waiting up to 30 s for 1 call to end/);
        assert.match(stopped.output, /every call has ended, shutting down/);
        assert.ok(Date.now() - signalled >= 1_000, 'the process stayed up for the call');
        assert.equal((await up).code, 0, 'the call ended with our BYE at the end of its document');
      } finally {
        await cliApp.close();
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

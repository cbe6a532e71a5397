/**
 * Cluster mode end to end: two Patchbay servers share one PostgreSQL database and one Redis. SIPp calls node A;
 * the official `twilio` client controls the call through node B, which does not hold it: a `Twiml` redirect and
 * `Status=completed` travel over the Redis bus to node A, which carries them out (the application sees the redirect,
 * SIPp gets our BYE), and node B answers with the updated record.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { POSTGRES_ADMIN_URL, postgresAvailable, postgresDatabase } from '../../helpers/databases.js';
import { REDIS_URL, redisSkipReason } from '../../helpers/redis.js';
import { type TestServer, startTestServer } from '../../helpers/server.js';
import { type AppServer, startAppServer, twiml } from '../helpers/app-server.js';
import { SIPP, callWithSipp, eventually } from './helpers.js';

async function skipReason(): Promise<string | false> {
  if (!existsSync(SIPP)) return 'SIPp not installed';
  if (!(await postgresAvailable())) {
    if (process.env.CI) throw new Error(`PostgreSQL is not reachable at ${POSTGRES_ADMIN_URL}; CI requires it`);
    return 'PostgreSQL not reachable';
  }
  return redisSkipReason();
}

describe('cluster mode: live control of a call held by another node', { skip: await skipReason(), timeout: 120_000 }, () => {
  let a: TestServer;
  let b: TestServer;
  let app: AppServer;

  before(async () => {
    const database = await postgresDatabase();
    const env = { PATCHBAY_REDIS_URL: REDIS_URL };
    a = await startTestServer(env, database);
    // Node B: the same database and Redis, a data directory of its own (each node has one).
    const dataDir = mkdtempSync(path.join(tmpdir(), 'patchbay-node-b-'));
    b = await startTestServer({ ...env, PATCHBAY_DATA_DIR: dataDir }, { ...database, dataDir, drop: async () => rmSync(dataDir, { recursive: true, force: true }) });
    app = await startAppServer(a.authToken);
  });
  after(async () => {
    await app?.close();
    await b?.close();
    await a?.close();
  });

  it('redirects and hangs up through node B a call that node A holds', async () => {
    assert.equal(b.accountSid, a.accountSid, 'both nodes serve the same owner account');
    app.route('/cluster/voice', () => {
      const r = twiml();
      r.say('Hello from node A.');
      r.pause({ length: 30 });
      return r.toString();
    });
    app.route('/cluster/next', () => {
      const r = twiml();
      r.pause({ length: 30 });
      return r.toString();
    });
    const number = '+15005550777';
    await a.client().incomingPhoneNumbers.create({ phoneNumber: number, voiceUrl: app.url('/cluster/voice') });
    const sipp = callWithSipp('uac-until-bye.xml', a.server.sip.udp!.port, number, { WAIT_MS: 60_000 });
    const callSid = await eventually(() => app.seen('/cluster/voice')[0]?.params.CallSid, 'the call at node A');
    const viaB = b.client();
    await eventually(async () => ((await viaB.calls(callSid).fetch()).status === 'in-progress' ? true : undefined), 'the answer, read at node B');

    const redirected = await viaB.calls(callSid).update({ twiml: `<Response><Redirect>${app.url('/cluster/next')}</Redirect></Response>` });
    assert.equal(redirected.status, 'in-progress');
    const next = await eventually(() => app.seen('/cluster/next')[0], 'the redirected document request');
    assert.equal(next.params.CallSid, callSid);
    assert.ok(next.signatureValid);

    const completed = await viaB.calls(callSid).update({ status: 'completed' });
    assert.equal(completed.status, 'completed', 'node B answers once node A has stored the end of the call');
    assert.ok(completed.endTime instanceof Date);
    const result = await sipp;
    assert.equal(result.code, 0, `SIPp received node A's BYE: ${result.errors}`);

    // Over: both nodes refuse further control with Twilio's 21220.
    for (const client of [viaB, a.client()]) {
      await assert.rejects(client.calls(callSid).update({ url: app.url('/cluster/next') }), (err: { code?: number }) => err.code === 21220);
    }
  });
});

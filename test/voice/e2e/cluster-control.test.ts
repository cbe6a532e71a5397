/**
 * Cluster mode end to end: two Patchbay servers share one PostgreSQL database and one Redis. SIPp calls node A;
 * the official `twilio` client controls the call through node B, which does not hold it: a `Twiml` redirect and
 * `Status=completed` travel over the Redis bus to node A, which carries them out (the application sees the redirect,
 * SIPp gets our BYE), and node B answers with the updated record. Both nodes share PATCHBAY_CREDENTIAL_KEY, so a SIP
 * password stored through node A's API authenticates a phone registering at node B.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { postgresDatabase } from '../../helpers/databases.js';
import { REDIS_URL } from '../../helpers/redis.js';
import { type TestServer, startPeerNode, startTestServer } from '../../helpers/server.js';
import { createRegistrationDomain } from '../../helpers/sip-domains.js';
import { type AppServer, startAppServer, twiml } from '../helpers/app-server.js';
import { runSipp } from '../../sip/ua/sipp.js';
import { sippUas } from '../helpers/sipp-uas.js';
import { callWithSipp, clusterSkipReason, eventually } from './helpers.js';

const REGISTER_SCENARIO = new URL('../../sip/registrar/fixtures/register-digest-uac.xml', import.meta.url).pathname;

describe('cluster mode: live control of a call held by another node', { skip: await clusterSkipReason(), timeout: 120_000 }, () => {
  let a: TestServer;
  let b: TestServer;
  let app: AppServer;
  let recordingsDir: string;

  before(async () => {
    const database = await postgresDatabase();
    // SIPp answers only the first challenge, and only MD5.
    // The recordings directory stands for storage both nodes mount.
    recordingsDir = mkdtempSync(path.join(tmpdir(), 'patchbay-shared-recordings-'));
    const env = {
      PATCHBAY_REDIS_URL: REDIS_URL, PATCHBAY_CREDENTIAL_KEY: randomBytes(32).toString('hex'), PATCHBAY_SIP_DIGEST_ALGORITHMS: 'MD5,SHA-256',
      PATCHBAY_RECORDINGS_DIR: recordingsDir,
    };
    a = await startTestServer(env, database);
    // Node B: the same database and Redis, a data directory of its own.
    b = await startPeerNode(env, database);
    app = await startAppServer(a.authToken);
  });
  after(async () => {
    await app?.close();
    await b?.close();
    await a?.close();
    rmSync(recordingsDir, { recursive: true, force: true });
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

  it('authenticates at node B a SIP phone whose password was stored through node A', { timeout: 30_000 }, async () => {
    const client = a.client();
    const domainName = 'cluster.sip.localhost';
    await createRegistrationDomain(client, domainName, 'cluster phones');
    const r = await runSipp(
      ['-sf', REGISTER_SCENARIO, '-key', 'domain', domainName, '-auth_uri', domainName, '-m', '1', '-timeout', '10s', '-timeout_error', `127.0.0.1:${b.server.sip.udp!.port}`],
      20_000,
    );
    assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}\n${r.errors}`);
    assert.equal((await a.server.registrar.findBindings(domainName, 'alice')).length, 1, 'the binding is shared through the database');
  });

  it('serves at node B, from the shared recordings directory, a recording node A made', async () => {
    app.route('/rec/voice', () => {
      const r = twiml();
      r.record({ action: '/rec/recorded', timeout: 1, maxLength: 2, trim: 'do-not-trim', playBeep: false });
      return r.toString();
    });
    app.route('/rec/recorded', twiml().hangup().toString());
    const number = '+15005550778';
    await a.client().incomingPhoneNumbers.create({ phoneNumber: number, voiceUrl: app.url('/rec/voice') });
    const sipp = await callWithSipp('uac-until-bye.xml', a.server.sip.udp!.port, number, { WAIT_MS: 30_000 });
    assert.equal(sipp.code, 0, sipp.errors);
    const recorded = await eventually(() => app.seen('/rec/recorded')[0], 'the Record action');
    const { RecordingSid, RecordingUrl } = recorded.params;
    assert.ok(RecordingUrl.startsWith(a.server.publicUrl));
    const atB = await fetch(RecordingUrl.replace(a.server.publicUrl, b.server.httpUrl));
    assert.equal(atB.status, 200);
    assert.equal(atB.headers.get('content-type'), 'audio/x-wav');
    // SIPp sends no audio here, so the file may hold only its header: what matters is that B serves A's file.
    const wav = Buffer.from(await atB.arrayBuffer());
    assert.equal(wav.subarray(0, 4).toString(), 'RIFF');
    assert.deepEqual(wav, readFileSync(path.join(recordingsDir, `${RecordingSid}.wav`)));
    const viaB = await b.client().recordings(RecordingSid).fetch();
    assert.equal(viaB.status, 'completed');
  });

  it('spaces an account\'s calls created at both nodes by its calls per second for the whole cluster', async () => {
    const sub = await a.client().api.v2010.accounts.create({ friendlyName: 'paced' });
    // 2 calls/s: six calls take at least 2.5 s in all; each node pacing alone would place its three in 1 s.
    const limits = await fetch(`${a.server.httpUrl}/2010-04-01/Accounts/${sub.sid}.json`, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from(`${a.accountSid}:${a.authToken}`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'PatchbayCallsPerSecond=2',
    });
    assert.equal(limits.status, 200);
    const initiatedAt = new Map<string, number>();
    app.route('/cps/status', (req) => {
      if (req.params.CallStatus === 'initiated') initiatedAt.set(req.params.CallSid, Date.now());
      return { status: 204, type: null };
    });
    const sipp = await sippUas(null, 6, 60);
    const params = {
      to: `sip:service@127.0.0.1:${sipp.port}`, from: '+15005550006', twiml: '<Response><Hangup/></Response>',
      statusCallback: app.url('/cps/status'), statusCallbackEvent: ['initiated'],
    };
    const calls = await Promise.all(Array.from({ length: 6 }, (_, i) => (i % 2 === 0 ? a : b).client(sub.sid, sub.authToken).calls.create(params)));
    await eventually(() => (initiatedAt.size === calls.length ? true : undefined), 'every call placed', 20_000);
    const times = [...initiatedAt.values()].sort((x, y) => x - y);
    assert.ok(times[times.length - 1] - times[0] >= 5 * 500 - 300, `six calls at 2 calls/s over two nodes span ${times[times.length - 1] - times[0]} ms`);
    assert.equal((await sipp.done).code, 0);
  });
});

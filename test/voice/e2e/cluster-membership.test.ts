/**
 * Cluster mode end to end: whose call records a node may close. Two Patchbay servers share one PostgreSQL database
 * and one Redis, with heartbeats every 500 ms and a 5 s grace period. SIPp calls node A; node B restarts, and A's
 * call stays `in-progress` (a start closes only the node's own orphans), then ends normally. Then a third node, in
 * a process of its own, takes a SIPp call and is killed with SIGKILL: the surviving nodes close its call's record
 * once its heartbeat is older than the grace period.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { type TestDatabase, postgresDatabase } from '../../helpers/databases.js';
import { REDIS_URL } from '../../helpers/redis.js';
import { type TestServer, startTestServer } from '../../helpers/server.js';
import { type AppServer, startAppServer, twiml } from '../helpers/app-server.js';
import { callWithSipp, clusterSkipReason, eventually } from './helpers.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const NODE_SCRIPT = fileURLToPath(new URL('./fixtures/cluster-node.ts', import.meta.url));
const CLUSTER = { heartbeatMs: 500, graceMs: 5_000 };

describe('cluster mode: call records of nodes that restart or die', { skip: await clusterSkipReason(), timeout: 120_000 }, () => {
  let database: TestDatabase;
  let env: Record<string, string>;
  let a: TestServer;
  let b: TestServer | undefined;
  const dataDirB = mkdtempSync(path.join(tmpdir(), 'patchbay-node-b-'));
  const dataDirC = mkdtempSync(path.join(tmpdir(), 'patchbay-node-c-'));
  let child: ChildProcess | undefined;
  let app: AppServer;

  /** Node B on its own data directory, so the same node id after a restart. */
  const startB = () => startTestServer({ ...env, PATCHBAY_DATA_DIR: dataDirB }, { ...database, dataDir: dataDirB, drop: async () => undefined }, { cluster: CLUSTER });

  before(async () => {
    database = await postgresDatabase();
    env = { PATCHBAY_REDIS_URL: REDIS_URL, PATCHBAY_CREDENTIAL_KEY: randomBytes(32).toString('hex') };
    a = await startTestServer(env, database, { cluster: CLUSTER });
    b = await startB();
    app = await startAppServer(a.authToken);
    app.route('/cluster/voice', () => {
      const r = twiml();
      r.say('Hello.');
      r.pause({ length: 60 });
      return r.toString();
    });
  });
  after(async () => {
    child?.kill('SIGKILL');
    await app?.close();
    await b?.server.close();
    await a?.close();
    for (const dir of [dataDirB, dataDirC]) rmSync(dir, { recursive: true, force: true });
  });

  it('a node that restarts leaves another node’s live call alone; the call then ends normally', async () => {
    const number = '+15005550781';
    await a.client().incomingPhoneNumbers.create({ phoneNumber: number, voiceUrl: app.url('/cluster/voice') });
    const sipp = callWithSipp('uac-until-bye.xml', a.server.sip.udp!.port, number, { WAIT_MS: 60_000 });
    const callSid = await eventually(() => app.seen('/cluster/voice').at(-1)?.params.CallSid, 'the call at node A');
    const fetch = async () => (await a.client().calls(callSid).fetch()).status;
    await eventually(async () => ((await fetch()) === 'in-progress' ? true : undefined), 'the answer');

    const nodeB = b!.server.nodeId;
    await b!.server.close();
    b = undefined;
    b = await startB();
    assert.equal(b.server.nodeId, nodeB, 'the same node, restarted');
    assert.equal(await fetch(), 'in-progress', 'B’s start closed only its own orphans');

    // Let B sweep for a while, past the grace period: A beats, so its call stays live.
    const seenAt = async () => (await b!.server.store.clusterNodes.all()).find((n) => n.nodeId === nodeB)?.seenAt ?? 0;
    const from = await seenAt();
    await eventually(async () => ((await seenAt()) > from + CLUSTER.graceMs ? true : undefined), 'B beating past the grace period', 30_000);
    assert.equal(await fetch(), 'in-progress');
    assert.deepEqual(new Set((await b.server.store.clusterNodes.all()).map((n) => n.nodeId)), new Set([a.server.nodeId, nodeB]));

    const completed = await b.client().calls(callSid).update({ status: 'completed' });
    assert.equal(completed.status, 'completed');
    const result = await sipp;
    assert.equal(result.code, 0, `SIPp received node A's BYE: ${result.errors}`);
  });

  it('a node that dies: the others close its live call record once its heartbeat is older than the grace period', async () => {
    child = spawn(process.execPath, ['--import', 'tsx', NODE_SCRIPT], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'inherit'],
      env: {
        ...process.env, ...env,
        PATCHBAY_HOST: '127.0.0.1', PATCHBAY_HTTP_PORT: '0', PATCHBAY_SIP_PORT: '0', PATCHBAY_DATA_DIR: dataDirC,
        PATCHBAY_DATABASE_URL: database.url!, PATCHBAY_OVERLOAD_THRESHOLD: '100', PATCHBAY_LOG_LEVEL: 'silent',
        PATCHBAY_TEST_HEARTBEAT_MS: String(CLUSTER.heartbeatMs), PATCHBAY_TEST_GRACE_MS: String(CLUSTER.graceMs),
      },
    });
    const exited = new Promise<void>((resolve) => child!.once('exit', () => resolve()));
    const line = await new Promise<string>((resolve, reject) => {
      createInterface({ input: child!.stdout! }).once('line', resolve);
      child!.once('exit', (code) => reject(new Error(`the node process exited (${code}) before it was up`)));
    });
    const nodeC = JSON.parse(line) as { httpUrl: string; sipPort: number; nodeId: string };

    const number = '+15005550782';
    await a.client().incomingPhoneNumbers.create({ phoneNumber: number, voiceUrl: app.url('/cluster/voice') });
    // SIPp gives up on its own once no BYE comes.
    const sipp = callWithSipp('uac-until-bye.xml', nodeC.sipPort, number, { WAIT_MS: 10_000 });
    const callSid = await eventually(() => app.seen('/cluster/voice').find((r) => r.params.To === number)?.params.CallSid, 'the call at node C');
    const fetch = () => b!.client().calls(callSid).fetch();
    await eventually(async () => ((await fetch()).status === 'in-progress' ? true : undefined), 'the answer');
    assert.equal((await b!.server.store.calls.get(callSid))?.nodeId, nodeC.nodeId);

    child.kill('SIGKILL');
    await exited;
    child = undefined;
    assert.equal((await fetch()).status, 'in-progress', 'nothing closed it on the way down');
    const closed = await eventually(async () => {
      const call = await fetch();
      return call.status === 'in-progress' ? undefined : call;
    }, 'a survivor closing the dead node’s call', 30_000);
    assert.equal(closed.status, 'completed', 'answered, so completed');
    assert.ok(closed.endTime instanceof Date);
    await eventually(async () => ((await a.server.store.clusterNodes.all()).some((n) => n.nodeId === nodeC.nodeId) ? undefined : true), 'the dead node forgotten');
    await sipp;
  });
});

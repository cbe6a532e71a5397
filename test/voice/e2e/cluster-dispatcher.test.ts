/**
 * A cluster behind a SIP load balancer nobody on the team wrote: Kamailio's dispatcher (round robin, record-routing)
 * in front of two Patchbay nodes on one PostgreSQL and Redis. SIPp calls the proxy; the calls land on both nodes,
 * each answered by the number's application, and each node's BYE finds its way back through the proxy along the
 * route set (RFC 3261 §12.2.1.1, §16.12). Then node A drains: its 503 sends every new call on to node B.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { postgresDatabase } from '../../helpers/databases.js';
import { REDIS_URL } from '../../helpers/redis.js';
import { type TestServer, startPeerNode, startTestServer } from '../../helpers/server.js';
import { type AppServer, startAppServer, twiml } from '../helpers/app-server.js';
import { callWithSipp, clusterSkipReason, eventually } from './helpers.js';

const KAMAILIO_CFG = fileURLToPath(new URL('./fixtures/kamailio-dispatcher.cfg', import.meta.url));

function kamailioPath(): string | undefined {
  for (const candidate of ['/usr/sbin/kamailio', '/usr/local/sbin/kamailio']) if (existsSync(candidate)) return candidate;
  try {
    return execFileSync('which', ['kamailio'], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}

async function skipReason(): Promise<string | false> {
  if (!kamailioPath()) {
    if (process.env.CI) throw new Error('Kamailio is required in CI (Debian package kamailio)');
    return 'Kamailio not installed (Debian: apt-get install -y kamailio)';
  }
  return clusterSkipReason();
}

async function freeUdpPort(): Promise<number> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const { port } = socket.address();
  await new Promise<void>((resolve) => socket.close(() => resolve()));
  return port;
}

describe('cluster mode behind Kamailio\'s dispatcher', { skip: await skipReason(), timeout: 120_000 }, () => {
  let a: TestServer;
  let b: TestServer;
  let app: AppServer;
  let kamailio: ChildProcess;
  let proxyPort: number;
  let kamailioDir: string;
  let kamailioOutput = '';

  before(async () => {
    const database = await postgresDatabase();
    const env = { PATCHBAY_REDIS_URL: REDIS_URL, PATCHBAY_CREDENTIAL_KEY: randomBytes(32).toString('hex') };
    a = await startTestServer(env, database);
    b = await startPeerNode(env, database);
    app = await startAppServer(a.authToken);

    kamailioDir = mkdtempSync(path.join(tmpdir(), 'patchbay-kamailio-'));
    const list = path.join(kamailioDir, 'dispatcher.list');
    writeFileSync(list, [a, b].map((node) => `1 sip:127.0.0.1:${node.server.sip.udp!.port}\n`).join(''));
    proxyPort = await freeUdpPort();
    kamailio = spawn(kamailioPath()!, ['-f', KAMAILIO_CFG, '-DD', '-E', '-m', '64', '-M', '8', '-A', `DS_LIST="${list}"`, '-l', `udp:127.0.0.1:${proxyPort}`], {
      cwd: kamailioDir, stdio: ['ignore', 'pipe', 'pipe'],
    });
    for (const stream of [kamailio.stdout!, kamailio.stderr!]) stream.on('data', (d: Buffer) => (kamailioOutput = (kamailioOutput + d.toString()).slice(-8000)));
    await eventually(() => {
      if (kamailio.exitCode !== null) throw new Error(`Kamailio exited: ${kamailioOutput}`);
      return /listening on/i.test(kamailioOutput) ? true : undefined;
    }, 'Kamailio listening', 10_000);
  });
  after(async () => {
    kamailio?.kill('SIGTERM');
    await app?.close();
    await b?.close();
    await a?.close();
    if (kamailioDir) rmSync(kamailioDir, { recursive: true, force: true });
  });

  it('spreads calls over both nodes; every call is answered and ended through the proxy', async () => {
    app.route('/lb/voice', twiml().pause({ length: 1 }).toString());
    const number = '+15005550779';
    await a.client().incomingPhoneNumbers.create({ phoneNumber: number, voiceUrl: app.url('/lb/voice') });
    for (let i = 0; i < 4; i++) {
      const sipp = await callWithSipp('uac-via-proxy.xml', proxyPort, number, { WAIT_MS: 20_000 });
      assert.equal(sipp.code, 0, `call ${i + 1} through the proxy: ${sipp.errors}\n${kamailioOutput.slice(-2000)}`);
    }
    const sids = app.seen('/lb/voice').map((r) => r.params.CallSid);
    assert.equal(sids.length, 4);
    const records = await Promise.all(sids.map((sid) => eventually(async () => {
      const call = await a.server.store.calls.getOwned(a.accountSid, sid);
      return call?.status === 'completed' ? call : undefined;
    }, `call ${sid} completed`)));
    assert.deepEqual(new Set(records.map((c) => c.nodeId)), new Set([a.server.nodeId, b.server.nodeId]), 'round robin reached both nodes');
  });

  it('sends every new call to node B while node A drains (A answers 503, the proxy tries the next node)', async () => {
    const before = app.seen('/lb/voice').length;
    assert.equal(await a.server.drain(5_000), 0);
    for (let i = 0; i < 3; i++) {
      const sipp = await callWithSipp('uac-via-proxy.xml', proxyPort, '+15005550779', { WAIT_MS: 20_000 });
      assert.equal(sipp.code, 0, `call ${i + 1} while A drains: ${sipp.errors}\n${kamailioOutput.slice(-2000)}`);
    }
    const sids = app.seen('/lb/voice').slice(before).map((r) => r.params.CallSid);
    assert.equal(sids.length, 3);
    for (const sid of sids) {
      const call = await eventually(async () => {
        const c = await b.server.store.calls.getOwned(b.accountSid, sid);
        return c?.status === 'completed' ? c : undefined;
      }, `call ${sid} completed`);
      assert.equal(call.nodeId, b.server.nodeId);
    }
  });
});

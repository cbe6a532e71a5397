/**
 * Nothing lost on restart (issue 5 item 8): a real `patchbay start` process takes a SIPp call that records the
 * caller and then waits; the process is killed with SIGKILL while the call is live. The next start on the same data
 * directory closes the call with an end time, and the recording reported before the crash is complete on disk.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import twilio from 'twilio';
import { sqliteDatabase } from '../../helpers/databases.js';
import { LocalRequestClient, type TestServer, startTestServer } from '../../helpers/server.js';
import { freeUdpPort } from '../../sip/ua/sipp.js';
import { type AppServer, startAppServer, twiml } from '../helpers/app-server.js';
import { SIPP, SIPP_PCAPS, callWithSipp, eventually, inspectWav } from './helpers.js';

const skip = !existsSync(SIPP) && 'SIPp not installed';
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const ACCOUNT_SID = 'AC' + 'e'.repeat(32);
const AUTH_TOKEN = 'f'.repeat(32);
const NUMBER = '+15005550301';

async function freeTcpPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('a restart after a crash', { skip, timeout: 120_000 }, () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'patchbay-crash-'));
  let app: AppServer;
  let child: ChildProcess | undefined;
  let restarted: TestServer | undefined;

  before(async () => {
    app = await startAppServer(AUTH_TOKEN);
  });
  after(async () => {
    child?.kill('SIGKILL');
    await restarted?.server.close();
    await app?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('closes the call that was live and keeps the recording it had reported', async () => {
    const httpPort = await freeTcpPort();
    const sipPort = await freeUdpPort();
    child = spawn(process.execPath, [path.join(ROOT, 'bin/patchbay.mjs'), 'start'], {
      cwd: ROOT,
      stdio: 'ignore',
      env: {
        ...process.env,
        PATCHBAY_HOST: '127.0.0.1', PATCHBAY_HTTP_PORT: String(httpPort), PATCHBAY_SIP_PORT: String(sipPort), PATCHBAY_DATA_DIR: dataDir,
        PATCHBAY_ACCOUNT_SID: ACCOUNT_SID, PATCHBAY_AUTH_TOKEN: AUTH_TOKEN, PATCHBAY_LOG_LEVEL: 'silent',
      },
    });
    const exited = new Promise<void>((resolve) => child!.once('exit', () => resolve()));
    const httpUrl = `http://127.0.0.1:${httpPort}`;
    await eventually(async () => ((await fetch(`${httpUrl}/health`).catch(() => null))?.ok ? true : undefined), 'the server process', 30_000);
    const client = twilio(ACCOUNT_SID, AUTH_TOKEN, { httpClient: new LocalRequestClient(httpUrl) });

    app.route('/crash/voice', () => {
      const r = twiml();
      // The caller's key (5) must not end the recording.
      r.record({ action: '/crash/recorded', maxLength: 3, timeout: 0, trim: 'do-not-trim', playBeep: false, finishOnKey: '#' });
      return r.toString();
    });
    app.route('/crash/recorded', () => {
      const r = twiml();
      r.pause({ length: 60 });
      return r.toString();
    });
    await client.incomingPhoneNumbers.create({ phoneNumber: NUMBER, voiceUrl: app.url('/crash/voice') });

    // The caller speaks (a G.711 capture) into the Record, then stays on the line; SIPp gives up on its own.
    const sipp = callWithSipp('uac-flow.xml', sipPort, NUMBER, {
      DIGIT_AT: 200, PCAP_DIGIT: path.join(SIPP_PCAPS, 'dtmf_2833_5.pcap'), VOICE_AFTER: 200, PCAP_VOICE: path.join(SIPP_PCAPS, 'g711a.pcap'),
    }, 10_000);
    const recorded = await eventually(() => app.seen('/crash/recorded')[0], 'the Record action', 30_000);
    const callSid = recorded.params.CallSid;
    const live = await client.calls(callSid).fetch();
    assert.equal(live.status, 'in-progress');

    child.kill('SIGKILL');
    await exited;
    child = undefined;
    await sipp;

    restarted = await startTestServer({}, { name: 'sqlite', url: undefined, dataDir, drop: async () => undefined });
    const call = await restarted.client().calls(callSid).fetch();
    assert.equal(call.status, 'completed');
    assert.ok(call.endTime instanceof Date, 'the call has an end time');
    assert.ok(Number(call.duration) >= 1);

    const recording = await restarted.client().recordings(recorded.params.RecordingSid).fetch();
    assert.equal(recording.status, 'completed');
    assert.equal(recording.duration, recorded.params.RecordingDuration);
    const wav = inspectWav(Buffer.from(await (await fetch(recording.mediaUrl)).arrayBuffer()));
    assert.equal(Math.round(wav.seconds), Number(recording.duration));
    assert.ok(wav.rms > 300, `the recorded speech survived the crash (RMS ${wav.rms.toFixed(0)} over ${wav.seconds} s)`);
  });
});

describe('a graceful stop', { skip, timeout: 60_000 }, () => {
  it('hangs up live calls with BYE and closes their records before the store closes', async () => {
    const database = sqliteDatabase();
    let server: TestServer | undefined;
    try {
      server = await startTestServer({}, { ...database, drop: async () => undefined });
      const running = server;
      const appForAccount = await startAppServer(running.authToken);
      appForAccount.route('/stop/voice', () => {
        const r = twiml();
        r.say('Hello.');
        r.pause({ length: 60 });
        return r.toString();
      });
      await running.client().incomingPhoneNumbers.create({ phoneNumber: '+15005550302', voiceUrl: appForAccount.url('/stop/voice') });
      const sipp = callWithSipp('uac-until-bye.xml', running.server.sip.udp!.port, '+15005550302', { WAIT_MS: 30_000 });
      const callSid = await eventually(() => appForAccount.seen('/stop/voice')[0]?.params.CallSid, 'the voice request');
      await eventually(async () => ((await running.client().calls(callSid).fetch()).status === 'in-progress' ? true : undefined), 'the answer');
      await running.server.close();
      server = undefined;
      const result = await sipp;
      assert.equal(result.code, 0, `SIPp received our BYE: ${result.errors} ${result.stdout.slice(-1500)}`);
      await appForAccount.close();

      server = await startTestServer({}, { ...database, drop: async () => undefined });
      const call = await server.client().calls(callSid).fetch();
      assert.equal(call.status, 'completed');
      assert.ok(call.endTime instanceof Date);
    } finally {
      await server?.server.close();
      await database.drop();
    }
  });
});

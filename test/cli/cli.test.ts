import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { run, start } from '../helpers/cli.js';

describe('patchbay CLI', () => {
  it('prints help for the program and for start', () => {
    const main = run(['--help']);
    assert.equal(main.status, 0);
    assert.match(main.stdout, /Usage: patchbay \[command\]/);
    const startHelp = run(['start', '--help']);
    assert.equal(startHelp.status, 0);
    for (const flag of ['--host', '--http-port', '--sip-port', '--rtp-ports', '--public-url', '--data-dir', '--database-url',
      '--redis-url', '--account-sid', '--auth-token', '--log-level', '--rtp-timeout', '--credential-key', '--api-concurrency', '--recordings-dir', '--drain-seconds']) {
      assert.ok(startHelp.stdout.includes(flag), `help lacks ${flag}`);
    }
    assert.match(startHelp.stdout, /PATCHBAY_HTTP_PORT/);
  });

  it('explains bad configuration and unknown commands with exit code 2', () => {
    const badPort = run(['start', '--http-port', 'eighty']);
    assert.equal(badPort.status, 2);
    assert.match(badPort.stderr, /PATCHBAY_HTTP_PORT must be a port number/);
    const badEnv = run(['start'], { PATCHBAY_RTP_PORTS: '30000' });
    assert.equal(badEnv.status, 2);
    assert.match(badEnv.stderr, /PATCHBAY_RTP_PORTS/);
    const badTimeout = run(['start', '--rtp-timeout', '1.5']);
    assert.equal(badTimeout.status, 2);
    assert.match(badTimeout.stderr, /PATCHBAY_RTP_TIMEOUT must be whole seconds/);
    const badKey = run(['start'], { PATCHBAY_CREDENTIAL_KEY: 'secret' });
    assert.equal(badKey.status, 2);
    assert.match(badKey.stderr, /PATCHBAY_CREDENTIAL_KEY must be 64 hex digits/);
    const badConcurrency = run(['start', '--api-concurrency', 'lots']);
    assert.equal(badConcurrency.status, 2);
    assert.match(badConcurrency.stderr, /PATCHBAY_API_CONCURRENCY must be a whole number/);
    const badDrain = run(['start', '--drain-seconds', 'soon']);
    assert.equal(badDrain.status, 2);
    assert.match(badDrain.stderr, /PATCHBAY_DRAIN_SECONDS must be whole seconds/);
    const unknown = run(['launch']);
    assert.equal(unknown.status, 2);
    assert.match(unknown.stderr, /unknown command 'launch'/);
  });

  it('starts, prints one summary, serves /health, stops on SIGTERM and keeps the owner across restarts', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'patchbay-cli-'));
    try {
      const sid = 'AC' + 'ab'.repeat(16);
      const token = 'cd'.repeat(16);
      const first = await start({ PATCHBAY_DATA_DIR: dataDir, PATCHBAY_ACCOUNT_SID: sid, PATCHBAY_AUTH_TOKEN: token });
      assert.match(first.summary, new RegExp(`Account SID\\s+${sid}`));
      assert.match(first.summary, new RegExp(`Auth Token\\s+${token}`));
      assert.match(first.summary, /Data\s+SQLite .*patchbay\.db/);
      const api = /REST API\s+(http:\/\/127\.0\.0\.1:\d+)\/2010-04-01/.exec(first.summary);
      assert.ok(api, first.summary);
      const health = await fetch(`${api[1]}/health`);
      assert.equal(health.status, 200);
      const account = await fetch(`${api[1]}/2010-04-01/Accounts/${sid}.json`, {
        headers: { authorization: 'Basic ' + Buffer.from(`${sid}:${token}`).toString('base64') },
      });
      assert.equal(account.status, 200);
      const stopped = await first.stop();
      assert.equal(stopped.code, 0, stopped.output);
      assert.match(stopped.output, /SIGTERM received, shutting down/);

      // Second start without the variables: the stored owner is kept, not regenerated.
      const second = await start({ PATCHBAY_DATA_DIR: dataDir });
      assert.match(second.summary, new RegExp(`Account SID\\s+${sid}`));
      const secondStopped = await second.stop();
      assert.equal(secondStopped.code, 0, secondStopped.output);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

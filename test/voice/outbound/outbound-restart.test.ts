/**
 * The outbound queue across a restart: calls still waiting when the server stops stay `queued` (not closed as
 * orphans) and go out after the next start, in order.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { sqliteDatabase } from '../../helpers/databases.js';
import { type TestServer, startTestServer } from '../../helpers/server.js';
import { SIPP, eventually } from '../e2e/helpers.js';
import { spawnSipp } from '../../sip/ua/sipp.js';

const skip = !existsSync(SIPP) && 'SIPp not installed';

describe('outbound queue across a restart', { skip, timeout: 120_000 }, () => {
  it('waiting calls survive a stop and are placed after the next start', async () => {
    const database = sqliteDatabase();
    const sipp = await spawnSipp(['-sn', 'uas', '-m', '3', '-timeout', '60s', '-timeout_error', '-mi', '127.0.0.1'], 70_000);
    let first: TestServer | undefined;
    let second: TestServer | undefined;
    try {
      first = await startTestServer({}, { ...database, drop: async () => undefined });
      const to = `sip:service@127.0.0.1:${sipp.port}`;
      const sids: string[] = [];
      for (let i = 0; i < 3; i++) {
        sids.push((await first.client().calls.create({
          to, from: '+15005550006', twiml: '<Response><Hangup/></Response>', sipAuthUsername: 'alice', sipAuthPassword: 'n0t-in-clear',
        })).sid);
      }
      // The SIP password is sealed in the durable queue rows, never kept in clear.
      const rows = await first.server.store.outboundCallQueue.all();
      assert.ok(rows.length >= 1);
      assert.ok(rows.every((r) => !(r.data ?? '').includes('n0t-in-clear') && (r.data ?? '').includes('sealedPassword')));
      // CPS 1: the second and third calls are still waiting when the server stops.
      const waiting = first.server.originate.queue.depth(first.accountSid);
      assert.ok(waiting >= 1, `calls waiting at the stop: ${waiting}`);
      await first.server.close();
      first = undefined;

      second = await startTestServer({}, database);
      const client = second.client();
      for (const sid of sids.slice(3 - waiting)) {
        const call = await eventually(async () => {
          const c = await client.calls(sid).fetch();
          return ['completed', 'failed', 'busy', 'no-answer', 'canceled'].includes(c.status) ? c : undefined;
        }, `call ${sid} after the restart`, 30_000);
        assert.equal(call.status, 'completed', `${sid} was placed after the restart`);
      }
    } finally {
      await first?.server.close();
      await second?.close();
      await sipp.done;
    }
  });
});

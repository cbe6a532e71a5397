import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Migrator, sql } from 'kysely';
import { newSid } from '../../src/core/index.js';
import { type Store, openStore, storeOver } from '../../src/store/index.js';
import { openDatabase } from '../../src/store/database.js';
import { migrations } from '../../src/store/migrations/index.js';
import { OutboundCallQueueRepository } from '../../src/store/repositories/outbound-call-queue.js';
import { dialectsUnderTest, type TestDatabase } from '../helpers/databases.js';

const dialects = await dialectsUnderTest();

/** Leases of waiting outbound calls: which node takes which row, on each dialect, with two nodes racing. */
for (const dialect of dialects) {
  describe(`outbound call queue leases on ${dialect.name}`, () => {
    let database: TestDatabase;
    // Two nodes: each its own connection (pool) to the one database.
    let a: Store;
    let b: Store;
    const account = newSid('AC');
    let nextSeq = 1;
    const row = (owner: string | null, leaseExpiresAt: number) => ({
      callSid: newSid('CA'), accountSid: account, seq: nextSeq, enqueuedAt: 1_000 + nextSeq++, data: null, owner, leaseExpiresAt,
    });
    const sids = (rows: Array<{ callSid: string }>) => rows.map((r) => r.callSid);
    const clear = async () => {
      for (const r of await a.outboundCallQueue.all()) await a.outboundCallQueue.remove(r.callSid);
    };

    before(async () => {
      database = await dialect.create();
      a = await openStore({ url: database.url, dataDir: database.dataDir });
      b = await openStore({ url: database.url, dataDir: database.dataDir });
    });
    after(async () => {
      await a.close();
      await b.close();
      await database.drop();
    });

    it('migration 0004: rows stored before it have no owner and an expired lease, so the first node takes them', async () => {
      const handle = await openDatabase({ url: database.url, dataDir: database.dataDir });
      try {
        const migrator = new Migrator({ db: handle.db, provider: migrations });
        const down = await migrator.migrateTo('0003-trunks-and-call-queue');
        assert.equal(down.error, undefined);
        const old = newSid('CA');
        await sql`insert into outbound_call_queue (call_sid, account_sid, seq, enqueued_at, data) values (${old}, ${account}, ${7}, ${1234}, ${'{"old":true}'})`.execute(handle.db);
        const up = await migrator.migrateToLatest();
        assert.equal(up.error, undefined);
        const store = storeOver(handle);
        assert.deepEqual(await store.outboundCallQueue.all(), [{ callSid: old, accountSid: account, seq: 7, enqueuedAt: 1234, data: '{"old":true}', owner: null, leaseExpiresAt: 0 }]);
        const taken = await store.outboundCallQueue.adopt('node-a', 5_000, 35_000);
        assert.deepEqual(taken.map((r) => [r.callSid, r.owner, r.leaseExpiresAt]), [[old, 'node-a', 35_000]]);
      } finally {
        await handle.close();
      }
      await clear();
    });

    it('claim at start takes the node’s own rows whatever their lease, and expired rows, in release order; not live leases of others', async () => {
      const now = 100_000;
      const own = [row('node-a', now + 20_000), row('node-a', now - 1)];
      const others = row('node-b', now + 20_000);
      const expired = row('node-b', now);
      const unowned = row(null, 0);
      for (const r of [unowned, others, own[1], expired, own[0]]) await a.outboundCallQueue.insert(r);
      const taken = await a.outboundCallQueue.claim('node-a', now, now + 30_000);
      assert.deepEqual(sids(taken), sids([own[0], own[1], expired, unowned]));
      assert.ok(taken.every((r) => r.owner === 'node-a' && r.leaseExpiresAt === now + 30_000));
      const left = (await a.outboundCallQueue.all()).find((r) => r.callSid === others.callSid);
      assert.deepEqual([left?.owner, left?.leaseExpiresAt], ['node-b', now + 20_000]);
      await clear();
    });

    it('adopt takes only rows whose lease ran out; renew extends all of the node’s rows in one go and names them', async () => {
      const now = 200_000;
      const mine = [row('node-a', now + 10), row('node-a', now + 10)];
      const live = row('node-b', now + 1);
      const dead = row('node-b', now - 5_000);
      for (const r of [...mine, live, dead]) await a.outboundCallQueue.insert(r);
      assert.deepEqual(sids(await a.outboundCallQueue.adopt('node-a', now, now + 30_000)), sids([dead]));
      assert.deepEqual(await b.outboundCallQueue.adopt('node-b', now, now + 30_000), [], 'nothing else has expired');
      const renewed = await a.outboundCallQueue.renew('node-a', now + 40_000);
      assert.deepEqual(new Set(renewed), new Set(sids([...mine, dead])));
      const rows = await a.outboundCallQueue.all();
      assert.deepEqual(rows.filter((r) => r.owner === 'node-a').map((r) => r.leaseExpiresAt), [now + 40_000, now + 40_000, now + 40_000]);
      assert.deepEqual(rows.filter((r) => r.owner === 'node-b').map((r) => r.leaseExpiresAt), [now + 1]);
      assert.deepEqual(await b.outboundCallQueue.renew('node-c', now + 40_000), []);
      await clear();
    });

    it('two nodes racing for the same expired rows: each row goes to exactly one of them', async () => {
      const now = 300_000;
      for (let round = 0; round < 20; round++) {
        const rows = Array.from({ length: 5 }, () => row('node-dead', now - 1));
        for (const r of rows) await a.outboundCallQueue.insert(r);
        // Alternate which kind of claim races, and who goes first.
        const [x, y] = round % 2 === 0
          ? await Promise.all([a.outboundCallQueue.adopt('node-a', now, now + 30_000), b.outboundCallQueue.adopt('node-b', now, now + 30_000)])
          : await Promise.all([b.outboundCallQueue.claim('node-b', now, now + 30_000), a.outboundCallQueue.claim('node-a', now, now + 30_000)]);
        const taken = [...sids(x), ...sids(y)].sort();
        assert.deepEqual(taken, sids(rows).sort(), `round ${round}: every row taken once (${x.length} + ${y.length})`);
        const stored = await a.outboundCallQueue.all();
        const ownerOf = new Map(stored.map((r) => [r.callSid, r.owner]));
        for (const r of x) assert.equal(ownerOf.get(r.callSid), round % 2 === 0 ? 'node-a' : 'node-b');
        for (const r of y) assert.equal(ownerOf.get(r.callSid), round % 2 === 0 ? 'node-b' : 'node-a');
        await clear();
      }
    });

    // The race where it matters: the second UPDATE meets the row locked by the first, uncommitted. PostgreSQL makes
    // it wait and then re-checks its WHERE clause on the row as the first left it. (SQLite has one writer at a time:
    // the second statement cannot start before the first commits, so there is nothing more to show there.)
    it('a claim blocked behind another node’s uncommitted claim gets the rows only if that one rolls back', { skip: dialect.name !== 'postgres' }, async () => {
      const now = 400_000;
      const handle = await openDatabase({ url: database.url, dataDir: database.dataDir });
      try {
        for (const outcome of ['commit', 'rollback'] as const) {
          const rows = Array.from({ length: 3 }, () => row('node-dead', now - 1));
          for (const r of rows) await a.outboundCallQueue.insert(r);
          const trx = await handle.db.startTransaction().execute();
          const first = await new OutboundCallQueueRepository(trx).adopt('node-x', now, now + 30_000);
          assert.equal(first.length, 3);
          const second = a.outboundCallQueue.adopt('node-a', now, now + 30_000);
          // Wait until the second UPDATE is really waiting for the first one's row locks.
          for (let i = 0; ; i++) {
            const waiting = await sql<{ n: number }>`select count(*)::int as n from pg_locks l join pg_stat_activity s on s.pid = l.pid where not l.granted and s.datname = current_database()`.execute(handle.db);
            if (waiting.rows[0].n > 0) break;
            assert.ok(i < 500, 'the second claim never waited for the first');
            await new Promise((resolve) => setTimeout(resolve, 10));
          }
          if (outcome === 'commit') await trx.commit().execute();
          else await trx.rollback().execute();
          const got = await second;
          assert.deepEqual(sids(got), outcome === 'commit' ? [] : sids(rows), outcome);
          const owners = new Set((await a.outboundCallQueue.all()).map((r) => r.owner));
          assert.deepEqual(owners, new Set([outcome === 'commit' ? 'node-x' : 'node-a']));
          await clear();
        }
      } finally {
        await handle.close();
      }
    });
  });
}

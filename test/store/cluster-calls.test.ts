import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Migrator, sql } from 'kysely';
import { newSid } from '../../src/core/index.js';
import { type CallStatus, type NewCall, type Store, openStore, storeOver } from '../../src/store/index.js';
import { openDatabase } from '../../src/store/database.js';
import { migrations } from '../../src/store/migrations/index.js';
import { dialectsUnderTest, type TestDatabase } from '../helpers/databases.js';

const dialects = await dialectsUnderTest();

function call(accountSid: string, status: CallStatus, startTime: number | null = null): NewCall {
  return {
    sid: newSid('CA'), accountSid, parentCallSid: null, to: '+14155550100', from: '+14155550111', phoneNumberSid: null,
    status, startTime, endTime: null, duration: null, price: null, priceUnit: 'USD', direction: 'inbound',
    answeredBy: null, apiVersion: '2010-04-01', forwardedFrom: null, groupSid: null, callerName: null, queueTime: 0,
    trunkSid: null, dateCreated: 1_000, dateUpdated: 1_000,
  };
}

/**
 * Whose calls are whose in a cluster, on each dialect: every node's store stamps its node id on the calls it creates
 * or places; a start closes only the node's own (and legacy) orphans; the sweep closes a dead node's calls, once.
 */
for (const dialect of dialects) {
  describe(`call records of cluster nodes on ${dialect.name}`, () => {
    let database: TestDatabase;
    // Three nodes, each its own connection (pool) to the one database, and a store of no node (tools, old code).
    let a: Store;
    let b: Store;
    let c: Store;
    let plain: Store;
    const account = newSid('AC');
    const status = async (sid: string) => (await a.calls.get(sid))?.status;

    before(async () => {
      database = await dialect.create();
      a = await openStore({ url: database.url, dataDir: database.dataDir, nodeId: 'node-a' });
      b = await openStore({ url: database.url, dataDir: database.dataDir, nodeId: 'node-b' });
      c = await openStore({ url: database.url, dataDir: database.dataDir, nodeId: 'node-c' });
      plain = await openStore({ url: database.url, dataDir: database.dataDir });
    });
    after(async () => {
      for (const s of [a, b, c, plain]) await s.close();
      await database.drop();
    });

    it('migration 0005: calls stored before it have no node; cluster_nodes starts empty', async () => {
      const handle = await openDatabase({ url: database.url, dataDir: database.dataDir });
      try {
        const migrator = new Migrator({ db: handle.db, provider: migrations });
        assert.equal((await migrator.migrateTo('0004-outbound-call-queue-leases')).error, undefined);
        const old = newSid('CA');
        await sql`insert into calls (sid, account_sid, "to", "from", status, price_unit, direction, api_version, queue_time, date_created, date_updated)
          values (${old}, ${account}, ${'+1'}, ${'+2'}, ${'completed'}, ${'USD'}, ${'inbound'}, ${'2010-04-01'}, ${0}, ${1}, ${1})`.execute(handle.db);
        assert.equal((await migrator.migrateToLatest()).error, undefined);
        const store = storeOver(handle);
        assert.equal((await store.calls.get(old))?.nodeId, null);
        assert.deepEqual(await store.clusterNodes.all(), []);
        await store.calls.delete(old);
      } finally {
        await handle.close();
      }
    });

    it('stamps the node on created calls, and getOwned reads it back like get', async () => {
      const created = await a.calls.create(call(account, 'ringing'));
      assert.equal(created.nodeId, 'node-a');
      assert.deepEqual(await b.calls.get(created.sid), created);
      assert.deepEqual(await b.calls.getOwned(account, created.sid), created);
      assert.equal((await plain.calls.create(call(account, 'completed'))).nodeId, null);
      await a.calls.delete(created.sid);
    });

    it('closeOrphans at a start closes the node’s own live calls and legacy ones, never another node’s', async () => {
      const now = 500_000;
      const mine = await a.calls.create(call(account, 'in-progress', now - 30_000));
      const mineRinging = await a.calls.create(call(account, 'ringing'));
      const legacy = await plain.calls.create(call(account, 'in-progress', now - 10_000));
      const theirs = await b.calls.create(call(account, 'in-progress', now - 10_000));
      const theirsRinging = await b.calls.create(call(account, 'initiated'));
      // Queued and still waiting in the outbound queue: not an orphan, whoever's it is.
      const waiting = await a.calls.create(call(account, 'queued'));
      await a.outboundCallQueue.insert({ callSid: waiting.sid, accountSid: account, seq: 1, enqueuedAt: 1, data: null, owner: 'node-a', leaseExpiresAt: now });

      assert.equal(await a.calls.closeOrphans(now), 3);
      const closed = await a.calls.get(mine.sid);
      assert.deepEqual([closed?.status, closed?.endTime, closed?.duration], ['completed', now, 30]);
      assert.equal(await status(mineRinging.sid), 'failed');
      assert.equal(await status(legacy.sid), 'completed');
      assert.equal(await status(theirs.sid), 'in-progress');
      assert.equal(await status(theirsRinging.sid), 'initiated');
      assert.equal(await status(waiting.sid), 'queued');

      assert.equal(await b.calls.closeOrphans(now), 2, 'B’s own restart closes B’s');
      assert.equal(await status(theirs.sid), 'completed');
      assert.equal(await status(theirsRinging.sid), 'failed');
      await a.outboundCallQueue.remove(waiting.sid);
      assert.equal(await a.calls.closeOrphans(now), 1, 'a queued call whose row is gone is an orphan');
    });

    it('the sweep closes the live calls of a node silent past the grace period, once; not a live node’s, not its own', async () => {
      const now = 1_000_000;
      const grace = 60_000;
      await a.clusterNodes.heartbeat('node-a', now);
      await b.clusterNodes.heartbeat('node-b', now - grace - 1);
      await c.clusterNodes.heartbeat('node-c', now - grace);
      const deadAnswered = await b.calls.create(call(account, 'in-progress', now - 42_000));
      const deadRinging = await b.calls.create(call(account, 'ringing'));
      const deadWaiting = await b.calls.create(call(account, 'queued'));
      await b.outboundCallQueue.insert({ callSid: deadWaiting.sid, accountSid: account, seq: 2, enqueuedAt: 1, data: null, owner: 'node-b', leaseExpiresAt: 0 });
      const deadDone = await b.calls.create(call(account, 'completed'));
      const atTheLimit = await c.calls.create(call(account, 'in-progress', now - 1_000));
      const legacy = await plain.calls.create(call(account, 'in-progress', now - 1_000));
      // A node with no row at all (it never beat, or was forgotten) is as dead as a silent one.
      const unknown = await storeOver(await openDatabase({ url: database.url, dataDir: database.dataDir }), { nodeId: 'node-x' });
      const orphanOfUnknown = await unknown.calls.create(call(account, 'initiated'));
      await unknown.close();

      const closed = await a.calls.closeAbandoned(now, now - grace);
      assert.deepEqual(new Set(closed), new Set([deadAnswered.sid, deadRinging.sid, orphanOfUnknown.sid]));
      const answered = await a.calls.get(deadAnswered.sid);
      assert.deepEqual([answered?.status, answered?.endTime, answered?.duration, answered?.nodeId], ['completed', now, 42, 'node-b']);
      assert.equal(await status(deadRinging.sid), 'failed');
      assert.equal(await status(orphanOfUnknown.sid), 'failed');
      assert.equal(await status(deadWaiting.sid), 'queued', 'a survivor’s queue adopts it instead');
      assert.equal(await status(deadDone.sid), 'completed');
      assert.equal(await status(atTheLimit.sid), 'in-progress', 'seen exactly grace ago: still alive');
      assert.equal(await status(legacy.sid), 'in-progress', 'legacy calls are closed by closeOrphans only');
      assert.deepEqual(await c.calls.closeAbandoned(now, now - grace), [], 'another sweep finds nothing left');
      // B itself never closes its own calls this way, however stale its heartbeat.
      const own = await b.calls.create(call(account, 'in-progress', now));
      assert.deepEqual(await b.calls.closeAbandoned(now, now - grace), []);
      assert.equal(await status(own.sid), 'in-progress');

      // B is forgotten only once it holds no live call (its waiting call is still queued).
      assert.deepEqual(await a.clusterNodes.prune(now - grace), []);
      await b.outboundCallQueue.remove(deadWaiting.sid);
      await b.calls.update(deadWaiting.sid, { status: 'canceled' });
      await b.calls.update(own.sid, { status: 'completed' });
      assert.deepEqual(await a.clusterNodes.prune(now - grace), ['node-b']);
      assert.deepEqual((await a.clusterNodes.all()).map((n) => n.nodeId), ['node-a', 'node-c']);
      // It comes back: the heartbeat inserts its row again.
      await b.clusterNodes.heartbeat('node-b', now + 1);
      assert.equal((await a.clusterNodes.all()).find((n) => n.nodeId === 'node-b')?.seenAt, now + 1);
      assert.equal(await b.clusterNodes.remove('node-b'), true);
      await plain.calls.update(legacy.sid, { status: 'completed' });
      await c.calls.update(atTheLimit.sid, { status: 'completed' });
    });

    it('two nodes sweeping at once close each of a dead node’s calls exactly once', async () => {
      let now = 2_000_000;
      const grace = 60_000;
      for (let round = 0; round < 10; round++) {
        now += 100_000;
        await a.clusterNodes.heartbeat('node-a', now);
        await c.clusterNodes.heartbeat('node-c', now);
        const calls = [];
        for (let i = 0; i < 8; i++) calls.push(await b.calls.create(call(account, i % 2 ? 'in-progress' : 'ringing', now - 5_000)));
        const [byA, byC] = await Promise.all([a.calls.closeAbandoned(now, now - grace), c.calls.closeAbandoned(now, now - grace)]);
        const all = [...byA, ...byC];
        assert.equal(new Set(all).size, all.length, `a call closed twice in round ${round}`);
        assert.deepEqual(new Set(all), new Set(calls.map((x) => x.sid)));
      }
    });

    it('initiateQueued: a queued call becomes the placing node’s once, and never after it left queued', async () => {
      // Created (queued) on A, placed by B after adopting its queue row.
      const queued = await a.calls.create(call(account, 'queued'));
      const results = await Promise.all([b.calls.initiateQueued(queued.sid, { queueTime: 1_500, now: 9_000 }), c.calls.initiateQueued(queued.sid, { queueTime: 1_500, now: 9_000 })]);
      assert.deepEqual(results.filter(Boolean).length, 1, 'one of two placing nodes gets it');
      const placed = await a.calls.get(queued.sid);
      assert.deepEqual([placed?.status, placed?.queueTime, placed?.dateUpdated], ['initiated', 1_500, 9_000]);
      assert.equal(placed?.nodeId, results[0] ? 'node-b' : 'node-c');
      assert.equal(await a.calls.initiateQueued(queued.sid, { queueTime: 0, now: 9_001 }), false);
      const canceled = await a.calls.create(call(account, 'canceled'));
      assert.equal(await b.calls.initiateQueued(canceled.sid, { queueTime: 0, now: 9_001 }), false);
      assert.equal(await b.calls.initiateQueued(newSid('CA'), { queueTime: 0, now: 9_001 }), false);
    });

    it('dropPlaced deletes the rows about to be taken whose call left queued, and only those', async () => {
      const now = 3_000_000;
      const row = (callSid: string, owner: string, leaseExpiresAt: number) => ({ callSid, accountSid: account, seq: 9, enqueuedAt: 1, data: null, owner, leaseExpiresAt });
      const placedExpired = await a.calls.create(call(account, 'initiated'));
      const placedLive = await a.calls.create(call(account, 'in-progress'));
      const placedMine = await b.calls.create(call(account, 'completed'));
      const waiting = await a.calls.create(call(account, 'queued'));
      const noRecord = newSid('CA');
      await a.outboundCallQueue.insert(row(placedExpired.sid, 'node-a', now));
      await a.outboundCallQueue.insert(row(placedLive.sid, 'node-a', now + 1));
      await a.outboundCallQueue.insert(row(placedMine.sid, 'node-b', now + 1));
      await a.outboundCallQueue.insert(row(waiting.sid, 'node-a', now));
      await a.outboundCallQueue.insert(row(noRecord, 'node-a', now));
      assert.deepEqual(await b.outboundCallQueue.dropPlaced('node-b', now, 'adopt'), [placedExpired.sid], 'adopt: expired rows only');
      assert.deepEqual(await b.outboundCallQueue.dropPlaced('node-b', now, 'claim'), [placedMine.sid], 'claim: its own rows too');
      assert.deepEqual((await a.outboundCallQueue.all()).map((r) => r.callSid).sort(), [placedLive.sid, waiting.sid, noRecord].sort());
      for (const r of await a.outboundCallQueue.all()) await a.outboundCallQueue.remove(r.callSid);
    });
  });
}

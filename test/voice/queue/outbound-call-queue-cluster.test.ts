import { afterEach, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock, newSid, silentLogger } from '../../../src/core/index.js';
import { type Store, openStore } from '../../../src/store/index.js';
import { OutboundCallQueue, type OutboundCallQueueOptions, type ReleasedCall } from '../../../src/voice/queue/index.js';
import { dialectsUnderTest, type TestDatabase } from '../../helpers/databases.js';

const dialects = await dialectsUnderTest();

/**
 * Several nodes' queues over one database (each node its own connection, as in a cluster), one fake clock: a waiting
 * call is placed by exactly one node, a dead node's calls by a survivor once their lease runs out, and a restarted
 * node's by itself at once.
 */
for (const dialect of dialects) {
  describe(`OutboundCallQueue, several nodes on one ${dialect.name} database`, () => {
    const LEASE_MS = 3_000;
    const RENEW_MS = 1_000;
    const X = newSid('AC');
    let database: TestDatabase;
    let clock: FakeClock;
    let stores: Store[];
    let queues: OutboundCallQueue[];
    let released: Array<{ node: string; callSid: string }>;

    beforeEach(async () => {
      database = await dialect.create();
      clock = new FakeClock();
      stores = [];
      queues = [];
      released = [];
    });
    afterEach(async () => {
      for (const q of queues) await q.stop();
      for (const s of stores) await s.close();
      await database.drop();
    });

    async function openNodeStore(): Promise<Store> {
      // On SQLite the nodes share the file in the one data directory; on PostgreSQL each has its own pool.
      const store = await openStore({ url: database.url, dataDir: database.dataDir });
      stores.push(store);
      return store;
    }

    /** A node's queue, started; `label` tells its releases apart from another run of the same node id. */
    async function node(nodeId: string, options: { label?: string; store?: Store } & Partial<OutboundCallQueueOptions> = {}): Promise<OutboundCallQueue> {
      const { label = nodeId, store = await openNodeStore(), ...rest } = options;
      const q = new OutboundCallQueue({
        store, clock, logger: silentLogger(), nodeId, leaseMs: LEASE_MS, leaseRenewMs: RENEW_MS,
        release: (call) => {
          released.push({ node: label, callSid: call.callSid });
        },
        ...rest,
      });
      queues.push(q);
      await q.start();
      return q;
    }

    /** Fake time in small steps, letting every node's store round trips finish after each. */
    async function advance(ms: number): Promise<void> {
      for (let t = 0; t < ms; t += 250) {
        clock.advance(250);
        for (const q of queues) await q.flush();
      }
    }

    const by = (label: string) => released.filter((r) => r.node === label).map((r) => r.callSid);
    const assertEachOnce = () => {
      const sids = released.map((r) => r.callSid);
      assert.equal(new Set(sids).size, sids.length, `a call was placed twice: ${JSON.stringify(released)}`);
    };

    it('a starting node leaves another’s waiting calls alone; when that node dies, it places each of them once, after the lease', async () => {
      const a = await node('node-a');
      const store = stores[0];
      // One call at a time for X, and the first never ends: the others wait.
      await store.accountCallLimits.set(X, { maxConcurrentCalls: 1 }, 0);
      const sids = Array.from({ length: 4 }, () => newSid('CA'));
      for (const callSid of sids) await a.submit({ callSid, accountSid: X });
      assert.deepEqual(by('node-a'), [sids[0]]);
      assert.equal(a.depth(X), 3);

      const b = await node('node-b');
      assert.equal(b.depth(), 0, 'B reloads none of A’s rows');
      await advance(4 * LEASE_MS);
      assert.equal(b.depth(), 0, 'A keeps renewing; B adopts nothing');
      assert.deepEqual(by('node-b'), []);

      // A dies: its timers stop, its rows stay in the store, still leased to it.
      const remaining = a.waiting(X).map((c) => c.callSid);
      assert.ok(remaining.length > 0);
      await a.stop();
      // Whoever places them next may place them all.
      await store.accountCallLimits.set(X, { maxConcurrentCalls: null, callsPerSecond: 10 }, 0);
      assert.deepEqual(new Set((await store.outboundCallQueue.all()).map((r) => r.owner)), new Set(['node-a']));
      await advance(LEASE_MS - 2 * RENEW_MS);
      assert.deepEqual(by('node-b'), [], 'not before the lease runs out');

      await advance(2 * LEASE_MS);
      assert.deepEqual(by('node-b'), remaining, 'B places the calls A left, in their order');
      assert.deepEqual([...by('node-a'), ...by('node-b')], sids);
      assertEachOnce();
      assert.equal(b.depth(), 0);
      assert.deepEqual(await store.outboundCallQueue.all(), []);
    });

    it('a node restarting with its id takes its own waiting calls back at once; another node does not get them', async () => {
      const a = await node('node-a', { label: 'a, first run' });
      const store = stores[0];
      await store.accountCallLimits.set(X, { maxConcurrentCalls: 1 }, 0);
      const sids = Array.from({ length: 3 }, () => newSid('CA'));
      for (const callSid of sids) await a.submit({ callSid, accountSid: X });
      await a.stop();
      const b = await node('node-b');
      assert.equal(b.depth(), 0);

      // Same moment, same node id: no waiting for the lease.
      const again = await node('node-a', { label: 'a, second run' });
      assert.deepEqual(by('a, second run'), [sids[1]], 'released as soon as it started');
      assert.deepEqual(again.waiting(X).map((c) => c.callSid), [sids[2]]);
      again.callEnded(X);
      await advance(3 * LEASE_MS);
      assert.deepEqual(by('a, second run'), [sids[1], sids[2]]);
      assert.deepEqual(by('node-b'), []);
      assertEachOnce();
      assert.deepEqual(await store.outboundCallQueue.all(), []);
    });

    it('a node cut off from the store stops placing its calls before their lease ends, and drops those another node took', async () => {
      const storeA = await openNodeStore();
      const repo = storeA.outboundCallQueue;
      let cutOff = false;
      for (const method of ['renew', 'adopt'] as const) {
        const original = repo[method].bind(repo) as (...args: unknown[]) => Promise<unknown>;
        (repo as unknown as Record<string, unknown>)[method] = async (...args: unknown[]) => {
          if (cutOff) throw new Error('store unreachable');
          return original(...args);
        };
      }
      const a = await node('node-a', { store: storeA });
      await storeA.accountCallLimits.set(X, { maxConcurrentCalls: 1 }, 0);
      const sids = Array.from({ length: 3 }, () => newSid('CA'));
      for (const callSid of sids) await a.submit({ callSid, accountSid: X });
      const b = await node('node-b');

      cutOff = true;
      await advance(2 * LEASE_MS);
      assert.deepEqual(by('node-b'), [sids[1]], 'B adopted both waiting calls and placed the first');
      assert.equal(b.depth(X), 1);
      // A's slot frees, but its lease is gone: it must not place the call B holds now.
      a.callEnded(X);
      assert.deepEqual(by('node-a'), [sids[0]]);
      assert.equal(a.depth(X), 2, 'held, not placed');

      cutOff = false;
      await advance(RENEW_MS);
      assert.equal(a.depth(), 0, 'the renewal showed A the rows are B’s: dropped');
      b.callEnded(X);
      assert.deepEqual(by('node-b'), [sids[1], sids[2]]);
      assertEachOnce();
      await advance(RENEW_MS);
      assert.deepEqual(await storeA.outboundCallQueue.all(), []);
    });

    it('retries the delete of a released call’s row rather than placing the call again', async () => {
      const store = await openNodeStore();
      let failing = false;
      const remove = store.outboundCallQueue.remove.bind(store.outboundCallQueue);
      store.outboundCallQueue.remove = async (callSid) => {
        if (failing) throw new Error('store unreachable');
        return remove(callSid);
      };
      const a = await node('node-a', { store });
      const sids = [newSid('CA'), newSid('CA')];
      for (const callSid of sids) await a.submit({ callSid, accountSid: X });
      failing = true;
      await advance(3 * LEASE_MS);
      assert.deepEqual(by('node-a'), sids);
      assert.deepEqual((await store.outboundCallQueue.all()).map((r) => r.callSid), [sids[1]], 'released, but its row is still there');
      failing = false;
      await advance(RENEW_MS);
      assert.deepEqual(await store.outboundCallQueue.all(), []);
      assertEachOnce();
    });

    for (const guard of ['the adopting queue', 'the placing node'] as const) {
      it(`a call placed by a node that died before deleting its row is not placed again where the row is adopted (caught by ${guard})`, async () => {
        const storeA = await openNodeStore();
        const storeB = await openNodeStore();
        // A dies between a call's record leaving `queued` (before its INVITE) and the delete of its queue row.
        let dead = false;
        const remove = storeA.outboundCallQueue.remove.bind(storeA.outboundCallQueue);
        storeA.outboundCallQueue.remove = async (callSid) => {
          if (dead) throw new Error('the node is gone');
          return remove(callSid);
        };
        if (guard === 'the placing node') storeB.outboundCallQueue.dropPlaced = async () => [];
        // As OriginateService places a released call: the INVITE goes only if the record was still queued.
        const placing: Array<Promise<unknown>> = [];
        const place = (label: string, store: Store) => (call: ReleasedCall) => {
          const placed = store.calls.initiateQueued(call.callSid, { queueTime: call.waitedMs, now: clock.now() }).then((ok) => {
            if (ok) released.push({ node: label, callSid: call.callSid });
          });
          placing.push(placed);
          return placed;
        };
        const a = await node('node-a', { store: storeA, release: place('node-a', storeA) });
        await storeA.accountCallLimits.set(X, { maxConcurrentCalls: 1 }, 0);
        const sids: string[] = [];
        for (let i = 0; i < 3; i++) {
          const record = await storeA.calls.create({
            sid: newSid('CA'), accountSid: X, parentCallSid: null, to: '+14155550100', from: '+14155550111', phoneNumberSid: null,
            status: 'queued', startTime: null, endTime: null, duration: null, price: null, priceUnit: 'USD', direction: 'outbound-api',
            answeredBy: null, apiVersion: '2010-04-01', forwardedFrom: null, groupSid: null, callerName: null, queueTime: 0, trunkSid: null,
            dateCreated: clock.now(), dateUpdated: clock.now(),
          });
          sids.push(record.sid);
          await a.submit({ callSid: record.sid, accountSid: X });
        }
        dead = true;
        a.callEnded(X);
        // One call per second for X (the default).
        await advance(1_000);
        await Promise.all(placing);
        assert.deepEqual(by('node-a'), [sids[0], sids[1]]);
        await a.stop();
        assert.deepEqual((await storeA.outboundCallQueue.all()).map((r) => r.callSid), [sids[1], sids[2]], 'A placed the second call and left its row');

        await storeB.accountCallLimits.set(X, { maxConcurrentCalls: null, callsPerSecond: 10 }, 0);
        // With the queue as the guard, B counts every call its queue releases as placed.
        const releaseB = guard === 'the placing node' ? place('node-b', storeB) : (call: ReleasedCall) => void released.push({ node: 'node-b', callSid: call.callSid });
        await node('node-b', { store: storeB, release: releaseB });
        await advance(2 * LEASE_MS);
        await Promise.all(placing);
        assert.deepEqual(by('node-b'), [sids[2]], 'B places the call still queued, not the one A placed');
        assertEachOnce();
        assert.deepEqual(await storeB.outboundCallQueue.all(), []);
        if (guard === 'the placing node') assert.equal((await storeB.calls.get(sids[2]))?.status, 'initiated');
      });
    }

    it('calls adopted in the store but not reloaded (limits unreadable) are taken in by the next round', async () => {
      const a = await node('node-a');
      await stores[0].accountCallLimits.set(X, { maxConcurrentCalls: 1 }, 0);
      const sids = [newSid('CA'), newSid('CA')];
      for (const callSid of sids) await a.submit({ callSid, accountSid: X });
      await a.stop();
      const storeB = await openNodeStore();
      let failing = false;
      const get = storeB.accountCallLimits.get.bind(storeB.accountCallLimits);
      storeB.accountCallLimits.get = async (accountSid) => {
        if (failing) throw new Error('store unreachable');
        return get(accountSid);
      };
      const b = await node('node-b', { store: storeB });
      failing = true;
      await advance(2 * LEASE_MS);
      assert.equal(b.depth(), 0, 'taken in the store, not loaded');
      assert.deepEqual(new Set((await storeB.outboundCallQueue.all()).map((r) => r.owner)), new Set(['node-b']));
      failing = false;
      await advance(RENEW_MS);
      assert.deepEqual(by('node-b'), [sids[1]]);
      assertEachOnce();
    });
  });
}

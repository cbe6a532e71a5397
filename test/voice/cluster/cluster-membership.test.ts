import { afterEach, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock, newSid, silentLogger } from '../../../src/core/index.js';
import { type CallStatus, type NewCall, type Store, openStore } from '../../../src/store/index.js';
import { ClusterMembership } from '../../../src/voice/index.js';
import { dialectsUnderTest, type TestDatabase } from '../../helpers/databases.js';

const dialects = await dialectsUnderTest();
const HEARTBEAT_MS = 1_000;
const GRACE_MS = 5_000;
const START = 1_700_000_000_000;

function call(status: CallStatus): NewCall {
  return {
    sid: newSid('CA'), accountSid: newSid('AC'), parentCallSid: null, to: '+14155550100', from: '+14155550111', phoneNumberSid: null,
    status, startTime: status === 'in-progress' ? START : null, endTime: null, duration: null, price: null, priceUnit: 'USD',
    direction: 'inbound', answeredBy: null, apiVersion: '2010-04-01', forwardedFrom: null, groupSid: null, callerName: null,
    queueTime: 0, trunkSid: null, dateCreated: START, dateUpdated: START,
  };
}

/**
 * Nodes' memberships over one database, each node with its own fake clock: a node whose clock stands still sends no
 * more heartbeats, as a dead one would, while the others' time goes on.
 */
for (const dialect of dialects) {
  describe(`ClusterMembership on ${dialect.name}`, () => {
    let database: TestDatabase;
    let nodes: Array<{ store: Store; clock: FakeClock; membership: ClusterMembership }>;

    beforeEach(async () => {
      database = await dialect.create();
      nodes = [];
    });
    afterEach(async () => {
      for (const n of nodes) await n.membership.close();
      for (const n of nodes) await n.store.close();
      await database.drop();
    });

    async function node(nodeId: string, start = true) {
      const store = await openStore({ url: database.url, dataDir: database.dataDir, nodeId });
      const clock = new FakeClock(START);
      const membership = new ClusterMembership({ store, nodeId, clock, logger: silentLogger(), heartbeatMs: HEARTBEAT_MS, graceMs: GRACE_MS });
      const n = { store, clock, membership };
      nodes.push(n);
      if (start) await membership.start();
      return n;
    }

    /** Advances the given nodes' clocks in heartbeat steps, letting each round's store writes finish. */
    async function advance(ms: number, ...which: Array<{ clock: FakeClock }>): Promise<void> {
      for (let t = 0; t < ms; t += HEARTBEAT_MS / 4) {
        for (const n of which) n.clock.advance(HEARTBEAT_MS / 4);
        for (const n of nodes) await n.membership.idle();
      }
    }

    it('a starting node joins, and closes only its own calls left live, not a running node’s', async () => {
      const b = await node('node-b');
      const bCall = await b.store.calls.create(call('in-progress'));
      // A's previous run left a call live.
      const previous = await openStore({ url: database.url, dataDir: database.dataDir, nodeId: 'node-a' });
      const aOld = await previous.calls.create(call('ringing'));
      await previous.close();

      const a = await node('node-a');
      assert.equal((await a.store.calls.get(aOld.sid))?.status, 'failed');
      assert.equal((await a.store.calls.get(bCall.sid))?.status, 'in-progress');
      assert.deepEqual((await a.store.clusterNodes.all()).map((n) => n.nodeId), ['node-a', 'node-b']);
      assert.throws(() => new ClusterMembership({ store: a.store, nodeId: 'x', clock: a.clock, logger: silentLogger(), heartbeatMs: 1_000, graceMs: 2_000 }), RangeError);
    });

    it('a node that stops beating has its live calls closed by the others after the grace period; a beating node keeps them', async () => {
      const a = await node('node-a');
      const b = await node('node-b');
      const c = await node('node-c');
      const bCalls = [await b.store.calls.create(call('in-progress')), await b.store.calls.create(call('ringing'))];
      const cCall = await c.store.calls.create(call('in-progress'));
      const status = async (sid: string) => (await a.store.calls.get(sid))?.status;

      // All three run for a while: nothing is closed.
      await advance(3 * GRACE_MS, a, b, c);
      for (const x of [...bCalls, cCall]) assert.notEqual(await status(x.sid), 'completed');

      // B dies: its clock stops, so it beats no more; A and C go on.
      await advance(GRACE_MS - 2 * HEARTBEAT_MS, a, c);
      assert.equal(await status(bCalls[0].sid), 'in-progress', 'not before the grace period');
      await advance(3 * HEARTBEAT_MS, a, c);
      assert.equal(await status(bCalls[0].sid), 'completed');
      const closed = await a.store.calls.get(bCalls[0].sid);
      assert.ok(closed?.endTime !== null && closed?.endTime !== undefined && closed.duration !== null);
      assert.equal(await status(bCalls[1].sid), 'failed');
      assert.equal(await status(cCall.sid), 'in-progress', 'C keeps beating: its call stays');
      assert.deepEqual((await a.store.clusterNodes.all()).map((n) => n.nodeId), ['node-a', 'node-c'], 'B, without live calls, is forgotten');
    });

    it('a clean stop removes the node’s heartbeat', async () => {
      const a = await node('node-a');
      const b = await node('node-b');
      await advance(2 * HEARTBEAT_MS, a, b);
      await b.membership.close();
      assert.deepEqual((await a.store.clusterNodes.all()).map((n) => n.nodeId), ['node-a']);
    });
  });
}

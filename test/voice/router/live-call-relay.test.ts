/**
 * LiveCallRelay: live control of a call held by another node. Two or three relays on one bus stand for cluster
 * nodes, with fake holders of live calls; the same runs over the in-process bus and over real Redis (two connections
 * per node, as in cluster mode). The end-to-end version with SIPp and two servers is test/voice/e2e/cluster-control.
 */
import { afterEach, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { type Bus, InProcessBus, RedisBus } from '../../../src/bus/index.js';
import { FakeClock, newSid, silentLogger } from '../../../src/core/index.js';
import { type LiveCallChange, type LiveCallControl, LiveCallRelay } from '../../../src/voice/index.js';
import { REDIS_URL, redisSkipReason } from '../../helpers/redis.js';

const ACCOUNT = newSid('AC');

/** The live calls one node holds; records every change it carried out. */
class FakeHolder implements LiveCallControl {
  readonly changes: Array<{ callSid: string; change: LiveCallChange }> = [];
  failWith: Error | undefined;

  constructor(private readonly calls: Set<string> = new Set()) {}

  hold(callSid: string): this {
    this.calls.add(callSid);
    return this;
  }

  async update(accountSid: string, callSid: string, change: LiveCallChange): Promise<'updated' | 'not-live'> {
    if (accountSid !== ACCOUNT || !this.calls.has(callSid)) return 'not-live';
    if (this.failWith) throw this.failWith;
    this.changes.push({ callSid, change });
    return 'updated';
  }
}

const REDIRECT: LiveCallChange = { kind: 'redirect', source: { kind: 'url', url: 'https://app.example.com/next?x=1', method: 'GET' } };
const HANGUP: LiveCallChange = { kind: 'status', status: 'completed' };

/** Cluster nodes for one test: on the in-process bus they share it, over Redis each has its own connections. */
type Cluster = { bus: (i: number) => Promise<Bus>; close(): Promise<void> };

function suite(name: string, cluster: () => Cluster, skip: string | false) {
  describe(`LiveCallRelay over the ${name} bus`, { skip }, () => {
    let nodes: Cluster;
    let relays: LiveCallRelay[];
    let clock: FakeClock;

    beforeEach(() => {
      nodes = cluster();
      relays = [];
      clock = new FakeClock();
    });
    afterEach(async () => {
      for (const r of relays) r.close();
      await nodes.close();
    });

    /** Node i with these holders; node 0 asks in every test. */
    async function node(i: number, holder: FakeHolder, answerTimeoutMs?: number): Promise<LiveCallRelay> {
      const relay = new LiveCallRelay({ holders: [holder], bus: await nodes.bus(i), clock, logger: silentLogger(), ...(answerTimeoutMs ? { answerTimeoutMs } : {}) });
      await relay.start();
      relays.push(relay);
      return relay;
    }

    it('carries out a change on this node without asking the others', async () => {
      const sid = newSid('CA');
      const here = new FakeHolder().hold(sid);
      const other = new FakeHolder().hold(sid);
      const asking = await node(0, here);
      await node(1, other);
      assert.equal(await asking.update(ACCOUNT, sid, HANGUP), 'updated');
      assert.deepEqual(here.changes, [{ callSid: sid, change: HANGUP }]);
      assert.deepEqual(other.changes, []);
    });

    it('sends a change to the node that holds the call, intact, and says updated', async () => {
      const sid = newSid('CA');
      const owner = new FakeHolder().hold(sid);
      const asking = await node(0, new FakeHolder());
      await node(1, new FakeHolder());
      await node(2, owner);
      assert.equal(await asking.update(ACCOUNT, sid, REDIRECT), 'updated');
      assert.equal(await asking.update(ACCOUNT, sid, HANGUP), 'updated');
      assert.deepEqual(owner.changes, [{ callSid: sid, change: REDIRECT }, { callSid: sid, change: HANGUP }]);
    });

    it('says not-live once every other node has answered, without waiting for the timeout', async () => {
      const asking = await node(0, new FakeHolder());
      await node(1, new FakeHolder().hold(newSid('CA')));
      await node(2, new FakeHolder());
      // The fake clock never advances: waiting for the timeout would hang the test.
      assert.equal(await asking.update(ACCOUNT, newSid('CA'), HANGUP), 'not-live');
    });

    it('says not-live at once when there is no other node', async () => {
      const asking = await node(0, new FakeHolder());
      assert.equal(await asking.update(ACCOUNT, newSid('CA'), HANGUP), 'not-live');
    });

    it('does not let another account control the call', async () => {
      const sid = newSid('CA');
      const owner = new FakeHolder().hold(sid);
      const asking = await node(0, new FakeHolder());
      await node(1, owner);
      assert.equal(await asking.update(newSid('AC'), sid, HANGUP), 'not-live');
      assert.deepEqual(owner.changes, []);
    });

    it('reports a failure on the owning node as an error', async () => {
      const sid = newSid('CA');
      const owner = new FakeHolder().hold(sid);
      owner.failWith = new Error('BYE could not be sent');
      const asking = await node(0, new FakeHolder());
      await node(1, owner);
      await assert.rejects(asking.update(ACCOUNT, sid, HANGUP), /BYE could not be sent/);
    });

    it('takes the call as live nowhere after the timeout when a node never answers (it died)', async () => {
      const asking = await node(0, new FakeHolder(), 5_000);
      await (await nodes.bus(1)).subscribe('call.control', () => undefined);
      let outcome: string | undefined;
      const pending = asking.update(ACCOUNT, newSid('CA'), HANGUP).then((o) => (outcome = o));
      await new Promise((resolve) => setTimeout(resolve, 100));
      assert.equal(outcome, undefined, 'still waiting for the silent node');
      clock.advance(5_000);
      await pending;
      assert.equal(outcome, 'not-live');
    });

    it('ignores malformed requests and answers on the bus', async () => {
      const sid = newSid('CA');
      const owner = new FakeHolder().hold(sid);
      const asking = await node(0, new FakeHolder());
      await node(1, owner);
      const bus = await nodes.bus(2);
      await bus.publish('call.control', { id: 'x', replyTo: 'nowhere', accountSid: ACCOUNT, callSid: sid, change: { kind: 'status', status: 'paused' } });
      await bus.publish('call.control', 'not an object');
      assert.equal(await asking.update(ACCOUNT, sid, HANGUP), 'updated');
      assert.deepEqual(owner.changes, [{ callSid: sid, change: HANGUP }]);
    });
  });
}

suite('in-process', () => {
  const bus = new InProcessBus(silentLogger());
  return { bus: async () => bus, close: () => bus.close() };
}, false);

// Each run has its own channel prefix, so concurrent test runs on one Redis never see each other's nodes.
suite('Redis', () => {
  const prefix = `patchbay-test-${randomUUID()}:`;
  const buses = new Map<number, Promise<RedisBus>>();
  return {
    bus: (i) => {
      if (!buses.has(i)) buses.set(i, RedisBus.connect(REDIS_URL, silentLogger(), prefix));
      return buses.get(i)!;
    },
    close: async () => {
      for (const b of buses.values()) await (await b).close();
    },
  };
}, await redisSkipReason());

/**
 * An account's calls per second across a cluster: two nodes' queues over one store, pacing through shared rate slots.
 * First with slots kept against the fake clock (exact times), then with RedisRateSlots on a real Redis and the
 * system clock.
 */
import { afterEach, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type RateSlots, RedisRateSlots } from '../../../src/bus/index.js';
import { type Clock, FakeClock, newSid, silentLogger, systemClock } from '../../../src/core/index.js';
import { type Store, openStore } from '../../../src/store/index.js';
import { OutboundCallQueue } from '../../../src/voice/queue/index.js';
import { REDIS_URL, redisSkipReason } from '../../helpers/redis.js';

/** What RedisRateSlots does, against the test's clock. */
class ClockRateSlots implements RateSlots {
  private readonly next = new Map<string, number>();
  failing = false;
  constructor(private readonly clock: Clock) {}
  async reserve(key: string, intervalMs: number): Promise<number> {
    if (this.failing) throw new Error('Redis is down');
    const now = this.clock.now();
    const slot = Math.max(now, this.next.get(key) ?? -Infinity);
    this.next.set(key, slot + intervalMs);
    return slot - now;
  }
}

interface Release { node: string; callSid: string; at: number }

function cluster(clock: Clock) {
  let dir: string;
  const stores: Store[] = [];
  const queues: OutboundCallQueue[] = [];
  const released: Release[] = [];
  return {
    released,
    stores,
    async open() {
      dir = mkdtempSync(path.join(tmpdir(), 'patchbay-cps-'));
    },
    async node(nodeId: string, rateSlots: RateSlots | undefined): Promise<OutboundCallQueue> {
      const store = await openStore({ dataDir: dir });
      stores.push(store);
      const q = new OutboundCallQueue({
        store, clock, logger: silentLogger(), nodeId, ...(rateSlots ? { rateSlots } : {}),
        release: (call) => void released.push({ node: nodeId, callSid: call.callSid, at: clock.now() }),
      });
      queues.push(q);
      await q.start();
      return q;
    },
    async close() {
      for (const q of queues) await q.stop();
      for (const s of stores) await s.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

const gaps = (times: number[]) => times.slice(1).map((t, i) => t - times[i]);

describe('OutboundCallQueue: calls per second over two nodes, fake clock', () => {
  const X = newSid('AC');
  let clock: FakeClock;
  let c: ReturnType<typeof cluster>;

  beforeEach(async () => {
    clock = new FakeClock();
    c = cluster(clock);
    await c.open();
  });
  afterEach(() => c.close());

  async function advance(ms: number, queues: OutboundCallQueue[]) {
    for (let t = 0; t < ms; t += 100) {
      clock.advance(100);
      for (const q of queues) await q.flush();
    }
  }

  it('with shared slots the account gets 1 call/s in all, each node in its own order', async () => {
    const slots = new ClockRateSlots(clock);
    const a = await c.node('node-a', slots);
    const b = await c.node('node-b', slots);
    const sids = { a: [newSid('CA'), newSid('CA'), newSid('CA')], b: [newSid('CA'), newSid('CA'), newSid('CA')] };
    await Promise.all([...sids.a.map((callSid) => a.submit({ callSid, accountSid: X })), ...sids.b.map((callSid) => b.submit({ callSid, accountSid: X }))]);
    await a.flush();
    await b.flush();
    await advance(6_000, [a, b]);
    assert.equal(c.released.length, 6);
    const times = c.released.map((r) => r.at).sort((x, y) => x - y);
    assert.ok(gaps(times).every((g) => g >= 1_000), `releases 1 s apart or more: ${gaps(times)}`);
    assert.deepEqual(c.released.filter((r) => r.node === 'node-a').map((r) => r.callSid), sids.a);
    assert.deepEqual(c.released.filter((r) => r.node === 'node-b').map((r) => r.callSid), sids.b);
  });

  it('without them each node spaces only its own calls (what cluster mode fixes)', async () => {
    const a = await c.node('node-a', undefined);
    const b = await c.node('node-b', undefined);
    await a.submit({ callSid: newSid('CA'), accountSid: X });
    await b.submit({ callSid: newSid('CA'), accountSid: X });
    assert.deepEqual(c.released.map((r) => r.at), [clock.now(), clock.now()]);
  });

  it('places calls on this node\'s spacing when the slots cannot be reached', async () => {
    const slots = new ClockRateSlots(clock);
    slots.failing = true;
    const a = await c.node('node-a', slots);
    for (let i = 0; i < 3; i++) await a.submit({ callSid: newSid('CA'), accountSid: X });
    await advance(3_000, [a]);
    assert.equal(c.released.length, 3);
    assert.ok(gaps(c.released.map((r) => r.at)).every((g) => g >= 1_000));
  });
});

describe('OutboundCallQueue: calls per second over two nodes, RedisRateSlots', { skip: await redisSkipReason() }, () => {
  it('two nodes submitting at once share the account\'s rate', async () => {
    const prefix = `patchbay-test-${randomUUID()}:`;
    const slots = await Promise.all([RedisRateSlots.connect(REDIS_URL, prefix), RedisRateSlots.connect(REDIS_URL, prefix)]);
    const c = cluster(systemClock);
    await c.open();
    try {
      const X = newSid('AC');
      const a = await c.node('node-a', slots[0]);
      const b = await c.node('node-b', slots[1]);
      // 5 calls/s: 8 calls over both nodes take at least 7 intervals of 200 ms (1.4 s); each node alone, 3 (0.6 s).
      await c.stores[0].accountCallLimits.set(X, { callsPerSecond: 5 }, 0);
      const sids = Array.from({ length: 8 }, () => newSid('CA'));
      await Promise.all(sids.map((callSid, i) => (i % 2 === 0 ? a : b).submit({ callSid, accountSid: X })));
      for (let i = 0; i < 100 && c.released.length < sids.length; i++) await new Promise((resolve) => setTimeout(resolve, 50));
      assert.equal(c.released.length, sids.length);
      const times = c.released.map((r) => r.at).sort((x, y) => x - y);
      // Slots are exactly 200 ms apart on Redis's clock; a timer firing late can only shift a release later, so the
      // span from first to last is at least the slots' span less the first release's lateness.
      assert.ok(times[times.length - 1] - times[0] >= 7 * 200 - 150, `8 releases spread over ${times[times.length - 1] - times[0]} ms`);
      assert.deepEqual(c.released.filter((r) => r.node === 'node-a').map((r) => r.callSid), sids.filter((_, i) => i % 2 === 0));
    } finally {
      await c.close();
      for (const s of slots) s.close();
    }
  });
});

import { afterEach, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Registry } from 'prom-client';
import { FakeClock, newSid, silentLogger } from '../../../src/core/index.js';
import { type Store, openStore } from '../../../src/store/index.js';
import { OutboundCallQueue, type OutboundCallQueueOptions, type ReleasedCall } from '../../../src/voice/queue/index.js';

/** The per-account outbound call queue over a real SQLite file and a fake clock: no real sleeps. */
describe('OutboundCallQueue', () => {
  let dir: string;
  let store: Store;
  let clock: FakeClock;
  let released: Array<ReleasedCall & { at: number }>;
  let queues: OutboundCallQueue[];
  const A = newSid('AC');
  const B = newSid('AC');
  const NODE = 'node-a';

  beforeEach(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'patchbay-queue-'));
    store = await openStore({ dataDir: dir });
    clock = new FakeClock();
    released = [];
    queues = [];
  });
  afterEach(async () => {
    for (const q of queues) await q.stop();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function queue(options: Partial<OutboundCallQueueOptions> = {}): Promise<OutboundCallQueue> {
    const q = new OutboundCallQueue({
      store,
      clock,
      logger: silentLogger(),
      nodeId: NODE,
      release: (call) => {
        released.push({ ...call, at: clock.now() });
      },
      ...options,
    });
    queues.push(q);
    await q.start();
    return q;
  }

  const calls = (n: number) => Array.from({ length: n }, () => newSid('CA'));
  const t0 = () => new FakeClock().now();
  const releasedOf = (account: string) => released.filter((r) => r.accountSid === account);

  it('lets five calls of an account with CPS 1 out one per second while another account is not delayed', async () => {
    const q = await queue();
    await store.accountCallLimits.set(B, { callsPerSecond: 10 }, 0);
    const a = calls(5);
    for (const callSid of a) await q.submit({ callSid, accountSid: A });
    const b = calls(3);
    for (const callSid of b) await q.submit({ callSid, accountSid: B });
    assert.equal(q.depth(A), 4);
    clock.advance(5_000);
    await q.submit({ callSid: 'CAlate', accountSid: B });
    clock.advance(1);
    assert.deepEqual(releasedOf(A).map((r) => r.callSid), a);
    assert.deepEqual(releasedOf(A).map((r) => r.at - t0()), [0, 1000, 2000, 3000, 4000]);
    assert.deepEqual(releasedOf(A).map((r) => r.waitedMs), [0, 1000, 2000, 3000, 4000]);
    // B (CPS 10) is paced by its own limit only: 0, 100, 200 ms, and a later call goes at once.
    assert.deepEqual(releasedOf(B).map((r) => r.at - t0()), [0, 100, 200, 5000]);
    assert.equal(q.depth(), 0);
    await q.flush();
    assert.deepEqual(await store.outboundCallQueue.all(), []);
  });

  it('holds calls over the account concurrency cap until one ends', async () => {
    await store.accountCallLimits.set(A, { callsPerSecond: 100, maxConcurrentCalls: 2 }, 0);
    const q = await queue();
    for (const callSid of calls(4)) await q.submit({ callSid, accountSid: A });
    clock.advance(1_000);
    assert.equal(released.length, 2);
    assert.equal(q.activeCount, 2);
    q.callEnded(A);
    assert.equal(released.length, 3);
    clock.advance(1_000);
    assert.equal(released.length, 3);
    q.callEnded(A);
    q.callEnded(A);
    assert.equal(released.length, 4);
    assert.equal(q.depth(A), 0);
    // An unmatched callEnded is ignored, not counted below zero.
    q.callEnded(A);
    q.callEnded(A);
    q.callEnded(newSid('AC'));
    assert.equal(q.activeCount, 0);
  });

  it('shares the global capacity fairly: the account with fewer calls in progress goes first', async () => {
    const q = await queue({ globalCapacity: 2, defaultCallsPerSecond: 1000 });
    const a = calls(4);
    for (const callSid of a) {
      await q.submit({ callSid, accountSid: A });
      clock.advance(1);
    }
    assert.deepEqual(released.map((r) => r.callSid), [a[0], a[1]]);
    const b = calls(2);
    for (const callSid of b) await q.submit({ callSid, accountSid: B });
    clock.advance(1_000);
    assert.equal(released.length, 2, 'the capacity is full');
    // One slot frees at a time (1 ms apart, past each account's CPS spacing).
    for (const ended of [A, A, B, A]) {
      q.callEnded(ended);
      clock.advance(1);
    }
    // A 1 in progress, B 0: B goes although A asked first; then A 0, B 1: A; then B; then A.
    assert.deepEqual(released.map((r) => r.callSid), [a[0], a[1], b[0], a[2], b[1], a[3]]);
    assert.equal(q.activeCount, 2);
    assert.equal(q.depth(), 0);
  });

  it('reloads the waiting calls in order after a restart (SQLite file reopened)', async () => {
    const q = await queue();
    const a = calls(4);
    for (const [i, callSid] of a.entries()) await q.submit({ callSid, accountSid: A, data: JSON.stringify({ i }) });
    const b = calls(2);
    for (const callSid of b) await q.submit({ callSid, accountSid: B });
    assert.deepEqual(released.map((r) => r.callSid), [a[0], b[0]]);
    await q.stop();
    await store.close();

    store = await openStore({ dataDir: dir });
    released = [];
    clock.advance(60_000);
    const restarted = await queue();
    assert.equal(restarted.depth(A), 2);
    clock.advance(10_000);
    assert.deepEqual(releasedOf(A).map((r) => r.callSid), a.slice(1));
    assert.deepEqual(releasedOf(A).map((r) => JSON.parse(r.data!) as { i: number }), [{ i: 1 }, { i: 2 }, { i: 3 }]);
    assert.deepEqual(releasedOf(A).map((r) => r.at - releasedOf(A)[0].at), [0, 1000, 2000]);
    assert.ok(releasedOf(A)[0].waitedMs >= 60_000);
    assert.deepEqual(releasedOf(B).map((r) => r.callSid), [b[1]]);
    await restarted.flush();
    assert.deepEqual(await store.outboundCallQueue.all(), []);
    // A call submitted after the restart queues behind the reloaded ones.
    await restarted.submit({ callSid: 'CAnew', accountSid: A });
    assert.equal(released.at(-1)!.callSid, 'CAnew');
  });

  it('cancels a waiting call: never released, its row gone', async () => {
    const q = await queue();
    const a = calls(3);
    for (const callSid of a) await q.submit({ callSid, accountSid: A });
    assert.equal(await q.cancel(a[1]), true);
    assert.equal(await q.cancel(a[1]), false);
    assert.equal(await q.cancel(a[0]), false, 'already released');
    assert.deepEqual((await store.outboundCallQueue.all()).map((r) => r.callSid), [a[2]]);
    clock.advance(5_000);
    assert.deepEqual(released.map((r) => r.callSid), [a[0], a[2]]);
    assert.deepEqual(released.map((r) => r.at - t0()), [0, 1000]);
  });

  it('frees the slot when release fails, and refuses duplicates and use before start', async () => {
    await store.accountCallLimits.set(A, { callsPerSecond: 1000, maxConcurrentCalls: 1 }, 0);
    const q = await queue({
      release: (call) => {
        released.push({ ...call, at: clock.now() });
        return Promise.reject(new Error('no route'));
      },
    });
    await q.submit({ callSid: 'CA1', accountSid: A });
    await q.submit({ callSid: 'CA2', accountSid: A });
    await assert.rejects(q.submit({ callSid: 'CA2', accountSid: A }), /already queued/);
    await new Promise((resolve) => setImmediate(resolve));
    clock.advance(10);
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(released.map((r) => r.callSid), ['CA1', 'CA2']);
    assert.equal(q.activeCount, 0);
    const unstarted = new OutboundCallQueue({ store, clock, logger: silentLogger(), nodeId: NODE, release: () => undefined });
    await assert.rejects(unstarted.submit({ callSid: 'CA3', accountSid: A }), /not been started/);
    assert.throws(() => new OutboundCallQueue({ store, clock, logger: silentLogger(), nodeId: NODE, release: () => undefined, globalCapacity: 0 }), RangeError);
    // A lease must leave room for a renewal period in which calls go out, beside the margin kept before it ends.
    assert.throws(() => new OutboundCallQueue({ store, clock, logger: silentLogger(), nodeId: NODE, release: () => undefined, leaseMs: 2_000, leaseRenewMs: 1_000 }), RangeError);
  });

  it('applies stored limits: CPS 2 spaces calls 500 ms apart; limitsChanged takes effect at once', async () => {
    await store.accountCallLimits.set(A, { callsPerSecond: 2 }, 0);
    const q = await queue();
    for (const callSid of calls(3)) await q.submit({ callSid, accountSid: A });
    clock.advance(2_000);
    assert.deepEqual(released.map((r) => r.at - t0()), [0, 500, 1000]);
    await store.accountCallLimits.set(A, { maxConcurrentCalls: 3 }, 0);
    await q.limitsChanged(A);
    await q.submit({ callSid: 'CAover', accountSid: A });
    clock.advance(2_000);
    assert.equal(released.length, 3);
    await store.accountCallLimits.set(A, { maxConcurrentCalls: null }, 0);
    await q.limitsChanged(A);
    assert.equal(released.length, 4);
  });

  it('rereads the limits of accounts with waiting calls every limitsTtlMs', async () => {
    const q = await queue({ limitsTtlMs: 5_000 });
    for (const callSid of calls(20)) await q.submit({ callSid, accountSid: A });
    await store.accountCallLimits.set(A, { callsPerSecond: 10 }, 0);
    clock.advance(4_999);
    assert.equal(released.length, 5, 'CPS 1 until the limits are reread');
    clock.advance(1);
    await q.flush();
    assert.equal(released.length, 6);
    // The call released at 5 s was spaced at CPS 1 (next at 6 s); from then on 100 ms apart.
    clock.advance(2_000);
    assert.equal(released.length, 6 + 11, 'CPS 10 after the reread');
  });

  it('reports queue depth and waiting time per account in metrics', async () => {
    const registry = new Registry();
    const q = await queue({ metrics: registry });
    for (const callSid of calls(3)) await q.submit({ callSid, accountSid: A });
    const depth = await registry.getSingleMetric('patchbay_outbound_queue_depth')!.get();
    assert.deepEqual(depth.values.map((v) => [v.labels.account_sid, v.value]), [[A, 2]]);
    clock.advance(2_000);
    const text = await registry.metrics();
    assert.match(text, new RegExp(`patchbay_outbound_queue_wait_seconds_count\\{account_sid="${A}"\\} 3`));
    assert.match(text, new RegExp(`patchbay_outbound_queue_wait_seconds_sum\\{account_sid="${A}"\\} 3`));
    assert.match(text, /patchbay_outbound_calls_active 3/);
    const after = await registry.getSingleMetric('patchbay_outbound_queue_depth')!.get();
    assert.deepEqual(after.values, []);
  });

  it('releases nothing while the node is overloaded, and the held calls in order once it is not', async () => {
    await store.accountCallLimits.set(A, { callsPerSecond: 10 }, 0);
    let overloaded = true;
    const q = await queue({ overloaded: () => overloaded });
    const a = calls(3);
    for (const callSid of a) assert.equal(await q.submit({ callSid, accountSid: A }), 'queued');
    clock.advance(2_000);
    assert.equal(released.length, 0);
    // Held calls are durable, as any waiting call.
    await q.flush();
    assert.deepEqual((await store.outboundCallQueue.all()).map((r) => r.callSid), a);
    overloaded = false;
    // Looked at again within the recheck interval, then paced by the account's CPS as usual.
    clock.advance(250);
    clock.advance(200);
    assert.deepEqual(released.map((r) => r.callSid), a);
    const start = released[0]!.at;
    assert.deepEqual(released.map((r) => r.at - start), [0, 100, 200]);
  });
});

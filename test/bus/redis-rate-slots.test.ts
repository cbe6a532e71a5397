/**
 * RedisRateSlots against a real Redis: slots of one key are spaced by the interval whichever node (connection) asks,
 * keys are independent, and a key expires once its slots are past.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { RedisRateSlots } from '../../src/bus/index.js';
import { REDIS_URL, redisSkipReason } from '../helpers/redis.js';

// Long intervals make the spacing exact to well within the slack below, however slow the machine.
const INTERVAL_MS = 10_000;
const SLACK_MS = 2_000;

describe('RedisRateSlots', { skip: await redisSkipReason() }, () => {
  const prefix = `patchbay-test-${randomUUID()}:`;
  let nodeA: RedisRateSlots;
  let nodeB: RedisRateSlots;
  let redis: Redis;

  before(async () => {
    [nodeA, nodeB] = await Promise.all([RedisRateSlots.connect(REDIS_URL, prefix), RedisRateSlots.connect(REDIS_URL, prefix)]);
    redis = new Redis(REDIS_URL);
  });
  after(() => {
    nodeA?.close();
    nodeB?.close();
    redis?.disconnect();
  });

  it('spaces one key\'s slots by the interval across nodes asking at once', async () => {
    const key = `AC${randomUUID()}`;
    const waits = await Promise.all(Array.from({ length: 8 }, (_, i) => (i % 2 === 0 ? nodeA : nodeB).reserve(key, INTERVAL_MS)));
    waits.sort((x, y) => x - y);
    assert.ok(waits[0] <= SLACK_MS, `the first slot is now: ${waits[0]}`);
    for (let i = 1; i < waits.length; i++) {
      const gap = waits[i] - waits[i - 1];
      assert.ok(gap > INTERVAL_MS - SLACK_MS && gap <= INTERVAL_MS + 0.001, `slots ${i - 1} and ${i} are ${gap} ms apart`);
    }
    const ttl = await redis.pttl(`${prefix}slots:${key}`);
    assert.ok(ttl > 7 * INTERVAL_MS && ttl <= 8 * INTERVAL_MS + 1_000, `the key lives until its last slot is past (${ttl} ms)`);
  });

  it('keeps keys apart', async () => {
    const [one, two] = [`AC${randomUUID()}`, `AC${randomUUID()}`];
    await nodeA.reserve(one, INTERVAL_MS);
    assert.ok((await nodeA.reserve(one, INTERVAL_MS)) > INTERVAL_MS - SLACK_MS);
    assert.ok((await nodeB.reserve(two, INTERVAL_MS)) <= SLACK_MS, 'another key starts free');
  });

  it('lets a slot go at once when the previous one is long past', async () => {
    const key = `AC${randomUUID()}`;
    await nodeA.reserve(key, 1);
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.equal(await nodeB.reserve(key, 1), 0);
  });
});

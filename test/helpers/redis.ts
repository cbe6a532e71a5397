import { Redis } from 'ioredis';

/** The Redis server cluster-mode tests use; CI has one on loopback. */
export const REDIS_URL = process.env.PATCHBAY_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/**
 * Whether Redis answers. In CI it must, so its absence fails the suite instead of skipping it, as PostgreSQL's does
 * (test/helpers/databases.ts).
 */
export async function redisSkipReason(): Promise<string | false> {
  const client = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 0, connectTimeout: 2_000, retryStrategy: () => null });
  try {
    await client.connect();
    await client.ping();
    return false;
  } catch {
    if (process.env.CI) throw new Error(`Redis is required in CI and is not reachable at ${REDIS_URL}`);
    return `Redis not reachable at ${REDIS_URL}`;
  } finally {
    client.disconnect();
  }
}

import { Redis } from 'ioredis';

/**
 * Time slots spaced at least `intervalMs` apart per key, shared by every node of a cluster: the way a per-account
 * calls-per-second limit holds for the whole cluster rather than for each node (DESIGN "Scale-out": call-rate
 * limits live in Redis). One script call reserves the key's next slot atomically; it reads Redis's own clock, so
 * the nodes' clocks need not agree.
 */
export interface RateSlots {
  /** Reserves the key's next slot, at least `intervalMs` after the one before; resolves with the ms to wait for it. */
  reserve(key: string, intervalMs: number): Promise<number>;
}

// KEYS[1]: the key's next free slot (µs on Redis's clock). ARGV[1]: the interval in µs. Returns the wait in µs.
const RESERVE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local free = tonumber(redis.call('GET', KEYS[1]) or '0')
local slot = math.max(now, free)
local interval = tonumber(ARGV[1])
redis.call('SET', KEYS[1], string.format('%d', slot + interval), 'PX', math.ceil((slot - now + interval) / 1000) + 1000)
return slot - now
`;

export class RedisRateSlots implements RateSlots {
  private constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {
    redis.defineCommand('patchbayReserveSlot', { numberOfKeys: 1, lua: RESERVE });
  }

  static async connect(url: string, prefix = 'patchbay:'): Promise<RedisRateSlots> {
    const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 3 });
    await redis.connect();
    return new RedisRateSlots(redis, prefix);
  }

  async reserve(key: string, intervalMs: number): Promise<number> {
    if (!(intervalMs > 0)) throw new RangeError('the slot interval must be positive');
    const reserve = (this.redis as Redis & { patchbayReserveSlot(key: string, intervalUs: number): Promise<number> }).patchbayReserveSlot;
    const waitUs = await reserve.call(this.redis, `${this.prefix}slots:${key}`, Math.round(intervalMs * 1000));
    return waitUs / 1000;
  }

  close(): void {
    this.redis.disconnect();
  }
}

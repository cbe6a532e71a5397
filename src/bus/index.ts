export type { Bus, BusHandler } from './bus.js';
export { InProcessBus } from './in-process-bus.js';
export { RedisBus } from './redis-bus.js';
export { type RateSlots, RedisRateSlots } from './redis-rate-slots.js';

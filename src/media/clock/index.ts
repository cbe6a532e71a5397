export { PlayoutClock, type PlayoutClockOptions, type PlayoutClockStats, type TickHandler } from './playout-clock.js';
export { highResolutionClock } from './high-resolution-clock.js';

export { PlayoutClock, type PlayoutClockOptions, type PlayoutClockStats, type TickHandler, type TickObserver } from './playout-clock.js';
export { highResolutionClock } from './high-resolution-clock.js';
export { PlayoutStream, type PlayoutStreamOptions, type FrameSource, type PlayOutcome } from './playout-stream.js';

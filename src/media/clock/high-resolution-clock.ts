/**
 * A `Clock` with sub-millisecond `now()` (performance.now on the epoch scale), for the playout clock and its
 * lateness measurements. Timers are unref'd like the core system clock's: sockets keep a server alive, not timers.
 */
import { performance } from 'node:perf_hooks';
import type { Clock, TimerHandle } from '../../core/index.js';

interface RealHandle extends TimerHandle {
  timer: NodeJS.Timeout;
}

let nextId = 1;

export const highResolutionClock: Clock = {
  now: () => performance.timeOrigin + performance.now(),
  setTimeout(callback, ms) {
    const timer = setTimeout(callback, ms);
    timer.unref();
    const handle: RealHandle = { id: nextId++, timer };
    return handle;
  },
  clearTimeout(handle) {
    if (handle && 'timer' in handle) clearTimeout((handle as RealHandle).timer);
  },
};

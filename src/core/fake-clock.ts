import type { Clock, TimerHandle } from './clock.js';

interface Pending {
  handle: TimerHandle;
  at: number;
  callback: () => void;
}

/** A manually advanced clock for unit tests of timer-driven state machines. */
export class FakeClock implements Clock {
  private current: number;
  private pending: Pending[] = [];
  private nextId = 1;

  constructor(start = 1_700_000_000_000) {
    this.current = start;
  }

  now(): number {
    return this.current;
  }

  setTimeout(callback: () => void, ms: number): TimerHandle {
    const handle = { id: this.nextId++ };
    this.pending.push({ handle, at: this.current + Math.max(0, ms), callback });
    return handle;
  }

  clearTimeout(handle: TimerHandle | undefined): void {
    if (!handle) return;
    this.pending = this.pending.filter((p) => p.handle.id !== handle.id);
  }

  /** Advance time, firing due timers in order (including timers armed by the callbacks). */
  advance(ms: number): void {
    const target = this.current + ms;
    for (;;) {
      const due = this.pending
        .filter((p) => p.at <= target)
        .sort((a, b) => a.at - b.at || a.handle.id - b.handle.id)[0];
      if (!due) break;
      this.pending = this.pending.filter((p) => p !== due);
      this.current = due.at;
      due.callback();
    }
    this.current = target;
  }

  get pendingCount(): number {
    return this.pending.length;
  }
}

/** Time source injected into every timer-driven component, so tests can drive fake time. */
export interface TimerHandle {
  readonly id: number;
}

export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  setTimeout(callback: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle | undefined): void;
}

let nextId = 1;

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout(callback, ms) {
    const timer = setTimeout(callback, ms);
    timer.unref?.();
    return Object.assign({ id: nextId++ }, { timer }) as TimerHandle;
  },
  clearTimeout(handle) {
    if (handle && 'timer' in handle) clearTimeout((handle as TimerHandle & { timer: NodeJS.Timeout }).timer);
  },
};

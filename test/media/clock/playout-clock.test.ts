import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock, type Clock, type TimerHandle } from '../../../src/core/index.js';
import { PlayoutClock } from '../../../src/media/clock/index.js';

/** A FakeClock whose timers fire `lateBy()` ms after they were due, to imitate a busy event loop. */
class LateClock implements Clock {
  constructor(readonly fake: FakeClock, public lateBy: () => number) {}
  now(): number { return this.fake.now(); }
  setTimeout(callback: () => void, ms: number): TimerHandle { return this.fake.setTimeout(callback, ms + this.lateBy()); }
  clearTimeout(handle: TimerHandle | undefined): void { this.fake.clearTimeout(handle); }
}

test('one timer drives every subscriber on a 20 ms grid', () => {
  const fake = new FakeClock(1_000_000);
  const clock = new PlayoutClock({ clock: fake });
  const a: Array<[number, number]> = [];
  const b: number[] = [];
  const ha = (tick: number, deadline: number): void => { a.push([tick, deadline]); };
  const hb = (tick: number): void => { b.push(tick); };
  clock.subscribe(ha);
  clock.subscribe(hb);
  assert.equal(fake.pendingCount, 1, 'one timer, whatever the number of streams');
  fake.advance(100);
  assert.deepEqual(a, [1, 2, 3, 4, 5].map((n) => [n, 1_000_000 + n * 20]));
  assert.deepEqual(b, [1, 2, 3, 4, 5]);
  assert.equal(clock.stats().meanLatenessMs, 0);
  clock.unsubscribe(ha);
  fake.advance(40);
  assert.equal(a.length, 5);
  assert.deepEqual(b, [1, 2, 3, 4, 5, 6, 7]);
  clock.unsubscribe(hb);
  assert.equal(clock.isRunning, false);
  assert.equal(fake.pendingCount, 0, 'no timer without subscribers');
});

test('drift-free: timers 3 ms late every time do not accumulate delay', () => {
  const fake = new FakeClock(0);
  const late = new LateClock(fake, () => 3);
  const clock = new PlayoutClock({ clock: late });
  const deadlines: number[] = [];
  const fired: number[] = [];
  clock.subscribe((_, deadline) => { deadlines.push(deadline); fired.push(fake.now()); });
  fake.advance(1000);
  // 1000 ms hold 50 deadlines; the last one fires at 1003, after the window.
  assert.equal(deadlines.length, 49);
  deadlines.forEach((d, i) => assert.equal(d, (i + 1) * 20));
  fired.forEach((t, i) => assert.equal(t, (i + 1) * 20 + 3));
  const s = clock.stats();
  assert.equal(s.meanLatenessMs, 3);
  assert.equal(s.maxLatenessMs, 3);
  assert.equal(s.caughtUp, 0);
  clock.close();
});

test('a late wake-up fires the missed ticks back-to-back', () => {
  const fake = new FakeClock(0);
  let lateness = 0;
  const late = new LateClock(fake, () => lateness);
  const clock = new PlayoutClock({ clock: late, maxCatchUpTicks: 5 });
  const log: Array<[number, number]> = [];
  clock.subscribe((tick) => { log.push([tick, fake.now()]); });
  fake.advance(30); // tick 1 on time; tick 2's timer is armed
  lateness = 50; // tick 2 arms tick 3's timer (due 60), which then fires at 110
  fake.advance(70);
  lateness = 0; // the burst at 110 arms tick 6 on time
  fake.advance(60);
  assert.deepEqual(log, [[1, 20], [2, 40], [3, 110], [4, 110], [5, 110], [6, 120], [7, 140], [8, 160]]);
  const s = clock.stats();
  assert.equal(s.caughtUp, 2);
  assert.equal(s.skipped, 0);
  assert.equal(s.maxLatenessMs, 50);
  clock.close();
});

test('beyond the catch-up cap the clock resynchronises to the grid and counts skipped ticks', () => {
  const fake = new FakeClock(0);
  let lateness = 0;
  const late = new LateClock(fake, () => lateness);
  const clock = new PlayoutClock({ clock: late, maxCatchUpTicks: 3 });
  const ticks: Array<[number, number]> = [];
  lateness = 195; // tick 1 due at 20 fires at 215
  clock.subscribe((tick, deadline) => { ticks.push([tick, deadline]); });
  fake.advance(100);
  lateness = 0;
  fake.advance(160);
  // Ticks 1-3 back-to-back at 215, ticks 4-10 (80..200) skipped, then 11 (220), 12 (240), 13 (260).
  assert.deepEqual(ticks.map((t) => t[0]), [1, 2, 3, 11, 12, 13]);
  assert.deepEqual(ticks.slice(3).map((t) => t[1]), [220, 240, 260]);
  const s = clock.stats();
  assert.equal(s.skipped, 7);
  assert.equal(s.resyncs, 1);
  clock.resetStats();
  assert.equal(clock.stats().ticks, 0);
  clock.close();
});

test('handlers may unsubscribe during a tick; a throwing handler does not stop the others', () => {
  const fake = new FakeClock(0);
  const clock = new PlayoutClock({ clock: fake });
  const calls: string[] = [];
  const once = (): void => { calls.push('once'); clock.unsubscribe(once); };
  clock.subscribe(() => { throw new Error('bad stream'); });
  clock.subscribe(once);
  clock.subscribe(() => { calls.push('always'); });
  fake.advance(60);
  assert.deepEqual(calls, ['once', 'always', 'always', 'always']);
  assert.equal(clock.subscriberCount, 2);
  clock.close();
  assert.equal(fake.pendingCount, 0);
});

test('early wake-up and polling: armed before the deadline, fires at it', () => {
  const fake = new FakeClock(0);
  const polls: Array<() => void> = [];
  const clock = new PlayoutClock({ clock: fake, earlyWakeMs: 2, poll: (cb) => { polls.push(cb); } });
  const at: number[] = [];
  clock.subscribe(() => at.push(fake.now()));
  fake.advance(18); // the timer fires at 18, two ms early
  assert.equal(at.length, 0);
  assert.equal(polls.length, 1);
  polls.shift()?.(); // still 18: polls again
  assert.equal(polls.length, 1);
  fake.advance(2);
  polls.shift()?.(); // 20: fires
  assert.deepEqual(at, [20]);
  assert.equal(clock.stats().maxLatenessMs, 0);
  clock.close();
});

test('real clock: the last part before a deadline is slept out (Atomics.wait), never fired early', async () => {
  const clock = new PlayoutClock({ intervalMs: 5 });
  const early: number[] = [];
  let ticks = 0;
  const keepAlive = setTimeout(() => undefined, 10_000); // the clock's timers are unref'd
  await new Promise<void>((resolve) => {
    clock.subscribe((_tick, deadline) => {
      const now = performance.timeOrigin + performance.now();
      if (now < deadline) early.push(deadline - now);
      if (++ticks === 20) resolve();
    });
  });
  clearTimeout(keepAlive);
  clock.close();
  assert.deepEqual(early, []);
  assert.ok(clock.stats().ticks >= 20);
});

test('a remainder longer than blockWaitMs is polled, not blocked', () => {
  const fake = new FakeClock(0);
  const polls: Array<() => void> = [];
  const clock = new PlayoutClock({ clock: fake, earlyWakeMs: 3, blockWaitMs: 1, poll: (cb) => { polls.push(cb); } });
  const at: number[] = [];
  clock.subscribe(() => at.push(fake.now()));
  fake.advance(17); // 3 ms before the deadline: too long to block
  assert.equal(polls.length, 1);
  fake.advance(3);
  polls.shift()?.();
  assert.deepEqual(at, [20]);
  clock.close();
});

test('phases: handlers are spread over the interval, each on its own exact 20 ms cadence', () => {
  const fake = new FakeClock(0);
  const clock = new PlayoutClock({ clock: fake, phases: 4 });
  const log: Array<[string, number, number, number]> = [];
  for (const name of ['a', 'b', 'c', 'd', 'e']) {
    clock.subscribe((tick, deadline) => { log.push([name, tick, deadline, fake.now()]); });
  }
  fake.advance(40);
  // a and e share phase 0 (the one with the fewest when e joined); b, c, d take phases 1-3, 5 ms apart.
  assert.deepEqual(log, [
    ['b', 1, 5, 5], ['c', 1, 10, 10], ['d', 1, 15, 15], ['a', 1, 20, 20], ['e', 1, 20, 20],
    ['b', 2, 25, 25], ['c', 2, 30, 30], ['d', 2, 35, 35], ['a', 2, 40, 40], ['e', 2, 40, 40],
  ]);
  clock.close();
});

test('phases: a phase without handlers is not woken for; a new handler fills the emptiest phase', () => {
  const fake = new FakeClock(0);
  const wakes: number[] = [];
  const clock = new PlayoutClock({ clock: fake, phases: 4, observe: (deadline) => wakes.push(deadline) });
  const a = (): void => undefined;
  const b = (): void => undefined;
  clock.subscribe(a);
  clock.subscribe(b);
  fake.advance(40);
  assert.deepEqual(wakes, [5, 20, 25, 40], 'phases 2 and 3 are empty');
  clock.unsubscribe(b);
  wakes.length = 0;
  fake.advance(40);
  assert.deepEqual(wakes, [45, 60, 80], 'the tick already armed for the emptied phase still comes, then no more');
  const seen: number[] = [];
  clock.subscribe((_tick, deadline) => seen.push(deadline));
  fake.advance(20);
  assert.deepEqual(seen, [85], 'the new handler joined phase 1, emptied by b');
  clock.close();
});

test('the observer sees each phase tick start and finish and how many handlers ran', () => {
  const fake = new FakeClock(0);
  const late = new LateClock(fake, () => 1);
  const seen: Array<[number, number, number, number]> = [];
  const clock = new PlayoutClock({ clock: late, phases: 2, observe: (d, s, f, n) => seen.push([d, s, f, n]) });
  clock.subscribe(() => fake.advance(2)); // each handler takes 2 ms
  clock.subscribe(() => fake.advance(2));
  clock.subscribe(() => fake.advance(2));
  fake.advance(30);
  // Phase 1 (one handler) is due at 10 and fires at 11; phase 0 (two) is due at 20 and fires at 21.
  assert.deepEqual(seen, [[10, 11, 13, 1], [20, 21, 25, 2]]);
  clock.close();
});

test('a restart while a poll is pending keeps one wake-up chain', () => {
  const fake = new FakeClock(0);
  const polls: Array<() => void> = [];
  const clock = new PlayoutClock({ clock: fake, earlyWakeMs: 2, blockWaitMs: 1, poll: (cb) => { polls.push(cb); } });
  /** Advance 1 ms at a time, answering the pending polls at each step like the event loop would. */
  const run = (ms: number): void => {
    for (let i = 0; i < ms; i++) {
      fake.advance(1);
      for (const cb of polls.splice(0)) cb();
    }
  };
  const a = (): void => undefined;
  clock.subscribe(a);
  fake.advance(18); // woken 2 ms early: polls
  assert.equal(polls.length, 1);
  clock.unsubscribe(a); // the last stream ends and another starts before the poll comes back
  const at: number[] = [];
  clock.subscribe(() => at.push(fake.now()));
  assert.equal(fake.pendingCount, 0, 'no second timer beside the pending poll');
  run(81);
  assert.deepEqual(at, [38, 58, 78, 98]);
  clock.close();
});

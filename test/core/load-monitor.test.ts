import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { LoadMonitor, type LoadMonitorOptions, silentLogger, systemClock } from '../../src/core/index.js';
import { busyFor } from '../helpers/busy-loop.js';

const monitor = (options: Partial<LoadMonitorOptions> = {}): LoadMonitor =>
  new LoadMonitor({ threshold: 0.95, clock: systemClock, logger: silentLogger(), ...options });

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('LoadMonitor', () => {
  it('does not trip on one stall, trips on sustained saturation, and recovers below the hysteresis', () => {
    const m = monitor();
    for (let i = 0; i < 20; i++) m.observe(0.3, 100);
    // A 300 ms stall moves a 1 s average by a quarter, far from 95 %.
    m.observe(1, 300);
    assert.equal(m.overloaded, false);
    assert.equal(m.refuse(), undefined);
    for (let i = 0; i < 40 && !m.overloaded; i++) m.observe(1, 100);
    assert.equal(m.overloaded, true);
    // Below the threshold but above threshold - hysteresis: still refusing (no flapping at the edge).
    while (m.busyRatio >= 0.9) m.observe(0.88, 100);
    assert.equal(m.overloaded, true);
    for (let i = 0; i < 40 && m.overloaded; i++) m.observe(0.5, 100);
    assert.equal(m.overloaded, false);
    assert.equal(m.stats.episodes, 1);
  });

  it('with a retransmission source, counts a busy loop as overloaded only while peers retransmit to it', () => {
    const m = monitor({ retransmissions: () => 0, retransmissionsPerSecond: 5, minEpisodeMs: 2_000 });
    // At capacity and answering in time: 100 % busy, no retransmissions.
    for (let i = 0; i < 50; i++) m.observe(1, 100, 0);
    assert.equal(m.overloaded, false);
    // A lossy network: retransmissions while the loop idles.
    for (let i = 0; i < 50; i++) m.observe(0.2, 100, 2);
    assert.equal(m.overloaded, false);
    // Busy and retransmitted to (20/s): overloaded.
    for (let i = 0; i < 50 && !m.overloaded; i++) m.observe(1, 100, 2);
    assert.equal(m.overloaded, true);
    assert.ok(m.retransmissionRate >= 5);
    // Refusing stops the retransmissions at once; the episode still lasts its minimum, then ends.
    for (let i = 0; i < 10; i++) m.observe(1, 100, 0);
    assert.equal(m.overloaded, true, 'ended before its minimum duration');
    for (let i = 0; i < 30 && m.overloaded; i++) m.observe(1, 100, 0);
    assert.equal(m.overloaded, false);
  });

  it('refuses with a Retry-After spread over its range and counts the refusals', () => {
    let r = 0;
    const values = [0, 0.3, 0.6, 0.99];
    const m = monitor({ random: () => values[r++ % values.length]!, retryAfterSeconds: { min: 1, max: 4 } });
    for (let i = 0; i < 50; i++) m.observe(1, 100);
    assert.deepEqual([m.refuse(), m.refuse(), m.refuse(), m.refuse()], [1, 2, 3, 4]);
    assert.equal(m.stats.refusals, 4);
  });

  it('measures the real event loop: busy work trips it, idle time clears it', async () => {
    const m = monitor({ threshold: 0.6, sampleMs: 20, smoothingMs: 150, minEpisodeMs: 0 });
    m.start();
    try {
      await sleep(200);
      assert.equal(m.overloaded, false, `idle loop read as busy (${m.busyRatio})`);
      await busyFor(900);
      assert.equal(m.overloaded, true, `busy loop read as ${m.busyRatio}`);
      await sleep(900);
      assert.equal(m.overloaded, false, `idle again, read as ${m.busyRatio}`);
    } finally {
      m.close();
    }
  });

  it('does not count time the thread sleeps on purpose (the playout clock\'s Atomics.wait) as work', async () => {
    let blocked = 0;
    const cell = new Int32Array(new SharedArrayBuffer(4));
    const m = monitor({ threshold: 0.6, sampleMs: 20, smoothingMs: 150, blockedMs: () => blocked });
    m.start();
    try {
      const end = performance.now() + 900;
      while (performance.now() < end) {
        const before = performance.now();
        Atomics.wait(cell, 0, 0, 30);
        blocked += performance.now() - before;
        await new Promise((r) => setImmediate(r));
      }
      assert.equal(m.overloaded, false, `sleeping read as busy (${m.busyRatio})`);
    } finally {
      m.close();
    }
  });
});

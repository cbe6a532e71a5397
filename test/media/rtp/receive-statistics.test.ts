import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ReceiveStatistics, PortAllocator } from '../../../src/media/rtp/index.js';

function run(seqs: number[], stats = new ReceiveStatistics()): ReceiveStatistics {
  stats.reset(1, seqs[0]);
  for (const s of seqs) stats.update(s & 0xffff, 160);
  return stats;
}

test('A.1: probation, then counting; no loss in order', () => {
  const s = run([10, 11, 12, 13, 14]);
  assert.equal(s.isValid, true);
  assert.equal(s.packets, 5);
  assert.equal(s.octets, 800);
  assert.equal(s.expected, 4); // base_seq is the packet that ended probation
  assert.equal(s.cumulativeLost, 0);
  assert.equal(s.extendedHighestSequence, 14);
});

test('A.1: 16-bit wrap is counted in cycles; loss across the wrap', () => {
  const seqs: number[] = [];
  for (let i = 65530; i < 65536 + 10; i++) if (i !== 65534 && i !== 2 + 65536) seqs.push(i);
  const s = run(seqs);
  assert.equal(s.extendedHighestSequence, 65536 + 9);
  assert.equal(s.cumulativeLost, 2);
  assert.equal(s.takeFractionLost(), Math.floor((2 * 256) / s.expected));
  assert.equal(s.takeFractionLost(), 0, 'the interval restarts');
});

test('A.1: duplicates make loss negative; reordering is not loss; a big jump needs two packets to resync', () => {
  const d = run([1, 2, 3, 3, 3, 4]);
  assert.equal(d.cumulativeLost, -2);
  const r = run([1, 2, 4, 3, 5]);
  assert.equal(r.cumulativeLost, 0);
  assert.equal(r.extendedHighestSequence, 5);
  const j = run([1, 2, 3]);
  assert.equal(j.update(20000, 160), false, 'one packet after a big jump is held back');
  assert.equal(j.update(20001, 160), true, 'the second in sequence resyncs');
  assert.equal(j.extendedHighestSequence, 20001);
  assert.equal(j.cumulativeLost, 0);
});

test('A.8: jitter is 0 for constant transit and converges to |D| for alternating delay', () => {
  const s = new ReceiveStatistics(8000);
  for (let i = 0; i < 100; i++) s.updateJitter(i * 160, 1000 + i * 20);
  assert.equal(s.jitter, 0);
  const t = new ReceiveStatistics(8000);
  // Arrival alternates 0/+5 ms: |D| = 40 timestamp units every packet, J -> 40.
  for (let i = 0; i < 400; i++) t.updateJitter((i * 160) >>> 0, i * 20 + (i % 2) * 5);
  assert.ok(Math.abs(t.jitter - 40) <= 1, `jitter ${t.jitter}`);
  assert.ok(Math.abs(t.jitterMs - 5) < 0.2);
  // Timestamp wrap does not produce a huge D.
  const w = new ReceiveStatistics(8000);
  w.updateJitter(0xffffff60, 0);
  w.updateJitter(0x00000000, 20);
  assert.equal(w.jitter, 0);
});

test('PortAllocator: even ports, pairs reserved, rotation, exhaustion, release', () => {
  const a = new PortAllocator({ min: 20001, max: 20008 });
  assert.equal(a.capacity, 3); // 20002, 20004, 20006 (20008 has no 20009)
  const ports = [a.allocate(), a.allocate(), a.allocate()];
  assert.deepEqual(ports, [20002, 20004, 20006]);
  assert.equal(a.allocate(), undefined);
  a.release(20004);
  a.release(20004);
  assert.equal(a.allocatedCount, 2);
  assert.equal(a.allocate(), 20004);
  assert.throws(() => new PortAllocator({ min: 20001, max: 20001 }), RangeError);
  const b = new PortAllocator({ min: 30000, max: 30009 });
  const first = b.allocate();
  b.release(first ?? 0);
  assert.notEqual(b.allocate(), first, 'a just-released port is not handed out again at once');
});

/**
 * Wire-level RFC 4475 torture test: every torture message goes as a UDP datagram to a running TransportLayer with a
 * test UAS, and the response code that comes back on the wire must be the pinned, manifest-allowed one; malformed
 * and foreign responses must be discarded. Runs in a private network namespace (`unshare --net`, loopback only) so
 * that nothing addressed to the messages' hosts can ever leave the machine.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readManifest } from '../fixtures/torture-uas.js';
import { PINNED } from '../fixtures/torture-expectations.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const runner = path.join(root, 'test/sip/fixtures/torture-wire-run.ts');
// The same steps the test takes, minus node: a private network namespace with loopback up.
const canUnshare = spawnSync('unshare', ['--net', 'sh', '-c', 'ip link set lo up']).status === 0;

test('RFC 4475 over UDP: codes on the wire match the manifest', { skip: canUnshare ? false : '`unshare --net` with `ip link set lo up` is not available (needs root or user namespaces and iproute2); wire torture test skipped' }, () => {
  const script = `ip link set lo up && exec "${process.execPath}" --import tsx "${runner}"`;
  const r = spawnSync('unshare', ['--net', 'sh', '-c', script], { cwd: root, encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { file?: string; codes?: number[] | 'timeout'; counters?: Record<string, number> });
  const results = new Map(lines.filter((l) => l.file !== undefined).map((l) => [l.file, l.codes]));
  const manifest = readManifest();
  assert.equal(results.size, manifest.length);
  for (const line of manifest) {
    const pinned = PINNED[line.file];
    assert.ok(pinned);
    const expected = pinned.outcome === 'discard' ? [] : [pinned.outcome];
    assert.deepEqual(results.get(line.file), expected, `${line.file}: ${line.behaviour}`);
  }
  const counters = lines.at(-1)?.counters;
  assert.ok(counters);
  const malformed = Object.values(PINNED).filter((p) => !p.parse).length;
  assert.equal(counters['malformed'], malformed);
  // Parsed responses (unreason, noreason, bcast) are not ours: discarded.
  assert.equal(counters['discarded'], Object.values(PINNED).filter((p) => p.parse && p.outcome === 'discard').length);
});

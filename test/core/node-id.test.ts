import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { NODE_ID_FILE, loadOrCreateNodeId } from '../../src/core/index.js';

describe('loadOrCreateNodeId', () => {
  it('creates the id once in the data directory and returns the same one after', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'patchbay-node-'));
    const other = mkdtempSync(path.join(tmpdir(), 'patchbay-node-'));
    try {
      const dataDir = path.join(dir, 'not-yet-there');
      const id = loadOrCreateNodeId(dataDir);
      assert.match(id, /^[0-9a-f]{32}$/);
      assert.equal(loadOrCreateNodeId(dataDir), id, 'stable across restarts');
      assert.equal(readFileSync(path.join(dataDir, NODE_ID_FILE), 'utf8').trim(), id);
      assert.equal(statSync(path.join(dataDir, NODE_ID_FILE)).mode & 0o777, 0o600);
      assert.notEqual(loadOrCreateNodeId(other), id, 'each data directory, each node, its own');
    } finally {
      rmSync(dir, { recursive: true, force: true });
      rmSync(other, { recursive: true, force: true });
    }
  });

  it('refuses a file that does not hold an id rather than replacing it', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'patchbay-node-'));
    try {
      writeFileSync(path.join(dir, NODE_ID_FILE), 'not an id\n');
      assert.throws(() => loadOrCreateNodeId(dir), /does not hold a node id/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

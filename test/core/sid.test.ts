import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isSid, newSid } from '../../src/core/index.js';

describe('SIDs', () => {
  it('are the prefix and 32 hex digits, distinct across many random-pool refills', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 5_000; i++) {
      const sid = newSid(i % 2 ? 'CA' : 'AC');
      assert.ok(isSid(sid, i % 2 ? 'CA' : 'AC'), sid);
      seen.add(sid.slice(2));
    }
    assert.equal(seen.size, 5_000);
  });
});

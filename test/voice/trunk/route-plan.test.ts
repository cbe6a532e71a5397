import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { newSid } from '../../../src/core/index.js';
import { openStore } from '../../../src/store/index.js';
import { TrunkRoutes, routePlan, seededRandom, type WeightedTarget } from '../../../src/voice/trunk/index.js';

interface T extends WeightedTarget {
  name: string;
}

const target = (name: string, priority: number, weight: number, enabled = true): T => ({ name, priority, weight, enabled: enabled ? 1 : 0 });

describe('route plan (RFC 2782 priority and weight)', () => {
  it('orders by priority, lowest first, and leaves disabled targets out', () => {
    const plan = routePlan([target('c', 20, 10), target('a', 1, 10), target('off', 0, 50, false), target('b', 5, 10)], seededRandom(1));
    assert.deepEqual(plan.map((t) => t.name), ['a', 'b', 'c']);
    assert.deepEqual(routePlan([target('off', 1, 10, false)]), []);
    assert.deepEqual(routePlan([]), []);
  });

  it('accepts boolean enabled flags and keeps every target of a priority exactly once', () => {
    const targets = [
      { name: 'x', priority: 1, weight: 3, enabled: true },
      { name: 'y', priority: 1, weight: 1, enabled: true },
      { name: 'z', priority: 1, weight: 0, enabled: true },
      { name: 'n', priority: 1, weight: 9, enabled: false },
    ];
    const random = seededRandom(7);
    for (let i = 0; i < 200; i++) {
      const plan = routePlan(targets, random).map((t) => t.name);
      assert.deepEqual([...plan].sort(), ['x', 'y', 'z']);
      // Weight 0 comes after the weighted targets of its priority.
      assert.equal(plan[2], 'z');
    }
  });

  it('draws the first target of a priority in proportion to its weight', () => {
    const targets = [target('a', 10, 60), target('b', 10, 30), target('c', 10, 10), target('backup', 20, 100)];
    const random = seededRandom(42);
    const first = new Map<string, number>();
    const runs = 20_000;
    for (let i = 0; i < runs; i++) {
      const plan = routePlan(targets, random);
      assert.equal(plan[3].name, 'backup');
      first.set(plan[0].name, (first.get(plan[0].name) ?? 0) + 1);
    }
    // Binomial standard deviation at n = 20,000 is at most 0.35 %; allow about 4 sigma.
    for (const [name, share] of [['a', 0.6], ['b', 0.3], ['c', 0.1]] as const) {
      assert.ok(Math.abs(first.get(name)! / runs - share) < 0.015, `${name}: ${first.get(name)! / runs} vs ${share}`);
    }
  });

  it('draws the second position from the remaining weights', () => {
    // After a (weight 60) is drawn first, b and c follow in a 3:1 ratio.
    const targets = [target('a', 1, 60), target('b', 1, 30), target('c', 1, 10)];
    const random = seededRandom(3);
    let afterA = 0;
    let bSecond = 0;
    for (let i = 0; i < 20_000; i++) {
      const plan = routePlan(targets, random).map((t) => t.name);
      if (plan[0] !== 'a') continue;
      afterA++;
      if (plan[1] === 'b') bSecond++;
    }
    assert.ok(Math.abs(bSecond / afterA - 0.75) < 0.02, `${bSecond / afterA}`);
  });

  it('is reproducible with the same seed and survives a faulty random source', () => {
    const targets = Array.from({ length: 8 }, (_, i) => target(`t${i}`, i % 2, i + 1));
    assert.deepEqual(routePlan(targets, seededRandom(99)), routePlan(targets, seededRandom(99)));
    for (const bad of [() => 1, () => -1, () => Number.NaN]) assert.equal(routePlan(targets, bad).length, 8);
  });
});

describe('TrunkRoutes over a store', () => {
  it('resolves the named or default trunk, orders its targets and opens the carrier credentials', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'patchbay-trunk-'));
    const store = await openStore({ dataDir: dir });
    try {
      const account = newSid('AC');
      const routes = new TrunkRoutes(store, seededRandom(5));
      assert.deepEqual(await routes.resolve(account), { ok: false, reason: 'no-trunk', message: 'no BYOC trunk with a connection policy is configured for this account' });
      assert.equal((await routes.resolve(account, newSid('BY'))).ok, false);
      const policy = await store.connectionPolicies.create({ sid: newSid('NY'), accountSid: account, friendlyName: null, dateCreated: 1, dateUpdated: 1 });
      const trunk = await store.byocTrunks.create({
        sid: newSid('BY'), accountSid: account, friendlyName: null, voiceUrl: null, voiceMethod: 'POST', voiceFallbackUrl: null,
        voiceFallbackMethod: 'POST', statusCallbackUrl: null, statusCallbackMethod: 'POST', cnamLookupEnabled: 0,
        connectionPolicySid: policy.sid, fromDomainSid: null, sipAuthUsername: 'acme', sipAuthPassword: 'pw', dateCreated: 2, dateUpdated: 2,
      });
      const noTargets = await routes.resolve(account, trunk.sid);
      assert.equal(noTargets.ok || noTargets.reason, 'no-targets');
      const add = (uri: string, priority: number, enabled = 1) =>
        store.connectionPolicyTargets.create({
          sid: newSid('NE'), accountSid: account, connectionPolicySid: policy.sid, friendlyName: null, target: uri, priority, weight: 10, enabled, dateCreated: 3, dateUpdated: 3,
        });
      await add('sip:backup.example.com', 20);
      await add('sip:primary.example.com', 1);
      await add('sip:off.example.com', 0, 0);
      const result = await routes.resolve(account);
      assert.ok(result.ok);
      assert.equal(result.route.trunk.sid, trunk.sid);
      assert.deepEqual(result.route.targets.map((t) => t.target), ['sip:primary.example.com', 'sip:backup.example.com']);
      assert.deepEqual(result.route.credentials, { username: 'acme', password: 'pw' });
      assert.equal((await routes.resolve(newSid('AC'), trunk.sid)).ok, false);
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

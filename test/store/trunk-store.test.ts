import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { newSid } from '../../src/core/index.js';
import { type ByocTrunk, type Store, openStore } from '../../src/store/index.js';
import { dialectsUnderTest, type TestDatabase } from '../helpers/databases.js';

const dialects = await dialectsUnderTest();

function trunk(accountSid: string, at: number, extra: Partial<ByocTrunk> = {}): ByocTrunk {
  return {
    sid: newSid('BY'), accountSid, friendlyName: null, voiceUrl: null, voiceMethod: 'POST', voiceFallbackUrl: null,
    voiceFallbackMethod: 'POST', statusCallbackUrl: null, statusCallbackMethod: 'POST', cnamLookupEnabled: 0,
    connectionPolicySid: null, fromDomainSid: null, sipAuthUsername: null, dateCreated: at, dateUpdated: at, ...extra,
  };
}

for (const dialect of dialects) {
  let database: TestDatabase;
  let store: Store;

  describe(`store on ${dialect.name}: trunks, connection policies, call limits and the outbound queue`, () => {
    before(async () => {
      database = await dialect.create();
      store = await openStore({ url: database.url, dataDir: database.dataDir });
    });
    after(async () => {
      await store.close();
      await database.drop();
    });

    it('seals the carrier password and opens it only for the originator', async () => {
      const account = newSid('AC');
      const t = await store.byocTrunks.create({ ...trunk(account, 1, { sipAuthUsername: 'carrier' }), sipAuthPassword: 's3cret' });
      assert.equal((t as { sipAuthPassword?: string }).sipAuthPassword, undefined);
      const raw = await store.byocTrunks.get(t.sid);
      const sealed = raw?.sealedSipAuthPassword ?? '';
      assert.ok(sealed.startsWith('v1.'));
      assert.ok(!sealed.includes('s3cret'));
      assert.deepEqual(await store.byocTrunks.carrierCredentials(t.sid), { username: 'carrier', password: 's3cret' });
      const changed = await store.byocTrunks.change(t.sid, { sipAuthPassword: 'n3w', friendlyName: 'x', dateUpdated: 2 });
      assert.equal(changed?.friendlyName, 'x');
      assert.equal((changed as { sealedSipAuthPassword?: string }).sealedSipAuthPassword, undefined);
      assert.deepEqual(await store.byocTrunks.carrierCredentials(t.sid), { username: 'carrier', password: 'n3w' });
      await store.byocTrunks.change(t.sid, { sipAuthPassword: null, dateUpdated: 3 });
      assert.equal(await store.byocTrunks.carrierCredentials(t.sid), undefined);
      assert.equal(await store.byocTrunks.findOwned(newSid('AC'), t.sid), undefined);
    });

    it('pages trunks per account and deletes a policy with its targets, detaching its trunks', async () => {
      const account = newSid('AC');
      const policy = await store.connectionPolicies.create({ sid: newSid('NY'), accountSid: account, friendlyName: 'p', dateCreated: 1, dateUpdated: 1 });
      const trunks = [];
      for (let i = 0; i < 5; i++) trunks.push(await store.byocTrunks.create(trunk(account, 10 + i, { connectionPolicySid: policy.sid })));
      await store.byocTrunks.create(trunk(newSid('AC'), 12));
      const first = await store.byocTrunks.list(account, { pageSize: 2 });
      assert.deepEqual(first.items.map((x) => x.sid), trunks.slice(0, 2).map((x) => x.sid));
      const second = await store.byocTrunks.list(account, { pageSize: 2, pageToken: first.nextToken! });
      assert.deepEqual(second.items.map((x) => x.sid), trunks.slice(2, 4).map((x) => x.sid));

      for (let i = 0; i < 3; i++) {
        await store.connectionPolicyTargets.create({
          sid: newSid('NE'), accountSid: account, connectionPolicySid: policy.sid, friendlyName: null, target: `sip:sbc${i}.example.com`,
          priority: 10, weight: 10, enabled: 1, dateCreated: 20 + i, dateUpdated: 20 + i,
        });
      }
      assert.deepEqual((await store.connectionPolicyTargets.all(policy.sid)).map((x) => x.target), ['sip:sbc0.example.com', 'sip:sbc1.example.com', 'sip:sbc2.example.com']);
      assert.equal(await store.connectionPolicies.deleteWithTargets(policy.sid, 99), true);
      assert.deepEqual(await store.connectionPolicyTargets.all(policy.sid), []);
      assert.equal((await store.byocTrunks.findOwned(account, trunks[0].sid))?.connectionPolicySid, null);
    });

    it('upserts call limits; null returns a limit to the default', async () => {
      const account = newSid('AC');
      assert.equal(await store.accountCallLimits.get(account), undefined);
      assert.deepEqual(await store.accountCallLimits.set(account, { callsPerSecond: 2.5 }, 1), { accountSid: account, callsPerSecond: 2.5, maxConcurrentCalls: null, dateUpdated: 1 });
      const both = await store.accountCallLimits.set(account, { maxConcurrentCalls: 7 }, 2);
      assert.equal(both.callsPerSecond, 2.5);
      assert.equal(both.maxConcurrentCalls, 7);
      assert.equal((await store.accountCallLimits.set(account, { callsPerSecond: null }, 3)).callsPerSecond, null);
    });

    it('keeps queued calls in enqueue order until removed', async () => {
      const rows = [3, 1, 2].map((seq) => ({ callSid: newSid('CA'), accountSid: newSid('AC'), seq, enqueuedAt: 1000 + seq, data: seq === 1 ? '{"x":1}' : null }));
      for (const row of rows) await store.outboundCallQueue.insert(row);
      assert.deepEqual((await store.outboundCallQueue.all()).map((r) => r.seq), [1, 2, 3]);
      assert.equal((await store.outboundCallQueue.all())[0].data, '{"x":1}');
      assert.equal(await store.outboundCallQueue.remove(rows[0].callSid), true);
      assert.equal(await store.outboundCallQueue.remove(rows[0].callSid), false);
      assert.deepEqual((await store.outboundCallQueue.all()).map((r) => r.seq), [1, 2]);
    });
  });
}

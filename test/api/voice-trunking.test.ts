import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Twilio } from 'twilio';
import { dialectsUnderTest } from '../helpers/databases.js';
import { contractChecks, contractViolations, startTestServer, type TestServer } from '../helpers/server.js';

/**
 * The Voice v1 trunking resources through the official `twilio` client: BYOC trunks, connection policies and their
 * targets, with the v1 `meta` paging envelope, and the carrier credentials extension over plain HTTP.
 */
async function restError(promise: Promise<unknown>): Promise<{ code: number; status: number }> {
  try {
    await promise;
  } catch (err) {
    const e = err as { code: number; status: number };
    assert.equal(typeof e.code, 'number', `expected a RestException, got ${String(err)}`);
    return e;
  }
  assert.fail('expected the request to fail');
}

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;

for (const dialect of await dialectsUnderTest()) {
  describe(`Voice v1 trunking resources on ${dialect.name}`, () => {
    let t: TestServer;
    let client: Twilio;
    const checksBefore = contractChecks.count;

    before(async () => {
      t = await startTestServer({}, await dialect.create());
      client = t.client();
    });
    after(async () => {
      await t.close();
    });

    it('creates, fetches, updates, pages and deletes connection policies and their targets', async () => {
      const policy = await client.voice.v1.connectionPolicies.create({ friendlyName: 'carrier A' });
      assert.match(policy.sid, /^NY[0-9a-f]{32}$/);
      assert.equal(policy.accountSid, t.accountSid);
      assert.equal(policy.url, `${t.server.publicUrl}/v1/ConnectionPolicies/${policy.sid}`);
      assert.deepEqual(policy.links, { targets: `${t.server.publicUrl}/v1/ConnectionPolicies/${policy.sid}/Targets` });
      assert.ok(policy.dateCreated instanceof Date && !Number.isNaN(policy.dateCreated.getTime()));

      const targets = client.voice.v1.connectionPolicies(policy.sid).targets;
      const primary = await targets.create({ target: 'sip:sbc1.example.com:5060', friendlyName: 'primary', priority: 1, weight: 20 });
      assert.match(primary.sid, /^NE[0-9a-f]{32}$/);
      assert.equal(primary.connectionPolicySid, policy.sid);
      assert.equal(primary.target, 'sip:sbc1.example.com:5060');
      assert.equal(primary.priority, 1);
      assert.equal(primary.weight, 20);
      assert.equal(primary.enabled, true);
      const defaults = await targets.create({ target: 'sip:10.0.0.7' });
      assert.equal(defaults.priority, 10);
      assert.equal(defaults.weight, 10);
      assert.equal(defaults.enabled, true);
      assert.equal(defaults.friendlyName, null);

      const updated = await targets(defaults.sid).update({ enabled: false, priority: 2, target: 'sip:[2001:db8::1]:5080;transport=tcp' });
      assert.equal(updated.enabled, false);
      assert.equal(updated.priority, 2);
      assert.equal(updated.target, 'sip:[2001:db8::1]:5080;transport=tcp');
      assert.equal((await targets(defaults.sid).fetch()).enabled, false);

      for (let i = 0; i < 3; i++) await targets.create({ target: `sip:sbc-page${i}.example.com` });
      const all = await targets.list({ pageSize: 2 });
      assert.equal(all.length, 5);
      const page = await targets.page({ pageSize: 2 });
      assert.equal(page.instances.length, 2);
      const next = await page.nextPage();
      assert.equal(next?.instances.length, 2);
      const seen: string[] = [];
      await targets.each({ pageSize: 2 }, (x) => {
        seen.push(x.sid);
      });
      assert.deepEqual(seen, all.map((x) => x.sid));

      const renamed = await client.voice.v1.connectionPolicies(policy.sid).update({ friendlyName: 'carrier B' });
      assert.equal(renamed.friendlyName, 'carrier B');

      await targets(primary.sid).remove();
      assert.equal((await restError(targets(primary.sid).fetch())).code, 20404);
      await client.voice.v1.connectionPolicies(policy.sid).remove();
      assert.equal((await restError(client.voice.v1.connectionPolicies(policy.sid).fetch())).code, 20404);
      assert.equal((await restError(targets.list())).code, 20404);
    });

    it('creates, pages, updates and deletes BYOC trunks', async () => {
      const policy = await client.voice.v1.connectionPolicies.create({});
      const trunk = await client.voice.v1.byocTrunks.create({
        friendlyName: 'carrier',
        voiceUrl: 'https://example.com/voice',
        voiceMethod: 'GET',
        statusCallbackUrl: 'https://example.com/status',
        connectionPolicySid: policy.sid,
        cnamLookupEnabled: true,
      });
      assert.match(trunk.sid, /^BY[0-9a-f]{32}$/);
      assert.equal(trunk.voiceMethod, 'GET');
      assert.equal(trunk.voiceFallbackMethod, 'POST');
      assert.equal(trunk.voiceFallbackUrl, null);
      assert.equal(trunk.statusCallbackMethod, 'POST');
      assert.equal(trunk.cnamLookupEnabled, true);
      assert.equal(trunk.connectionPolicySid, policy.sid);
      assert.equal(trunk.fromDomainSid, null);
      assert.equal(trunk.url, `${t.server.publicUrl}/v1/ByocTrunks/${trunk.sid}`);

      const domain = await client.sip.domains.create({ domainName: 'byoc.sip.localhost' });
      const updated = await client.voice.v1.byocTrunks(trunk.sid).update({ fromDomainSid: domain.sid, voiceUrl: '', friendlyName: 'renamed' });
      assert.equal(updated.fromDomainSid, domain.sid);
      assert.equal(updated.voiceUrl, null);
      assert.equal(updated.friendlyName, 'renamed');
      assert.equal(updated.connectionPolicySid, policy.sid);

      // Deleting the policy detaches the trunk.
      await client.voice.v1.connectionPolicies(policy.sid).remove();
      assert.equal((await client.voice.v1.byocTrunks(trunk.sid).fetch()).connectionPolicySid, null);

      for (let i = 0; i < 4; i++) await client.voice.v1.byocTrunks.create({ friendlyName: `page ${i}` });
      const all = await client.voice.v1.byocTrunks.list({ pageSize: 2 });
      assert.equal(all.length, 5);
      assert.equal(all[0].sid, trunk.sid);

      await client.voice.v1.byocTrunks(trunk.sid).remove();
      assert.equal((await restError(client.voice.v1.byocTrunks(trunk.sid).fetch())).code, 20404);
      assert.equal((await restError(client.voice.v1.byocTrunks(trunk.sid).remove())).code, 20404);
    });

    it('serves the v1 meta envelope with absolute URLs and ISO 8601 dates', async () => {
      const policy = await client.voice.v1.connectionPolicies.create({ friendlyName: 'meta' });
      await client.voice.v1.connectionPolicies.create({ friendlyName: 'meta 2' });
      const auth = `Basic ${Buffer.from(`${t.accountSid}:${t.authToken}`).toString('base64')}`;
      const res = await fetch(`${t.server.httpUrl}/v1/ConnectionPolicies?PageSize=1`, { headers: { authorization: auth } });
      assert.equal(res.status, 200);
      const body = (await res.json()) as { connection_policies: Array<Record<string, unknown>>; meta: Record<string, unknown> };
      assert.equal(body.meta.key, 'connection_policies');
      assert.equal(body.meta.page, 0);
      assert.equal(body.meta.page_size, 1);
      assert.equal(body.meta.first_page_url, `${t.server.publicUrl}/v1/ConnectionPolicies?PageSize=1&Page=0`);
      assert.equal(body.meta.previous_page_url, null);
      assert.match(String(body.meta.next_page_url), new RegExp(`^${t.server.publicUrl}/v1/ConnectionPolicies\\?PageSize=1&Page=1&PageToken=PA`));
      assert.match(String(body.connection_policies[0].date_created), ISO);
      const fetched = (await (await fetch(`${t.server.httpUrl}/v1/ConnectionPolicies/${policy.sid}`, { headers: { authorization: auth } })).json()) as Record<string, unknown>;
      assert.match(String(fetched.date_updated), ISO);
      assert.equal((await fetch(`${t.server.httpUrl}/v1/ConnectionPolicies`)).status, 401);
    });

    it('refuses invalid parameters with 20001 and unknown references', async () => {
      const policy = await client.voice.v1.connectionPolicies.create({});
      const targets = client.voice.v1.connectionPolicies(policy.sid).targets;
      for (const target of ['sips:sbc.example.com', 'http://sbc.example.com', 'sip:', 'sip:sbc.example.com:99999', 'sip:bad host']) {
        const e = await restError(targets.create({ target }));
        assert.equal(e.code, 20001, target);
        assert.equal(e.status, 400);
      }
      assert.equal((await restError(targets.create({ target: 'sip:a.example.com', priority: 65536 }))).code, 20001);
      assert.equal((await restError(targets.create({ target: 'sip:a.example.com', weight: 0 }))).code, 20001);
      assert.equal((await restError(targets.create({ target: 'sip:a.example.com', friendlyName: 'x'.repeat(256) }))).code, 20001);
      assert.equal((await restError(client.voice.v1.byocTrunks.create({ voiceUrl: 'not a url' }))).code, 20001);
      assert.equal((await restError(client.voice.v1.byocTrunks.create({ connectionPolicySid: `NY${'0'.repeat(32)}` }))).code, 20001);
      assert.equal((await restError(client.voice.v1.byocTrunks.create({ fromDomainSid: `SD${'0'.repeat(32)}` }))).code, 20001);
      assert.equal((await restError(client.voice.v1.byocTrunks(`BY${'0'.repeat(32)}`).fetch())).code, 20404);
      const auth = `Basic ${Buffer.from(`${t.accountSid}:${t.authToken}`).toString('base64')}`;
      const missing = await fetch(`${t.server.httpUrl}/v1/ConnectionPolicies/${policy.sid}/Targets`, {
        method: 'POST', headers: { authorization: auth, 'content-type': 'application/x-www-form-urlencoded' }, body: 'FriendlyName=x',
      });
      assert.equal(missing.status, 400);
      assert.equal(((await missing.json()) as { code: number }).code, 20001);
    });

    it('keeps each account to its own trunks, policies and targets', async () => {
      const sub = await client.api.v2010.accounts.create({ friendlyName: 'tenant' });
      const subClient = t.client(sub.sid, sub.authToken);
      const mine = await client.voice.v1.connectionPolicies.create({ friendlyName: 'owner' });
      const ownerTrunk = await client.voice.v1.byocTrunks.create({ friendlyName: 'owner' });
      const theirs = await subClient.voice.v1.connectionPolicies.create({ friendlyName: 'tenant' });
      assert.equal(theirs.accountSid, sub.sid);
      assert.deepEqual((await subClient.voice.v1.connectionPolicies.list()).map((p) => p.sid), [theirs.sid]);
      assert.ok(!(await client.voice.v1.connectionPolicies.list()).some((p) => p.sid === theirs.sid));
      assert.equal((await restError(subClient.voice.v1.connectionPolicies(mine.sid).fetch())).code, 20404);
      assert.equal((await restError(subClient.voice.v1.connectionPolicies(mine.sid).targets.create({ target: 'sip:x.example.com' }))).code, 20404);
      assert.equal((await restError(subClient.voice.v1.byocTrunks(ownerTrunk.sid).update({ friendlyName: 'stolen' }))).code, 20404);
      assert.equal((await restError(subClient.voice.v1.byocTrunks.create({ connectionPolicySid: mine.sid }))).code, 20001);
      // API keys of the subaccount act on the subaccount.
      const key = await subClient.newKeys.create({ friendlyName: 'k' });
      const keyClient = t.client(key.sid, key.secret, sub.sid);
      assert.deepEqual((await keyClient.voice.v1.connectionPolicies.list()).map((p) => p.sid), [theirs.sid]);
    });

    it('keeps the carrier digest credentials write-only and sealed (Patchbay extension)', async () => {
      const auth = `Basic ${Buffer.from(`${t.accountSid}:${t.authToken}`).toString('base64')}`;
      const post = (path: string, body: string) =>
        fetch(`${t.server.httpUrl}${path}`, { method: 'POST', headers: { authorization: auth, 'content-type': 'application/x-www-form-urlencoded' }, body });
      const created = await post('/v1/ByocTrunks', 'FriendlyName=carrier&SipAuthUsername=acme&SipAuthPassword=s3cr3t%21');
      assert.equal(created.status, 201);
      const trunk = (await created.json()) as Record<string, unknown>;
      const sid = String(trunk.sid);
      assert.ok(!JSON.stringify(trunk).includes('s3cr3t'));
      assert.equal('sip_auth_username' in trunk, false);
      assert.deepEqual(await t.server.store.byocTrunks.carrierCredentials(sid), { username: 'acme', password: 's3cr3t!' });
      assert.equal((await post(`/v1/ByocTrunks/${sid}`, 'SipAuthPassword=n%C3%A9w')).status, 400);
      assert.equal((await post(`/v1/ByocTrunks/${sid}`, 'SipAuthPassword=other')).status, 200);
      assert.deepEqual(await t.server.store.byocTrunks.carrierCredentials(sid), { username: 'acme', password: 'other' });
      assert.equal((await post(`/v1/ByocTrunks/${sid}`, 'SipAuthUsername=')).status, 200);
      assert.equal(await t.server.store.byocTrunks.carrierCredentials(sid), undefined);
    });

    it('matches the Voice v1 OpenAPI response schemas', () => {
      assert.ok(contractChecks.count > checksBefore);
      assert.deepEqual(contractViolations.filter((v) => v.path.startsWith('/v1/')), []);
    });
  });
}

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { contractViolations, startTestServer, type TestServer } from '../helpers/server.js';

/**
 * The call limits extension: `PatchbayCallsPerSecond` / `PatchbayMaxConcurrentCalls` on the Account update (parent
 * or owner only) and `GET /patchbay/v1/Accounts/{Sid}/CallLimits`; the Account JSON keeps Twilio's shape.
 */
describe('Patchbay extension: per-account call limits', () => {
  let t: TestServer;
  const basic = (user: string, secret: string) => `Basic ${Buffer.from(`${user}:${secret}`).toString('base64')}`;
  let owner: string;

  before(async () => {
    t = await startTestServer();
    owner = basic(t.accountSid, t.authToken);
  });
  after(async () => {
    await t.close();
  });

  const update = (auth: string, sid: string, body: string) =>
    fetch(`${t.server.httpUrl}/2010-04-01/Accounts/${sid}.json`, {
      method: 'POST', headers: { authorization: auth, 'content-type': 'application/x-www-form-urlencoded' }, body,
    });
  const limits = async (auth: string, sid: string) => {
    const res = await fetch(`${t.server.httpUrl}/patchbay/v1/Accounts/${sid}/CallLimits`, { headers: { authorization: auth } });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  it('lets the parent set a subaccount\'s limits and both read them', async () => {
    const client = t.client();
    const sub = await client.api.v2010.accounts.create({ friendlyName: 'tenant' });
    const subAuth = basic(sub.sid, sub.authToken);
    assert.deepEqual((await limits(subAuth, sub.sid)).body, {
      account_sid: sub.sid, calls_per_second: null, max_concurrent_calls: null, url: `/patchbay/v1/Accounts/${sub.sid}/CallLimits`,
    });
    const res = await update(owner, sub.sid, 'PatchbayCallsPerSecond=2.5&PatchbayMaxConcurrentCalls=10&FriendlyName=tenant+2');
    assert.equal(res.status, 200);
    const account = (await res.json()) as Record<string, unknown>;
    assert.equal(account.friendly_name, 'tenant 2');
    assert.deepEqual(Object.keys(account).sort(), ['auth_token', 'date_created', 'date_updated', 'friendly_name', 'owner_account_sid', 'sid', 'status', 'subresource_uris', 'type', 'uri']);
    assert.equal((await limits(subAuth, sub.sid)).body.calls_per_second, 2.5);
    assert.equal((await limits(owner, sub.sid)).body.max_concurrent_calls, 10);
    assert.equal((await t.server.store.accountCallLimits.get(sub.sid))?.callsPerSecond, 2.5);

    // The official client still sees a Twilio-shaped account.
    const fetched = await client.api.v2010.accounts(sub.sid).fetch();
    assert.equal(fetched.friendlyName, 'tenant 2');

    // A subaccount cannot raise its own limits; a sibling cannot read them.
    const own = await update(subAuth, sub.sid, 'PatchbayCallsPerSecond=100');
    assert.equal(own.status, 401);
    assert.equal(((await own.json()) as { code: number }).code, 20003);
    assert.equal((await limits(subAuth, sub.sid)).body.calls_per_second, 2.5);
    const sibling = await client.api.v2010.accounts.create({ friendlyName: 'other' });
    assert.equal((await limits(basic(sibling.sid, sibling.authToken), sub.sid)).status, 401);
    assert.equal((await update(basic(sibling.sid, sibling.authToken), sub.sid, 'PatchbayCallsPerSecond=100')).status, 401);

    // Empty resets one limit to the default, leaving the other.
    assert.equal((await update(owner, sub.sid, 'PatchbayCallsPerSecond=')).status, 200);
    assert.deepEqual([(await limits(owner, sub.sid)).body.calls_per_second, (await limits(owner, sub.sid)).body.max_concurrent_calls], [null, 10]);
  });

  it('lets the owner set its own limits and refuses invalid values with 20001', async () => {
    assert.equal((await update(owner, t.accountSid, 'PatchbayMaxConcurrentCalls=500')).status, 200);
    assert.equal((await limits(owner, t.accountSid)).body.max_concurrent_calls, 500);
    for (const body of ['PatchbayCallsPerSecond=0', 'PatchbayCallsPerSecond=-1', 'PatchbayCallsPerSecond=abc', 'PatchbayCallsPerSecond=10001', 'PatchbayMaxConcurrentCalls=1.5', 'PatchbayMaxConcurrentCalls=0']) {
      const res = await update(owner, t.accountSid, body);
      assert.equal(res.status, 400, body);
      assert.equal(((await res.json()) as { code: number }).code, 20001);
    }
    assert.equal((await limits(owner, t.accountSid)).body.max_concurrent_calls, 500);
    assert.equal((await fetch(`${t.server.httpUrl}/patchbay/v1/Accounts/${t.accountSid}/CallLimits`)).status, 401);
  });

  it('leaves no contract violations on the 2010-04-01 responses', () => {
    assert.deepEqual(contractViolations.filter((v) => v.path.includes('/Accounts')), []);
  });
});

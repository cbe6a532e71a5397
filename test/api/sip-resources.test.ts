import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Twilio } from 'twilio';
import { newSid } from '../../src/core/index.js';
import { dialectsUnderTest } from '../helpers/databases.js';
import { contractChecks, contractViolations, startTestServer, type TestServer } from '../helpers/server.js';

/**
 * The SIP resources of the 2010-04-01 API through the official `twilio` client: domains, credential lists and
 * credentials, IP access control lists and addresses, and the five kinds of domain mapping.
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

const PASSWORD = 'IWasAtSignal2018';

for (const dialect of await dialectsUnderTest()) {
  describe(`SIP REST resources on ${dialect.name}`, () => {
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

    describe('Domains', () => {
      it('creates, fetches, updates, pages and deletes domains', async () => {
        const d = await client.sip.domains.create({
          domainName: 'Acme.sip.localhost',
          friendlyName: 'Acme',
          voiceUrl: 'https://example.com/voice',
          voiceMethod: 'GET',
          sipRegistration: true,
        });
        assert.match(d.sid, /^SD[0-9a-f]{32}$/);
        assert.equal(d.domainName, 'acme.sip.localhost');
        assert.equal(d.voiceMethod, 'GET');
        assert.equal(d.voiceFallbackMethod, 'POST');
        assert.equal(d.sipRegistration, true);
        assert.equal(d.secure, false);
        assert.equal(d.authType, '');
        assert.equal(d.uri, `/2010-04-01/Accounts/${t.accountSid}/SIP/Domains/${d.sid}.json`);
        assert.equal(
          (d.subresourceUris as Record<string, string>).credential_list_mappings,
          `/2010-04-01/Accounts/${t.accountSid}/SIP/Domains/${d.sid}/CredentialListMappings.json`,
        );
        const fetched = await client.sip.domains(d.sid).fetch();
        assert.equal(fetched.friendlyName, 'Acme');
        const updated = await client.sip.domains(d.sid).update({ friendlyName: 'Acme Corp', voiceUrl: '', secure: true, domainName: 'acme2.sip.localhost' });
        assert.equal(updated.friendlyName, 'Acme Corp');
        assert.equal(updated.voiceUrl, null);
        assert.equal(updated.secure, true);
        assert.equal(updated.domainName, 'acme2.sip.localhost');
        assert.equal(updated.sipRegistration, true);

        for (let i = 0; i < 4; i++) await client.sip.domains.create({ domainName: `page${i}.sip.localhost` });
        const all = await client.sip.domains.list({ pageSize: 2 });
        assert.equal(all.length, 5);
        const page = await client.sip.domains.page({ pageSize: 2 });
        assert.equal(page.instances.length, 2);
        const next = await page.nextPage();
        assert.equal(next?.instances.length, 2);

        await client.sip.domains(d.sid).remove();
        assert.equal((await restError(client.sip.domains(d.sid).fetch())).code, 20404);
        assert.equal((await restError(client.sip.domains(d.sid).remove())).code, 20404);
      });

      it('validates names and keeps them unique across accounts', async () => {
        assert.equal((await restError(client.sip.domains.create({ domainName: '' }))).code, 21232);
        assert.equal((await restError(client.sip.domains.create({ domainName: 'bad_name!.localhost' }))).code, 21232);
        assert.equal((await restError(client.sip.domains.create({ domainName: 'x.sip.localhost', voiceUrl: 'not a url' }))).code, 21205);
        assert.equal((await restError(client.sip.domains.create({ domainName: 'x.sip.localhost', voiceMethod: 'PUT' as 'GET' }))).code, 20001);
        await client.sip.domains.create({ domainName: 'unique.sip.localhost' });
        const sub = await client.api.v2010.accounts.create({ friendlyName: 'sip sub' });
        const subClient = t.client(sub.sid, sub.authToken);
        const dup = await restError(subClient.sip.domains.create({ domainName: 'UNIQUE.sip.localhost' }));
        assert.equal(dup.code, 21232);
        assert.equal(dup.status, 400);
      });
    });

    describe('Credential lists and credentials', () => {
      it('manages lists and credentials and never returns passwords', async () => {
        const list = await client.sip.credentialLists.create({ friendlyName: 'Phones' });
        assert.match(list.sid, /^CL[0-9a-f]{32}$/);
        assert.equal(
          (list.subresourceUris as Record<string, string>).credentials,
          `/2010-04-01/Accounts/${t.accountSid}/SIP/CredentialLists/${list.sid}/Credentials.json`,
        );
        assert.equal((await client.sip.credentialLists(list.sid).update({ friendlyName: 'Desk phones' })).friendlyName, 'Desk phones');
        const creds = client.sip.credentialLists(list.sid).credentials;
        const alice = await creds.create({ username: 'alice', password: PASSWORD });
        assert.match(alice.sid, /^CR[0-9a-f]{32}$/);
        assert.equal(alice.credentialListSid, list.sid);
        assert.equal(alice.username, 'alice');
        assert.equal((alice as unknown as { password?: string }).password, undefined);
        for (let i = 0; i < 4; i++) await creds.create({ username: `user${i}`, password: PASSWORD });
        const listed = await creds.list({ pageSize: 2 });
        assert.deepEqual(listed.map((c) => c.username), ['alice', 'user0', 'user1', 'user2', 'user3']);
        const fetched = await client.sip.credentialLists(list.sid).credentials(alice.sid).fetch();
        assert.equal(fetched.username, 'alice');
        const changed = await client.sip.credentialLists(list.sid).credentials(alice.sid).update({ password: 'AnotherPass12345' });
        assert.equal(changed.sid, alice.sid);
        assert.equal((await restError(client.sip.credentialLists(list.sid).credentials(alice.sid).update({ password: 'short' }))).code, 21243);
        await client.sip.credentialLists(list.sid).credentials(alice.sid).remove();
        assert.equal((await restError(client.sip.credentialLists(list.sid).credentials(alice.sid).fetch())).code, 20404);
        // A credential is only reachable through its own list.
        const other = await client.sip.credentialLists.create({ friendlyName: 'Other' });
        const bob = await client.sip.credentialLists(other.sid).credentials.create({ username: 'bob', password: PASSWORD });
        assert.equal((await restError(client.sip.credentialLists(list.sid).credentials(bob.sid).fetch())).code, 20404);
        await client.sip.credentialLists(other.sid).remove();
        assert.equal((await restError(client.sip.credentialLists(other.sid).fetch())).code, 20404);
        assert.equal((await restError(client.sip.credentialLists(other.sid).credentials.list())).code, 20404);
      });

      it('enforces password strength, required fields and unique usernames', async () => {
        const list = await client.sip.credentialLists.create({ friendlyName: 'Rules' });
        const creds = client.sip.credentialLists(list.sid).credentials;
        for (const weak of ['Short1A', 'alllowercase123', 'ALLUPPERCASE123', 'NoDigitsAtAllHere']) {
          assert.equal((await restError(creds.create({ username: 'u', password: weak }))).code, 21243);
        }
        assert.equal((await restError(creds.create({ username: 'x'.repeat(33), password: PASSWORD }))).code, 21243);
        await creds.create({ username: 'dup', password: PASSWORD });
        assert.equal((await restError(creds.create({ username: 'dup', password: PASSWORD }))).code, 21243);
        assert.equal((await restError(client.sip.credentialLists.create({ friendlyName: '' }))).code, 21240);
        assert.equal((await restError(client.sip.credentialLists.create({ friendlyName: 'n'.repeat(65) }))).code, 21240);
        assert.equal((await client.sip.ipAccessControlLists.create({ friendlyName: 'n'.repeat(255) })).friendlyName.length, 255);
        assert.equal((await restError(client.sip.ipAccessControlLists.create({ friendlyName: 'n'.repeat(256) }))).code, 20001);
      });
    });

    describe('IP access control lists and addresses', () => {
      it('manages lists and IPv4/IPv6 addresses with prefix lengths', async () => {
        const acl = await client.sip.ipAccessControlLists.create({ friendlyName: 'Office' });
        assert.match(acl.sid, /^AL[0-9a-f]{32}$/);
        const ips = client.sip.ipAccessControlLists(acl.sid).ipAddresses;
        const v4 = await ips.create({ friendlyName: 'lan', ipAddress: '192.0.2.0', cidrPrefixLength: 24 });
        assert.match(v4.sid, /^IP[0-9a-f]{32}$/);
        assert.equal(v4.cidrPrefixLength, 24);
        assert.equal(v4.ipAccessControlListSid, acl.sid);
        const host = await ips.create({ friendlyName: 'host', ipAddress: '198.51.100.7' });
        assert.equal(host.cidrPrefixLength, 32);
        const v6 = await ips.create({ friendlyName: 'v6', ipAddress: '2001:DB8::', cidrPrefixLength: 32 });
        assert.equal(v6.ipAddress, '2001:db8::');
        assert.equal((await restError(ips.create({ friendlyName: 'bad', ipAddress: '300.1.1.1' }))).code, 20001);
        assert.equal((await restError(ips.create({ friendlyName: 'bad', ipAddress: '192.0.2.1', cidrPrefixLength: 33 }))).code, 20001);
        assert.equal((await restError(ips.create({ friendlyName: '', ipAddress: '192.0.2.1' }))).code, 20001);
        const updated = await client.sip.ipAccessControlLists(acl.sid).ipAddresses(v4.sid).update({ cidrPrefixLength: 16, friendlyName: 'wider' });
        assert.equal(updated.cidrPrefixLength, 16);
        assert.equal(updated.ipAddress, '192.0.2.0');
        assert.equal(updated.friendlyName, 'wider');
        assert.equal((await ips.list({ pageSize: 1 })).length, 3);
        await client.sip.ipAccessControlLists(acl.sid).ipAddresses(host.sid).remove();
        assert.equal((await restError(client.sip.ipAccessControlLists(acl.sid).ipAddresses(host.sid).fetch())).code, 20404);
        assert.equal((await client.sip.ipAccessControlLists(acl.sid).update({ friendlyName: 'HQ' })).friendlyName, 'HQ');
        await client.sip.ipAccessControlLists(acl.sid).remove();
        assert.equal((await restError(client.sip.ipAccessControlLists(acl.sid).fetch())).code, 20404);
      });
    });

    describe('Domain mappings', () => {
      it('maps credential lists and IP ACLs for calls and registrations, reflected in auth_type', async () => {
        const domain = await client.sip.domains.create({ domainName: 'mapped.sip.localhost' });
        const lists = [];
        for (let i = 0; i < 3; i++) lists.push(await client.sip.credentialLists.create({ friendlyName: `cl ${i}` }));
        const acl = await client.sip.ipAccessControlLists.create({ friendlyName: 'acl' });
        const d = client.sip.domains(domain.sid);

        const reg = await d.auth.registrations.credentialListMappings.create({ credentialListSid: lists[0].sid });
        assert.equal(reg.sid, lists[0].sid);
        assert.equal(reg.friendlyName, 'cl 0');
        assert.equal(reg.accountSid, t.accountSid);
        // A list mapped for registrations only does not authenticate calls.
        assert.equal((await client.sip.domains(domain.sid).fetch()).authType, '');

        for (const l of lists) await d.auth.calls.credentialListMappings.create({ credentialListSid: l.sid });
        const callsMapped = await d.auth.calls.credentialListMappings.list({ pageSize: 2 });
        assert.deepEqual(callsMapped.map((m) => m.sid), lists.map((l) => l.sid));
        assert.equal((await d.auth.calls.credentialListMappings(lists[1].sid).fetch()).friendlyName, 'cl 1');

        assert.equal((await client.sip.domains(domain.sid).fetch()).authType, 'CREDENTIAL_LIST');
        await d.auth.calls.ipAccessControlListMappings.create({ ipAccessControlListSid: acl.sid });
        assert.equal((await client.sip.domains(domain.sid).fetch()).authType, 'IP_ACL,CREDENTIAL_LIST');
        const listed = await client.sip.domains.list();
        assert.equal(listed.find((x) => x.sid === domain.sid)?.authType, 'IP_ACL,CREDENTIAL_LIST');

        const legacy = await d.credentialListMappings.create({ credentialListSid: lists[2].sid });
        assert.equal(legacy.domainSid, domain.sid);
        assert.equal(legacy.uri, `/2010-04-01/Accounts/${t.accountSid}/SIP/Domains/${domain.sid}/CredentialListMappings/${lists[2].sid}.json`);
        const legacyAcl = await d.ipAccessControlListMappings.create({ ipAccessControlListSid: acl.sid });
        assert.equal(legacyAcl.sid, acl.sid);
        assert.equal((await d.ipAccessControlListMappings.list()).length, 1);

        // Duplicates, wrong SIDs, unknown lists.
        assert.equal((await restError(d.auth.calls.credentialListMappings.create({ credentialListSid: lists[0].sid }))).code, 21231);
        assert.equal((await restError(d.auth.calls.credentialListMappings.create({ credentialListSid: acl.sid }))).code, 20001);
        assert.equal((await restError(d.auth.calls.credentialListMappings.create({ credentialListSid: newSid('CL') }))).code, 21231);
        assert.equal((await restError(d.auth.calls.credentialListMappings(newSid('CL')).fetch())).code, 20404);

        await d.auth.calls.credentialListMappings(lists[1].sid).remove();
        assert.equal((await restError(d.auth.calls.credentialListMappings(lists[1].sid).fetch())).code, 20404);
        assert.equal((await restError(d.auth.calls.credentialListMappings(lists[1].sid).remove())).code, 20404);
        await d.auth.registrations.credentialListMappings(lists[0].sid).remove();
        assert.deepEqual(await d.auth.registrations.credentialListMappings.list(), []);

        // Deleting a list removes its mappings.
        await client.sip.ipAccessControlLists(acl.sid).remove();
        assert.deepEqual(await d.auth.calls.ipAccessControlListMappings.list(), []);
        assert.equal((await client.sip.domains(domain.sid).fetch()).authType, 'CREDENTIAL_LIST');
        assert.equal((await restError(client.sip.domains(newSid('SD')).auth.calls.credentialListMappings.list())).code, 20404);
      });
    });

    describe('Subaccount isolation', () => {
      it('keeps SIP resources to their account, lets the parent act on its subaccount', async () => {
        const sub = await client.api.v2010.accounts.create({ friendlyName: 'sip iso' });
        const subClient = t.client(sub.sid, sub.authToken);
        const parentDomain = await client.sip.domains.create({ domainName: 'parent.sip.localhost' });
        const parentList = await client.sip.credentialLists.create({ friendlyName: 'parent list' });
        const parentAcl = await client.sip.ipAccessControlLists.create({ friendlyName: 'parent acl' });
        assert.equal((await restError(subClient.sip.domains(parentDomain.sid).fetch())).code, 20404);
        assert.equal((await restError(subClient.sip.credentialLists(parentList.sid).fetch())).code, 20404);
        assert.equal((await restError(subClient.sip.credentialLists(parentList.sid).credentials.create({ username: 'x', password: PASSWORD }))).code, 20404);
        assert.equal((await restError(subClient.sip.ipAccessControlLists(parentAcl.sid).ipAddresses.list())).code, 20404);
        assert.ok(!(await subClient.sip.domains.list()).some((d) => d.sid === parentDomain.sid));

        const subDomain = await client.api.v2010.accounts(sub.sid).sip.domains.create({ domainName: 'child.sip.localhost' });
        assert.equal(subDomain.accountSid, sub.sid);
        assert.equal((await subClient.sip.domains(subDomain.sid).fetch()).sid, subDomain.sid);
        // A subaccount's domain cannot map its parent's list.
        const err = await restError(subClient.sip.domains(subDomain.sid).auth.calls.credentialListMappings.create({ credentialListSid: parentList.sid }));
        assert.equal(err.code, 21231);
        assert.equal((await restError(subClient.sip.domains(parentDomain.sid).auth.calls.credentialListMappings.list())).code, 20404);
      });
    });

    it('every response matched the OpenAPI description', () => {
      assert.ok(contractChecks.count > checksBefore);
      assert.deepEqual(contractViolations, []);
    });
  });
}

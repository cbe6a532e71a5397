import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { newSid } from '../../src/core/index.js';
import {
  CREDENTIAL_KEY_FILE, CredentialCipher, DomainNameTakenError, MappingExistsError, type Store, UsernameTakenError, openStore,
  type RegistrationInput,
} from '../../src/store/index.js';
import { dialectsUnderTest, type TestDatabase } from '../helpers/databases.js';

const dialects = await dialectsUnderTest();

for (const dialect of dialects) {
  let database: TestDatabase;
  let store: Store;

  describe(`store on ${dialect.name}: SIP domains, lists, mappings and registrations`, () => {
    before(async () => {
      database = await dialect.create();
      store = await openStore({ url: database.url, dataDir: database.dataDir });
    });
    after(async () => {
      await store.close();
      await database.drop();
    });

    it('keeps domain names unique across accounts, case-insensitively', async () => {
      const a = newSid('AC');
      const b = newSid('AC');
      const d = await store.sipDomains.create(domain(a, 'Acme.SIP.localhost', 1));
      assert.equal(d.domainName, 'acme.sip.localhost');
      assert.equal((await store.sipDomains.findByDomainName('ACME.sip.localhost'))?.sid, d.sid);
      await assert.rejects(store.sipDomains.create(domain(b, 'acme.sip.localhost', 2)), DomainNameTakenError);
      const other = await store.sipDomains.create(domain(b, 'other.sip.localhost', 3));
      await assert.rejects(store.sipDomains.rename(other.sid, { domainName: 'ACME.sip.localhost' }), DomainNameTakenError);
      assert.equal((await store.sipDomains.rename(d.sid, { domainName: 'acme.sip.localhost', friendlyName: 'x' }))?.friendlyName, 'x');
      assert.deepEqual((await store.sipDomains.list(a, { pageSize: 10 })).items.map((x) => x.sid), [d.sid]);
    });

    it('seals credential passwords with the key file and opens them for digest checks only', async () => {
      const account = newSid('AC');
      const list = await store.sipCredentialLists.create({ sid: newSid('CL'), accountSid: account, friendlyName: 'phones', dateCreated: 1, dateUpdated: 1 });
      const cred = await store.sipCredentials.create({
        sid: newSid('CR'), accountSid: account, credentialListSid: list.sid, username: 'alice', password: 'Secret12345678', dateCreated: 1, dateUpdated: 1,
      });
      assert.equal((cred as { password?: string }).password, undefined);
      await assert.rejects(
        store.sipCredentials.create({ sid: newSid('CR'), accountSid: account, credentialListSid: list.sid, username: 'alice', password: 'Other12345678', dateCreated: 2, dateUpdated: 2 }),
        UsernameTakenError,
      );
      assert.equal(await store.sipCredentials.passwordFor([list.sid], 'alice'), 'Secret12345678');
      assert.equal(await store.sipCredentials.passwordFor([list.sid], 'bob'), undefined);
      assert.equal(await store.sipCredentials.passwordFor([], 'alice'), undefined);
      const raw = await store.sipCredentials.get(cred.sid);
      assert.ok(raw && !raw.sealedPassword.includes('Secret'));
      assert.ok(!JSON.stringify(await store.sipCredentials.list(list.sid, { pageSize: 5 })).includes(raw.sealedPassword));
      // The key file is private and is reused when the store opens again.
      const keyFile = path.join(database.dataDir, CREDENTIAL_KEY_FILE);
      assert.equal(statSync(keyFile).mode & 0o077, 0);
      const key = readFileSync(keyFile, 'utf8');
      const again = await openStore({ url: database.url, dataDir: database.dataDir });
      assert.equal(await again.sipCredentials.passwordFor([list.sid], 'alice'), 'Secret12345678');
      await again.close();
      assert.equal(readFileSync(keyFile, 'utf8'), key);
      // Another key does not open it, nor does the right key for another row.
      assert.equal(new CredentialCipher(Buffer.alloc(32, 7)).open(raw.sealedPassword, cred.sid), undefined);
      assert.equal(new CredentialCipher(Buffer.from(key.trim(), 'hex')).open(raw.sealedPassword, newSid('CR')), undefined);
      await store.sipCredentials.changePassword(cred.sid, 'Changed123456', 5);
      assert.equal(await store.sipCredentials.passwordFor([list.sid], 'alice'), 'Changed123456');
    });

    it('maps lists to domains with their names, pages, refuses duplicates and cascades deletes', async () => {
      const account = newSid('AC');
      const d = await store.sipDomains.create(domain(account, 'maps.sip.localhost', 1));
      const lists = [];
      for (let i = 0; i < 5; i++) {
        const l = await store.sipCredentialLists.create({ sid: newSid('CL'), accountSid: account, friendlyName: `list ${i}`, dateCreated: 10 + i, dateUpdated: 10 + i });
        lists.push(l);
        await store.sipDomainMappings.create({ domainSid: d.sid, kind: 'registrations-credential-list', sid: l.sid, accountSid: account, dateCreated: 100 + i, dateUpdated: 100 + i });
      }
      await assert.rejects(
        store.sipDomainMappings.create({ domainSid: d.sid, kind: 'registrations-credential-list', sid: lists[0].sid, accountSid: account, dateCreated: 200, dateUpdated: 200 }),
        MappingExistsError,
      );
      // The same list may be mapped under another kind.
      await store.sipDomainMappings.create({ domainSid: d.sid, kind: 'calls-credential-list', sid: lists[0].sid, accountSid: account, dateCreated: 201, dateUpdated: 201 });
      const names: string[] = [];
      let token: string | undefined;
      for (;;) {
        const page = await store.sipDomainMappings.list(d.sid, 'registrations-credential-list', { pageSize: 2, pageToken: token });
        names.push(...page.items.map((m) => m.friendlyName));
        if (!page.nextToken) break;
        token = page.nextToken;
      }
      assert.deepEqual(names, ['list 0', 'list 1', 'list 2', 'list 3', 'list 4']);
      assert.deepEqual(await store.sipDomainMappings.listSids(d.sid, ['registrations-credential-list']), lists.map((l) => l.sid));
      assert.deepEqual(new Set(await store.sipDomainMappings.kindsOf(d.sid)), new Set(['registrations-credential-list', 'calls-credential-list']));
      assert.equal(await store.sipCredentialLists.remove(lists[0].sid), true);
      assert.equal(await store.sipDomainMappings.find(d.sid, 'calls-credential-list', lists[0].sid), undefined);
      assert.equal((await store.sipDomainMappings.listSids(d.sid, ['registrations-credential-list'])).length, 4);
      assert.equal(await store.sipDomainMappings.delete(d.sid, 'registrations-credential-list', lists[1].sid), true);
      assert.equal(await store.sipDomainMappings.delete(d.sid, 'registrations-credential-list', lists[1].sid), false);
      assert.equal(await store.sipDomains.remove(d.sid), true);
      assert.deepEqual(await store.sipDomainMappings.listSids(d.sid, ['registrations-credential-list']), []);
    });

    it('keeps IP addresses per list and finds them for several lists', async () => {
      const account = newSid('AC');
      const acl = await store.sipIpAccessControlLists.create({ sid: newSid('AL'), accountSid: account, friendlyName: 'office', dateCreated: 1, dateUpdated: 1 });
      const ip = await store.sipIpAddresses.create({
        sid: newSid('IP'), accountSid: account, ipAccessControlListSid: acl.sid, friendlyName: 'lan', ipAddress: '10.0.0.0', cidrPrefixLength: 8, dateCreated: 1, dateUpdated: 1,
      });
      assert.equal((await store.sipIpAddresses.findInList(account, acl.sid, ip.sid))?.cidrPrefixLength, 8);
      assert.equal(await store.sipIpAddresses.findInList(newSid('AC'), acl.sid, ip.sid), undefined);
      assert.deepEqual((await store.sipIpAddresses.inLists([acl.sid, newSid('AL')])).map((x) => x.sid), [ip.sid]);
      await store.sipIpAccessControlLists.remove(acl.sid);
      assert.deepEqual(await store.sipIpAddresses.inLists([acl.sid]), []);
    });

    it('replaces registration bindings atomically, hides expired ones and cleans them up', async () => {
      const d = await store.sipDomains.create(domain(newSid('AC'), 'reg.sip.localhost', 1));
      const binding = (contactUri: string, expiresAt: number, q: number | null): RegistrationInput => ({
        domainSid: d.sid, aor: 'alice', contactUri, contact: `<${contactUri}>`, q, expiresAt, callId: 'c1@host', cseq: 1,
        sourceTransport: 'udp', sourceAddress: '192.0.2.1', sourcePort: 5062, instanceId: null, regId: null,
      });
      await store.registrations.replace(d.sid, 'alice', [binding('sip:alice@192.0.2.1:5062', 10_000, 0.5), binding('sip:alice@192.0.2.2', 5_000, null)], 1_000);
      const found = await store.registrations.find(d.sid, 'alice', 2_000);
      assert.deepEqual(found.map((b) => b.contactUri), ['sip:alice@192.0.2.2', 'sip:alice@192.0.2.1:5062']);
      assert.equal(found[1].q, 0.5);
      assert.equal(found[0].sourcePort, 5062);
      assert.deepEqual((await store.registrations.find(d.sid, 'alice', 6_000)).map((b) => b.contactUri), ['sip:alice@192.0.2.1:5062']);
      assert.deepEqual(await store.registrations.find(d.sid, 'Alice', 2_000), []);
      await store.registrations.replace(d.sid, 'alice', [binding('sip:alice@192.0.2.1:5062', 20_000, null)], 3_000);
      const kept = await store.registrations.find(d.sid, 'alice', 4_000);
      assert.equal(kept.length, 1);
      assert.equal(kept[0].dateCreated, 1_000);
      assert.equal(kept[0].dateUpdated, 3_000);
      assert.equal(await store.registrations.countForDomain(d.sid, 4_000), 1);
      await store.registrations.replace(d.sid, 'bob', [binding('sip:bob@192.0.2.9', 500, null)], 100);
      assert.equal(await store.registrations.deleteExpired(600), 1);
      assert.equal(await store.registrations.countForDomain(d.sid, 600), 1);
    });
  });
}

function domain(accountSid: string, domainName: string, now: number) {
  return {
    sid: newSid('SD'), accountSid, domainName, friendlyName: domainName, apiVersion: '2010-04-01', voiceUrl: null,
    voiceMethod: 'POST', voiceFallbackUrl: null, voiceFallbackMethod: 'POST', voiceStatusCallbackUrl: null,
    voiceStatusCallbackMethod: 'POST', sipRegistration: 0, emergencyCallingEnabled: 0, secure: 0, byocTrunkSid: null,
    emergencyCallerSid: null, dateCreated: now, dateUpdated: now,
  };
}

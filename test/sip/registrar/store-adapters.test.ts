import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock, newSid } from '../../../src/core/index.js';
import { DigestClient } from '../../../src/sip/auth/index.js';
import { type SipRequest, parseMessage } from '../../../src/sip/message/index.js';
import {
  DigestRealms, Registrar, RegistrarService, StoreBindingStore, StoreDomainDirectory, authenticateInvite, deriveNonceSecret,
} from '../../../src/sip/registrar/index.js';
import { type SipMappingKind, type Store, openStore } from '../../../src/store/index.js';
import { dialectsUnderTest, type TestDatabase } from '../../helpers/databases.js';

function parse(text: string): SipRequest {
  const r = parseMessage(Buffer.from(text.split('\n').join('\r\n')));
  assert.ok(r.ok);
  return r.message as SipRequest;
}

const register = (cseq: number, authorization?: string) => parse(`REGISTER sip:office.sip.localhost SIP/2.0
Via: SIP/2.0/TCP 10.1.1.1:5070;branch=z9hG4bK-${cseq};received=198.51.100.20
From: <sip:carol@office.sip.localhost>;tag=1
To: <sip:carol@office.sip.localhost>
Call-ID: reg-1
CSeq: ${cseq} REGISTER
Contact: <sip:carol@10.1.1.1:5070;transport=tcp>;expires=120
${authorization ? `Authorization: ${authorization}\n` : ''}Content-Length: 0

`);

const invite = (proxyAuthorization?: string) => parse(`INVITE sip:dave@office.sip.localhost SIP/2.0
Via: SIP/2.0/UDP 10.1.1.1:5070;branch=z9hG4bK-inv
Max-Forwards: 70
From: <sip:carol@office.sip.localhost>;tag=2
To: <sip:dave@office.sip.localhost>
Call-ID: inv-1
CSeq: 1 INVITE
Contact: <sip:carol@10.1.1.1:5070>
${proxyAuthorization ? `Proxy-Authorization: ${proxyAuthorization}\n` : ''}Content-Length: 0

`);

for (const dialect of await dialectsUnderTest()) {
  describe(`registrar over the store on ${dialect.name}`, () => {
    let database: TestDatabase;
    let store: Store;
    const clock = new FakeClock(Date.parse('2026-01-01T00:00:00Z'));
    const account = newSid('AC');
    let domainSid: string;
    const lists: Record<string, string> = {};

    before(async () => {
      database = await dialect.create();
      store = await openStore({ url: database.url, dataDir: database.dataDir });
      const now = clock.now();
      const domain = await store.sipDomains.create({
        sid: newSid('SD'), accountSid: account, domainName: 'Office.sip.localhost', friendlyName: '', apiVersion: '2010-04-01',
        voiceUrl: null, voiceMethod: 'POST', voiceFallbackUrl: null, voiceFallbackMethod: 'POST', voiceStatusCallbackUrl: null,
        voiceStatusCallbackMethod: 'POST', sipRegistration: 1, emergencyCallingEnabled: 0, secure: 0, byocTrunkSid: null,
        emergencyCallerSid: null, dateCreated: now, dateUpdated: now,
      });
      domainSid = domain.sid;
      for (const [name, username, password] of [['reg', 'carol', 'CarolReg12345'], ['calls', 'carol', 'CarolCall1234']] as const) {
        const l = await store.sipCredentialLists.create({ sid: newSid('CL'), accountSid: account, friendlyName: name, dateCreated: now, dateUpdated: now });
        await store.sipCredentials.create({ sid: newSid('CR'), accountSid: account, credentialListSid: l.sid, username, password, dateCreated: now, dateUpdated: now });
        lists[name] = l.sid;
      }
      const acl = await store.sipIpAccessControlLists.create({ sid: newSid('AL'), accountSid: account, friendlyName: 'hq', dateCreated: now, dateUpdated: now });
      await store.sipIpAddresses.create({
        sid: newSid('IP'), accountSid: account, ipAccessControlListSid: acl.sid, friendlyName: 'hq', ipAddress: '2001:db8:1::', cidrPrefixLength: 48, dateCreated: now, dateUpdated: now,
      });
      lists.acl = acl.sid;
      const map = (kind: SipMappingKind, sid: string) =>
        store.sipDomainMappings.create({ domainSid, kind, sid, accountSid: account, dateCreated: now, dateUpdated: now });
      await map('registrations-credential-list', lists.reg);
      await map('credential-list', lists.calls);
      await map('calls-ip-acl', lists.acl);
    });
    after(async () => {
      await store.close();
      await database.drop();
    });

    it('resolves domains case-insensitively and keeps registration and call credentials apart', async () => {
      const directory = new StoreDomainDirectory(store);
      const d = await directory.findDomain('OFFICE.sip.localhost');
      assert.ok(d);
      assert.equal(d.realm, 'office.sip.localhost');
      assert.equal(d.registrationEnabled, true);
      assert.deepEqual(await d.registrationSecret('carol'), { password: 'CarolReg12345' });
      assert.deepEqual(await d.callSecret('carol'), { password: 'CarolCall1234' });
      assert.equal(await d.registrationSecret('nobody'), undefined);
      assert.deepEqual(await d.callAccess(), { ipRanges: [{ address: '2001:db8:1::', prefixLength: 48 }], credentialLists: true });
      assert.equal(await directory.findDomain('elsewhere.sip.localhost'), undefined);
      assert.equal((await directory.domainBySid(domainSid))?.name, 'office.sip.localhost');
    });

    it('stores bindings that survive reopening the store, and sweeps expired ones', async () => {
      const digest = new DigestRealms({ secret: 'store-adapter-secret-0123456789', clock });
      const registrar = new Registrar({ directory: new StoreDomainDirectory(store), bindings: new StoreBindingStore(store, clock), digest, clock });
      const challenge = await registrar.register(register(1));
      assert.equal(challenge.status, 401);
      const answer = new DigestClient({ username: 'carol', password: 'CarolReg12345' }).answer({
        challenges: challenge.headers.map(([, v]) => v), method: 'REGISTER', uri: 'sip:office.sip.localhost',
      });
      assert.ok(answer.ok);
      const ok = await registrar.register(register(2, answer.value));
      assert.equal(ok.status, 200);

      const reopened = await openStore({ url: database.url, dataDir: database.dataDir });
      try {
        const bindings = new StoreBindingStore(reopened, clock);
        const found = await bindings.findBindings('office.sip.localhost', 'carol');
        assert.equal(found.length, 1);
        assert.equal(found[0].contactUri, 'sip:carol@10.1.1.1:5070;transport=tcp');
        assert.deepEqual(found[0].source, { transport: 'TCP', address: '198.51.100.20', port: 5070 });
        assert.equal(found[0].expiresAt, clock.now() + 120_000);
        assert.deepEqual(await bindings.findBindings(domainSid, 'carol'), found);
        clock.advance(121_000);
        assert.deepEqual(await bindings.findBindings('office.sip.localhost', 'carol'), []);
        assert.equal(await bindings.deleteExpired(), 1);
        assert.equal(await bindings.deleteExpired(), 0);
      } finally {
        await reopened.close();
      }
    });

    it('authenticates INVITEs by the mapped IPv6 range or by call credentials', async () => {
      const digest = new DigestRealms({ secret: 'store-adapter-secret-0123456789', clock });
      const domain = (await new StoreDomainDirectory(store).findDomain('office.sip.localhost'))!;
      assert.equal((await authenticateInvite({ request: invite(), sourceAddress: '2001:db8:1:ffff::5', domain, digest })).kind, 'allowed');
      const challenge = await authenticateInvite({ request: invite(), sourceAddress: '203.0.113.1', domain, digest });
      assert.equal(challenge.kind, 'challenge');
      if (challenge.kind !== 'challenge') return;
      const creds = (password: string) => {
        const a = new DigestClient({ username: 'carol', password }).answer({ challenges: challenge.headers.map(([, v]) => v), method: 'INVITE', uri: 'sip:dave@office.sip.localhost' });
        assert.ok(a.ok);
        return a.value;
      };
      // The registration password does not place calls: only lists mapped for calls count.
      assert.equal((await authenticateInvite({ request: invite(creds('CarolReg12345')), sourceAddress: '203.0.113.1', domain, digest })).kind, 'challenge');
      assert.deepEqual(await authenticateInvite({ request: invite(creds('CarolCall1234')), sourceAddress: '203.0.113.1', domain, digest }), {
        kind: 'allowed', by: 'credentials', username: 'carol',
      });
      await store.sipDomainMappings.delete(domainSid, 'credential-list', lists.calls);
      const fresh = (await new StoreDomainDirectory(store).findDomain('office.sip.localhost'))!;
      assert.equal((await authenticateInvite({ request: invite(), sourceAddress: '203.0.113.1', domain: fresh, digest })).kind, 'forbidden');
    });
  });
}

describe('RegistrarService', () => {
  it('answers REGISTERs through a respond callback and authenticates calls by Request-URI host', async () => {
    const [dialect] = await dialectsUnderTest();
    const database = await dialect!.create();
    const store = await openStore({ url: database.url, dataDir: database.dataDir });
    const service = new RegistrarService({ store, nonceSecret: deriveNonceSecret(new Uint8Array(32)) });
    try {
      service.start();
      service.start();
      const now = Date.now();
      const sid = newSid('SD');
      await store.sipDomains.create({
        sid, accountSid: newSid('AC'), domainName: 'office.sip.localhost', friendlyName: '', apiVersion: '2010-04-01',
        voiceUrl: null, voiceMethod: 'POST', voiceFallbackUrl: null, voiceFallbackMethod: 'POST', voiceStatusCallbackUrl: null,
        voiceStatusCallbackMethod: 'POST', sipRegistration: 0, emergencyCallingEnabled: 0, secure: 0, byocTrunkSid: null,
        emergencyCallerSid: null, dateCreated: now, dateUpdated: now,
      });
      const replies: number[] = [];
      await new Promise<void>((resolve) => {
        service.handleRegister({ request: register(1), respond: (status) => { replies.push(status); resolve(); } });
      });
      assert.deepEqual(replies, [403]);
      // Nothing is mapped for calls: 403; another host: no domain at all.
      const auth = await service.authenticateCall(invite());
      assert.equal(auth.kind, 'outcome');
      assert.equal(auth.kind === 'outcome' && auth.outcome.kind, 'forbidden');
      assert.equal((await service.authenticateCall(parse(`INVITE sip:x@elsewhere.sip.localhost SIP/2.0
Via: SIP/2.0/UDP 10.1.1.1:5070;branch=z9hG4bK-x
From: <sip:a@b>;tag=1
To: <sip:x@elsewhere.sip.localhost>
Call-ID: x
CSeq: 1 INVITE
Content-Length: 0

`))).kind, 'no-domain');
      assert.deepEqual(await service.findBindings('office.sip.localhost', 'carol'), []);
    } finally {
      service.close();
      service.close();
      await store.close();
      await database.drop();
    }
  });
});

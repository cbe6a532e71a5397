import { beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../../../src/core/index.js';
import { DigestClient, type DigestSecret } from '../../../src/sip/auth/index.js';
import { NameAddr, type SipRequest, parseMessage } from '../../../src/sip/message/index.js';
import {
  type Binding, type BindingStore, type CallAccess, DigestRealms, type DirectoryDomain, type DomainDirectory, Registrar,
  type RegistrarReply, authenticateInvite, cidrContains,
} from '../../../src/sip/registrar/index.js';

const SECRET = 'registrar-test-secret-0123456789';

class MemoryBindings implements BindingStore {
  readonly rows = new Map<string, Binding[]>();
  replaces = 0;
  async find(domainSid: string, aor: string, now: number): Promise<Binding[]> {
    return (this.rows.get(`${domainSid}/${aor}`) ?? []).filter((b) => b.expiresAt > now);
  }
  async replace(domainSid: string, aor: string, bindings: readonly Binding[]): Promise<void> {
    this.replaces++;
    this.rows.set(`${domainSid}/${aor}`, [...bindings]);
  }
}

interface FakeDomainInit {
  name: string;
  registrationEnabled?: boolean;
  users?: Record<string, string>;
  callUsers?: Record<string, string>;
  access?: CallAccess;
}

function fakeDomain(init: FakeDomainInit): DirectoryDomain {
  const secret = (table: Record<string, string> | undefined) => async (u: string): Promise<DigestSecret | undefined> =>
    table?.[u] === undefined ? undefined : { password: table[u] };
  return {
    sid: `SD${Buffer.from(init.name).toString('hex').padEnd(32, '0').slice(0, 32)}`,
    name: init.name,
    realm: init.name,
    registrationEnabled: init.registrationEnabled ?? true,
    registrationSecret: secret(init.users),
    callSecret: secret(init.callUsers),
    callAccess: async () => init.access ?? { ipRanges: [], credentialLists: false },
  };
}

class FakeDirectory implements DomainDirectory {
  constructor(private readonly domains: DirectoryDomain[]) {}
  async findDomain(host: string) {
    return this.domains.find((d) => d.name === host.toLowerCase());
  }
}

interface RegisterInit {
  user?: string;
  host?: string;
  contacts?: string[] | '*';
  expires?: string;
  callId?: string;
  cseq?: number;
  authorization?: string[];
  method?: string;
  proxyAuthorization?: string[];
  via?: string;
}

function request(init: RegisterInit = {}): SipRequest {
  const method = init.method ?? 'REGISTER';
  const host = init.host ?? 'acme.sip.localhost';
  const user = init.user ?? 'alice';
  const lines = [
    `${method} sip:${method === 'REGISTER' ? host : `bob@${host}`} SIP/2.0`,
    `Via: ${init.via ?? 'SIP/2.0/UDP 10.0.0.5:5062;branch=z9hG4bK-1;received=203.0.113.9;rport=40000'}`,
    'Max-Forwards: 70',
    `From: <sip:${user}@${host}>;tag=abc`,
    `To: <sip:${user}@${host}>`,
    `Call-ID: ${init.callId ?? 'call-1@10.0.0.5'}`,
    `CSeq: ${init.cseq ?? 1} ${method}`,
  ];
  if (init.contacts === '*') lines.push('Contact: *');
  else for (const c of init.contacts ?? [`<sip:${user}@10.0.0.5:5062>`]) lines.push(`Contact: ${c}`);
  if (init.expires !== undefined) lines.push(`Expires: ${init.expires}`);
  for (const a of init.authorization ?? []) lines.push(`Authorization: ${a}`);
  for (const a of init.proxyAuthorization ?? []) lines.push(`Proxy-Authorization: ${a}`);
  lines.push('Content-Length: 0', '', '');
  const parsed = parseMessage(Buffer.from(lines.join('\r\n')));
  assert.ok(parsed.ok, parsed.ok ? '' : parsed.reason);
  return parsed.message as SipRequest;
}

const header = (r: RegistrarReply, name: string) => r.headers.filter(([n]) => n.toLowerCase() === name.toLowerCase()).map(([, v]) => v);

describe('Registrar (RFC 3261 §10.3)', () => {
  let clock: FakeClock;
  let bindings: MemoryBindings;
  let registrar: Registrar;
  let digest: DigestRealms;
  const acme = fakeDomain({ name: 'acme.sip.localhost', users: { alice: 'AlicePass1234', bob: 'BobPass123456' } });
  const closed = fakeDomain({ name: 'closed.sip.localhost', registrationEnabled: false, users: { alice: 'AlicePass1234' } });

  beforeEach(() => {
    clock = new FakeClock();
    bindings = new MemoryBindings();
    digest = new DigestRealms({ secret: SECRET, clock, nonceTtlMs: 30_000 });
    registrar = new Registrar({ directory: new FakeDirectory([acme, closed]), bindings, digest, clock, minExpires: 60, maxExpires: 3600 });
  });

  /** Sends the request, answers the 401 with the password, returns the final reply. */
  async function authed(init: RegisterInit, password = 'AlicePass1234', algorithm?: 'MD5'): Promise<RegistrarReply> {
    const first = await registrar.register(request(init));
    assert.equal(first.status, 401);
    let challenges = header(first, 'WWW-Authenticate');
    if (algorithm) challenges = challenges.filter((c) => c.includes(`algorithm=${algorithm}`));
    const answer = new DigestClient({ username: init.user ?? 'alice', password }).answer({
      challenges, method: 'REGISTER', uri: `sip:${init.host ?? 'acme.sip.localhost'}`,
    });
    assert.ok(answer.ok);
    return registrar.register(request({ ...init, authorization: [answer.value] }));
  }

  it('answers 404 for an unknown domain and 403 when registration is disabled', async () => {
    assert.equal((await registrar.register(request({ host: 'nowhere.sip.localhost' }))).status, 404);
    assert.equal((await registrar.register(request({ host: 'closed.sip.localhost' }))).status, 403);
  });

  it('challenges with SHA-256 and MD5 in the domain realm, then accepts either', async () => {
    const first = await registrar.register(request());
    assert.equal(first.status, 401);
    const challenges = header(first, 'WWW-Authenticate');
    assert.equal(challenges.length, 2);
    assert.match(challenges[0], /algorithm=SHA-256/);
    assert.match(challenges[1], /algorithm=MD5/);
    assert.ok(challenges.every((c) => c.includes('realm="acme.sip.localhost"') && c.includes('qop="auth"')));
    assert.equal(bindings.replaces, 0);

    const sha = await authed({});
    assert.equal(sha.status, 200);
    const md5 = await authed({ cseq: 2 }, 'AlicePass1234', 'MD5');
    assert.equal(md5.status, 200);
    assert.deepEqual(header(md5, 'Contact'), ['<sip:alice@10.0.0.5:5062>;expires=3600']);
    assert.ok(header(md5, 'Date')[0].endsWith('GMT'));
  });

  it('re-challenges wrong passwords and unknown users, refuses another user\'s AOR with 403', async () => {
    const first = await registrar.register(request());
    const wrong = new DigestClient({ username: 'alice', password: 'nope' }).answer({ challenges: header(first, 'WWW-Authenticate'), method: 'REGISTER', uri: 'sip:acme.sip.localhost' });
    assert.ok(wrong.ok);
    assert.equal((await registrar.register(request({ authorization: [wrong.value] }))).status, 401);
    const mallory = new DigestClient({ username: 'mallory', password: 'x' }).answer({ challenges: header(first, 'WWW-Authenticate'), method: 'REGISTER', uri: 'sip:acme.sip.localhost' });
    assert.ok(mallory.ok);
    assert.equal((await registrar.register(request({ authorization: [mallory.value] }))).status, 401);
    // bob authenticates correctly but tries to bind alice's address-of-record.
    const bob = new DigestClient({ username: 'bob', password: 'BobPass123456' }).answer({ challenges: header(first, 'WWW-Authenticate'), method: 'REGISTER', uri: 'sip:acme.sip.localhost' });
    assert.ok(bob.ok);
    assert.equal((await registrar.register(request({ authorization: [bob.value] }))).status, 403);
    assert.equal((await registrar.register(request({ authorization: ['Digest username="alice", realm="acme.sip.localhost"'] }))).status, 400);
    assert.equal(bindings.replaces, 0);
  });

  it('answers an expired nonce with stale=true', async () => {
    const first = await registrar.register(request());
    const answer = new DigestClient({ username: 'alice', password: 'AlicePass1234' }).answer({ challenges: header(first, 'WWW-Authenticate'), method: 'REGISTER', uri: 'sip:acme.sip.localhost' });
    assert.ok(answer.ok);
    clock.advance(31_000);
    const stale = await registrar.register(request({ authorization: [answer.value] }));
    assert.equal(stale.status, 401);
    assert.ok(header(stale, 'WWW-Authenticate').every((c) => /stale=true/.test(c)));
  });

  it('takes expires from the contact parameter over the Expires header, clamps to the maximum, 423 below the minimum', async () => {
    const ok = await authed({ contacts: ['<sip:alice@10.0.0.5:5062>;expires=120', '<sip:alice@10.0.0.6>', '"Desk" <sip:alice@10.0.0.7>;q=0.5'], expires: '7200' });
    assert.equal(ok.status, 200);
    const contacts = header(ok, 'Contact');
    assert.deepEqual(contacts, ['<sip:alice@10.0.0.5:5062>;expires=120', '<sip:alice@10.0.0.6>;expires=3600', '"Desk" <sip:alice@10.0.0.7>;q=0.5;expires=3600']);
    const stored = await bindings.find(acme.sid, 'alice', clock.now());
    assert.equal(stored.length, 3);
    assert.deepEqual(stored[0].source, { transport: 'UDP', address: '203.0.113.9', port: 40000 });
    assert.equal(stored[2].q, 0.5);

    const brief = await authed({ cseq: 2, contacts: ['<sip:alice@10.0.0.8>'], expires: '30' });
    assert.equal(brief.status, 423);
    assert.deepEqual(header(brief, 'Min-Expires'), ['60']);
    assert.equal((await authed({ cseq: 3, contacts: ['<sip:alice@10.0.0.8>;q=2'] })).status, 400);
  });

  it('refreshes, lets bindings expire, removes one with expires=0 and all with "*"', async () => {
    await authed({ contacts: ['<sip:alice@10.0.0.5:5062>', '<sip:alice@10.0.0.6>;expires=60'] });
    clock.advance(61_000);
    // A query (no Contact) lists what is left, with the remaining time.
    const query = await authed({ cseq: 2, contacts: [] });
    assert.equal(query.status, 200);
    assert.deepEqual(header(query, 'Contact'), ['<sip:alice@10.0.0.5:5062>;expires=3539']);
    // An equivalent URI (§19.1.4: a parameter present in only one side is ignored) refreshes the binding; one that
    // adds transport= is a different URI and a new binding.
    await authed({ cseq: 3, contacts: ['<sip:alice@10.0.0.5:5062;ob>;expires=600'], callId: 'other-call' });
    let current = await bindings.find(acme.sid, 'alice', clock.now());
    assert.deepEqual(current.map((b) => [b.contactUri, b.expiresAt - clock.now()]), [['sip:alice@10.0.0.5:5062;ob', 600_000]]);
    await authed({ cseq: 4, contacts: ['<sip:alice@10.0.0.5:5062;transport=tcp>'], callId: 'other-call' });
    assert.equal((await bindings.find(acme.sid, 'alice', clock.now())).length, 2);
    await authed({ cseq: 5, contacts: ['<sip:alice@10.0.0.9>;expires=0', '<sip:alice@10.0.0.5:5062>;expires=0'], callId: 'other-call' });
    current = await bindings.find(acme.sid, 'alice', clock.now());
    assert.deepEqual(current.map((b) => b.contactUri), ['sip:alice@10.0.0.5:5062;transport=tcp']);
    assert.equal((await authed({ cseq: 6, contacts: '*' })).status, 400, '"*" needs Expires: 0');
    assert.equal((await authed({ cseq: 7, contacts: '*', expires: '0', callId: 'other-call' })).status, 200);
    assert.deepEqual(await bindings.find(acme.sid, 'alice', clock.now()), []);
  });

  it('applies the Call-ID / CSeq ordering rules', async () => {
    await authed({ cseq: 10, contacts: ['<sip:alice@10.0.0.5:5062>'] });
    const old = await authed({ cseq: 9, contacts: ['<sip:alice@10.0.0.5:5062>;expires=0'] });
    assert.equal(old.status, 500);
    assert.equal((await bindings.find(acme.sid, 'alice', clock.now())).length, 1);
    // Another Call-ID may replace it whatever its CSeq.
    assert.equal((await authed({ cseq: 1, callId: 'fresh', contacts: ['<sip:alice@10.0.0.5:5062>;expires=300'] })).status, 200);
    assert.equal((await bindings.find(acme.sid, 'alice', clock.now()))[0].callId, 'fresh');
    assert.equal((await authed({ cseq: 1, callId: 'fresh', contacts: '*', expires: '0' })).status, 500);
    assert.equal((await authed({ cseq: 2, callId: 'fresh', contacts: '*', expires: '0' })).status, 200);
  });

  it('keeps +sip.instance and reg-id but matches bindings by URI (no RFC 5626 outbound support)', async () => {
    const instance = '"<urn:uuid:00000000-0000-1000-8000-000A95A0E128>"';
    const ok = await authed({ contacts: [`<sip:alice@10.0.0.5:5062>;+sip.instance=${instance};reg-id=1`] });
    assert.ok(!ok.headers.some(([n]) => n.toLowerCase() === 'require'));
    await authed({ cseq: 2, contacts: [`<sip:alice@198.51.100.1:7000>;+sip.instance=${instance};reg-id=1`] });
    const current = await bindings.find(acme.sid, 'alice', clock.now());
    assert.deepEqual(current.map((b) => b.contactUri), ['sip:alice@10.0.0.5:5062', 'sip:alice@198.51.100.1:7000']);
    assert.equal(current[0].instanceId, instance);
    assert.equal(current[0].regId, 1);
    assert.ok(NameAddr.parse(current[0].contact).ok);
  });

  it('serialises concurrent updates of one address-of-record', async () => {
    const first = await registrar.register(request());
    const answers = [1, 2, 3, 4, 5].map((n) => {
      const a = new DigestClient({ username: 'alice', password: 'AlicePass1234' }).answer({ challenges: header(first, 'WWW-Authenticate'), method: 'REGISTER', uri: 'sip:acme.sip.localhost' });
      assert.ok(a.ok);
      return request({ cseq: n, contacts: [`<sip:alice@10.0.0.${n}>`], authorization: [a.value] });
    });
    const replies = await Promise.all(answers.map((r) => registrar.register(r)));
    assert.ok(replies.every((r) => r.status === 200));
    assert.equal((await bindings.find(acme.sid, 'alice', clock.now())).length, 5);
  });
});

describe('authenticateInvite', () => {
  const clock = new FakeClock();
  const digest = new DigestRealms({ secret: SECRET, clock });
  const invite = (proxyAuthorization?: string[]) => request({ method: 'INVITE', ...(proxyAuthorization ? { proxyAuthorization } : {}) });
  const ipOnly = fakeDomain({ name: 'acme.sip.localhost', access: { ipRanges: [{ address: '192.0.2.0', prefixLength: 24 }, { address: '2001:db8::', prefixLength: 32 }], credentialLists: false } });
  const both = fakeDomain({
    name: 'acme.sip.localhost',
    callUsers: { alice: 'AlicePass1234' },
    access: { ipRanges: [{ address: '192.0.2.7', prefixLength: 32 }], credentialLists: true },
  });

  it('admits sources inside a mapped range, IPv4 and IPv6, and forbids others when no credential list is mapped', async () => {
    assert.deepEqual(await authenticateInvite({ request: invite(), sourceAddress: '192.0.2.200', domain: ipOnly, digest }), { kind: 'allowed', by: 'ip-acl' });
    assert.equal((await authenticateInvite({ request: invite(), sourceAddress: '::ffff:192.0.2.1', domain: ipOnly, digest })).kind, 'allowed');
    assert.equal((await authenticateInvite({ request: invite(), sourceAddress: '2001:db8:ffff::1', domain: ipOnly, digest })).kind, 'allowed');
    assert.equal((await authenticateInvite({ request: invite(), sourceAddress: '2001:db9::1', domain: ipOnly, digest })).kind, 'forbidden');
    assert.equal((await authenticateInvite({ request: invite(), sourceAddress: '198.51.100.1', domain: ipOnly, digest })).kind, 'forbidden');
    const none = fakeDomain({ name: 'acme.sip.localhost' });
    assert.equal((await authenticateInvite({ request: invite(), sourceAddress: '192.0.2.1', domain: none, digest })).kind, 'forbidden');
  });

  it('challenges with 407 and accepts digest credentials in Proxy-Authorization', async () => {
    assert.equal((await authenticateInvite({ request: invite(), sourceAddress: '192.0.2.7', domain: both, digest })).kind, 'allowed');
    const challenge = await authenticateInvite({ request: invite(), sourceAddress: '198.51.100.1', domain: both, digest });
    assert.equal(challenge.kind, 'challenge');
    if (challenge.kind !== 'challenge') return;
    assert.equal(challenge.status, 407);
    assert.ok(challenge.headers.every(([n]) => n === 'Proxy-Authenticate'));
    const answer = new DigestClient({ username: 'alice', password: 'AlicePass1234' }).answer({
      challenges: challenge.headers.map(([, v]) => v), method: 'INVITE', uri: 'sip:bob@acme.sip.localhost',
    });
    assert.ok(answer.ok);
    assert.deepEqual(await authenticateInvite({ request: invite([answer.value]), sourceAddress: '198.51.100.1', domain: both, digest }), {
      kind: 'allowed', by: 'credentials', username: 'alice',
    });
    const wrong = new DigestClient({ username: 'alice', password: 'bad' }).answer({ challenges: challenge.headers.map(([, v]) => v), method: 'INVITE', uri: 'sip:bob@acme.sip.localhost' });
    assert.ok(wrong.ok);
    assert.equal((await authenticateInvite({ request: invite([wrong.value]), sourceAddress: '198.51.100.1', domain: both, digest })).kind, 'challenge');
  });
});

describe('cidrContains', () => {
  it('matches IPv4 and IPv6 prefixes and never mixes families', () => {
    assert.ok(cidrContains({ address: '10.0.0.0', prefixLength: 8 }, '10.255.1.2'));
    assert.ok(!cidrContains({ address: '10.0.0.0', prefixLength: 8 }, '11.0.0.1'));
    assert.ok(cidrContains({ address: '0.0.0.0', prefixLength: 0 }, '8.8.8.8'));
    assert.ok(!cidrContains({ address: '0.0.0.0', prefixLength: 0 }, '::1'));
    assert.ok(cidrContains({ address: '192.0.2.1', prefixLength: 32 }, '192.0.2.1'));
    assert.ok(!cidrContains({ address: '192.0.2.1', prefixLength: 32 }, '192.0.2.2'));
    assert.ok(cidrContains({ address: 'fe80::', prefixLength: 10 }, 'fe80::1%eth0'));
    assert.ok(cidrContains({ address: '2001:db8::', prefixLength: 127 }, '[2001:db8::1]'));
    assert.ok(!cidrContains({ address: '2001:db8::', prefixLength: 128 }, '2001:db8::1'));
    assert.ok(!cidrContains({ address: '10.0.0.0', prefixLength: 8 }, 'not-an-ip'));
  });
});

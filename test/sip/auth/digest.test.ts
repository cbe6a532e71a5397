import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../../../src/core/index.js';
import {
  DigestClient, DigestServer, computeDigestResponse, computeHa1, parseAuthHeader, parseDigestCredentials,
} from '../../../src/sip/auth/index.js';

const SECRET = 'a-test-secret-of-32-bytes-length';

test('RFC 2617 §3.5 example (MD5, qop=auth)', () => {
  const ha1 = computeHa1('MD5', 'Mufasa', 'testrealm@host.com', 'Circle Of Life');
  const response = computeDigestResponse({
    algorithm: 'MD5', ha1, nonce: 'dcd98b7102dd2f0e8b11d0f600bfb0c093', method: 'GET', uri: '/dir/index.html',
    qop: 'auth', nc: '00000001', cnonce: '0a4f113b',
  });
  assert.equal(response, '6629fae49393a05397450978507c4ef1');
});

test('RFC 7616 §3.9.1 example (SHA-256 and MD5), as used by RFC 8760', () => {
  const common = {
    nonce: '7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v', method: 'GET', uri: '/dir/index.html', qop: 'auth' as const,
    nc: '00000001', cnonce: 'f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ',
  };
  const sha = computeDigestResponse({ ...common, algorithm: 'SHA-256', ha1: computeHa1('SHA-256', 'Mufasa', 'http-auth@example.org', 'Circle of Life') });
  assert.equal(sha, '753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1');
  const md5 = computeDigestResponse({ ...common, algorithm: 'MD5', ha1: computeHa1('MD5', 'Mufasa', 'http-auth@example.org', 'Circle of Life') });
  assert.equal(md5, '8ca523f5e9506fed4657c9700eebdbec');
});

test('SIP SHA-256 and legacy (no qop) vectors, cross-checked with Python hashlib', () => {
  // Computed independently: python3 hashlib.sha256 / hashlib.md5 over the same A1/A2 strings.
  const ha1 = computeHa1('SHA-256', 'alice', 'patchbay.test', 's3cret');
  assert.equal(
    computeDigestResponse({ algorithm: 'SHA-256', ha1, nonce: 'abc123', method: 'REGISTER', uri: 'sip:patchbay.test', qop: 'auth', nc: '00000002', cnonce: '0a4f113b' }),
    '4280187af43d0b6aa083c800efd0e24aa49f07612a9bf87bec3a694addfb47ae',
  );
  assert.equal(
    computeDigestResponse({ algorithm: 'SHA-256', ha1, nonce: 'abc123', method: 'REGISTER', uri: 'sip:patchbay.test' }),
    '6077c2423b3c43cf38111168c5747874a869081afbc2349b94d6830d86d7e531',
  );
  assert.equal(
    computeDigestResponse({ algorithm: 'MD5', ha1: computeHa1('MD5', 'alice', 'patchbay.test', 's3cret'), nonce: 'abc123', method: 'INVITE', uri: 'sip:bob@patchbay.test' }),
    'a0a99d86b774631a7ec1b6e0fc2668ae',
  );
});

test('parseAuthHeader: quoted strings with commas and escapes, LWS, case-insensitive names', () => {
  const r = parseAuthHeader('Digest  USERNAME="a\\"b,c" ,realm = "r", nc=00000001,\r\n qop=auth');
  assert.ok(r.ok);
  assert.equal(r.value.scheme, 'Digest');
  assert.equal(r.value.params.get('username'), 'a"b,c');
  assert.equal(r.value.params.get('realm'), 'r');
  assert.equal(r.value.params.get('nc'), '00000001');
  assert.equal(r.value.params.get('qop'), 'auth');
  assert.equal(parseAuthHeader('Digest realm="unterminated').ok, false);
  assert.equal(parseAuthHeader('Digest realm').ok, false);
  assert.equal(parseAuthHeader('').ok, false);
  assert.equal(parseAuthHeader('Digest realm="a", realm="b"').ok, false);
});

test('unknown scheme is reported as not-digest (RFC 4475 regaut01) and the server challenges again', () => {
  const r = parseDigestCredentials('NoOneKnowsThisScheme opaque-data=here');
  assert.deepEqual(r.ok ? null : r.reason, 'not-digest');
  assert.equal(parseDigestCredentials('Digest username="x"').ok, false);
  const bad = parseDigestCredentials('Digest username="x", realm="r", nonce="n", uri="sip:a", response="00", qop=auth');
  assert.ok(!bad.ok && bad.reason === 'malformed');
  const alg = parseDigestCredentials('Digest username="x", realm="r", nonce="n", uri="sip:a", response="00", algorithm=SHA-512');
  assert.ok(!alg.ok && alg.reason === 'unsupported-algorithm');
});

function roundTrip(server: DigestServer, client: DigestClient, method = 'REGISTER', uri = 'sip:patchbay.test', challenges = server.challenges()) {
  const answer = client.answer({ challenges, method, uri });
  assert.ok(answer.ok, answer.ok ? '' : answer.reason);
  const parsed = parseDigestCredentials(answer.value);
  assert.ok(parsed.ok);
  return { answer, credentials: parsed.credentials };
}

test('server challenge → client answer → server verify (SHA-256 preferred, with password and with HA1)', () => {
  const clock = new FakeClock();
  const server = new DigestServer({ realm: 'patchbay.test', secret: SECRET, clock });
  const challenges = server.challenges();
  assert.equal(challenges.length, 2);
  assert.match(challenges[0]!, /^Digest realm="patchbay.test", nonce="[0-9a-f]{60}", algorithm=SHA-256, qop="auth"$/);
  assert.match(challenges[1]!, /algorithm=MD5/);
  const client = new DigestClient({ username: 'alice', password: 's3cret' });
  const { answer, credentials } = roundTrip(server, client, 'REGISTER', 'sip:patchbay.test', challenges);
  assert.equal(answer.algorithm, 'SHA-256');
  assert.equal(credentials.nc, '00000001');
  assert.deepEqual(server.verify({ credentials, method: 'REGISTER', requestUri: 'sip:patchbay.test', secret: { password: 's3cret' } }), { ok: true, username: 'alice' });
  const ha1 = computeHa1('SHA-256', 'alice', 'patchbay.test', 's3cret');
  assert.equal(server.verify({ credentials, method: 'REGISTER', secret: { ha1 } }).ok, true);
  assert.deepEqual(server.verify({ credentials, method: 'REGISTER', secret: { password: 'wrong' } }), { ok: false, reason: 'bad-response' });
  assert.deepEqual(server.verify({ credentials, method: 'INVITE', secret: { password: 's3cret' } }), { ok: false, reason: 'bad-response' });
  assert.deepEqual(server.verify({ credentials, method: 'REGISTER', requestUri: 'sip:other', secret: { password: 's3cret' } }), { ok: false, reason: 'uri-mismatch' });
  // nc increments per reuse of the same nonce.
  const again = roundTrip(server, client, 'REGISTER', 'sip:patchbay.test', challenges);
  assert.equal(again.credentials.nc, '00000002');
});

test('MD5 only server, qop-less legacy server', () => {
  const clock = new FakeClock();
  const md5 = new DigestServer({ realm: 'r', secret: SECRET, clock, algorithms: ['MD5'] });
  const client = new DigestClient({ username: 'bob', password: 'pw' });
  const a = roundTrip(md5, client);
  assert.equal(a.answer.algorithm, 'MD5');
  assert.equal(md5.verify({ credentials: a.credentials, method: 'REGISTER', secret: { password: 'pw' } }).ok, true);
  const legacy = new DigestServer({ realm: 'r', secret: SECRET, clock, algorithms: ['MD5'], qop: false });
  const challenge = legacy.challenge();
  assert.doesNotMatch(challenge, /qop/);
  const b = roundTrip(legacy, client, 'INVITE', 'sip:bob@r', [challenge]);
  assert.equal(b.credentials.qop, undefined);
  assert.equal(b.credentials.cnonce, undefined);
  assert.equal(legacy.verify({ credentials: b.credentials, method: 'INVITE', secret: { password: 'pw' } }).ok, true);
  // A SHA-256 answer to an MD5-only server is refused even if computed right.
  const sha = new DigestServer({ realm: 'r', secret: SECRET, clock, algorithms: ['SHA-256'] });
  const c = roundTrip(sha, client);
  assert.deepEqual(md5.verify({ credentials: c.credentials, method: 'REGISTER', secret: { password: 'pw' } }), { ok: false, reason: 'algorithm-not-offered' });
});

test('expired nonce with the right password → stale; forged nonce → bad-nonce; other realm → realm-mismatch', () => {
  const clock = new FakeClock();
  const server = new DigestServer({ realm: 'r', secret: SECRET, clock, nonceTtlMs: 60_000 });
  const client = new DigestClient({ username: 'bob', password: 'pw' });
  const { credentials } = roundTrip(server, client);
  clock.advance(59_000);
  assert.equal(server.verify({ credentials, method: 'REGISTER', secret: { password: 'pw' } }).ok, true);
  clock.advance(2_000);
  assert.deepEqual(server.verify({ credentials, method: 'REGISTER', secret: { password: 'pw' } }), { ok: false, reason: 'stale' });
  assert.deepEqual(server.verify({ credentials, method: 'REGISTER', secret: { password: 'nope' } }), { ok: false, reason: 'bad-response' });
  assert.match(server.challenge({ stale: true }), /stale=true/);
  const other = new DigestServer({ realm: 'r', secret: 'another-secret-another-secret!!', clock });
  const forged = roundTrip(other, client).credentials;
  assert.deepEqual(server.verify({ credentials: forged, method: 'REGISTER', secret: { password: 'pw' } }), { ok: false, reason: 'bad-nonce' });
  const elsewhere = new DigestServer({ realm: 'elsewhere', secret: SECRET, clock });
  const wrongRealm = roundTrip(elsewhere, client).credentials;
  assert.deepEqual(server.verify({ credentials: wrongRealm, method: 'REGISTER', secret: { password: 'pw' } }), { ok: false, reason: 'realm-mismatch' });
  assert.throws(() => new DigestServer({ realm: 'r', secret: 'short', clock }), RangeError);
});

test('client: opaque echoed, fixed cnonce, auth-int, no usable challenge', () => {
  const client = new DigestClient({ username: 'u', password: 'p', cnonce: () => 'fixedcnonce' });
  const a = client.answer({ challenges: ['Basic realm="x"', 'Digest realm="x", nonce="n1", opaque="op", qop="auth,auth-int"'], method: 'INVITE', uri: 'sip:x' });
  assert.ok(a.ok);
  assert.match(a.value, /opaque="op"/);
  assert.match(a.value, /cnonce="fixedcnonce"/);
  assert.match(a.value, /qop=auth,/);
  const i = client.answer({ challenges: ['Digest realm="x", nonce="n2", qop="auth-int"'], method: 'INVITE', uri: 'sip:x', body: 'v=0\r\n' });
  assert.ok(i.ok);
  const creds = parseDigestCredentials(i.value);
  assert.ok(creds.ok);
  assert.equal(creds.credentials.qop, 'auth-int');
  assert.equal(
    creds.credentials.response,
    computeDigestResponse({ algorithm: 'MD5', ha1: computeHa1('MD5', 'u', 'x', 'p'), nonce: 'n2', method: 'INVITE', uri: 'sip:x', qop: 'auth-int', nc: '00000001', cnonce: 'fixedcnonce', body: 'v=0\r\n' }),
  );
  assert.equal(client.answer({ challenges: ['Basic realm="x"'], method: 'INVITE', uri: 'sip:x' }).ok, false);
  assert.equal(client.answer({ challenges: ['Digest realm="x", nonce="n", algorithm=SHA-512-256'], method: 'INVITE', uri: 'sip:x' }).ok, false);
});

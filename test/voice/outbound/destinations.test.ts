/**
 * DestinationResolver with fakes: on-net numbers loop back to our SIP port, `sip:` URIs go direct or to the
 * registered bindings of our domains (highest q first), other numbers to the trunk's targets with the number as
 * user part and the carrier credentials; no route → 21215, a domain user without registrations → 32009.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Store } from '../../../src/store/index.js';
import { DestinationResolver } from '../../../src/voice/originate/index.js';
import type { TrunkRoutes } from '../../../src/voice/trunk/index.js';

function resolver(opts: { trunk?: boolean } = {}) {
  const store = { incomingPhoneNumbers: { findByPhoneNumber: async (n: string) => (n === '+15005550100' ? { sid: 'PN1' } : undefined) } } as unknown as Store;
  const trunks = {
    resolve: async () => opts.trunk
      ? { ok: true, route: { trunk: { sid: 'BY1' }, targets: [{ target: 'sip:sbc1.example.com:5060' }, { target: 'sip:x@sbc2.example.com' }], credentials: { username: 'u', password: 'p' } } }
      : { ok: false, reason: 'no-trunk', message: 'no BYOC trunk' },
  } as unknown as TrunkRoutes;
  return new DestinationResolver({
    store, trunks, loopback: () => '127.0.0.1:5080',
    domains: {
      isOurDomain: async (host) => host === 'pbx.example.com',
      bindings: async (_host, user) => (user === 'alice' ? [{ contactUri: 'sip:alice@10.0.0.1', q: 0.5 }, { contactUri: 'sip:alice@10.0.0.2', q: null }] : []),
    },
  });
}

test('a number of this Patchbay is called on-net through our own SIP port', async () => {
  assert.deepEqual(await resolver().resolve('AC1', '+15005550100', {}), {
    ok: true, kind: 'on-net', trunkSid: null, destinations: [{ uri: 'sip:+15005550100@127.0.0.1:5080' }],
  });
});

test('a sip: URI goes to its address, with SipAuth credentials; a domain user to its bindings by q', async () => {
  const direct = await resolver().resolve('AC1', 'sip:bob@192.0.2.1:5062', { sipAuth: { username: 'a', password: 'b' } });
  assert.deepEqual(direct, { ok: true, kind: 'sip', trunkSid: null, destinations: [{ uri: 'sip:bob@192.0.2.1:5062', credentials: { username: 'a', password: 'b' } }] });
  const domain = await resolver().resolve('AC1', 'sip:alice@PBX.example.com', {});
  assert.ok(domain.ok);
  assert.deepEqual(domain.destinations.map((d) => d.uri), ['sip:alice@10.0.0.2', 'sip:alice@10.0.0.1']);
  assert.deepEqual(await resolver().resolve('AC1', 'sip:carol@pbx.example.com', {}), { ok: false, code: 32009, message: 'sip:carol@pbx.example.com has no registrations' });
});

test('other numbers go through the trunk targets in order with the carrier credentials; no trunk → 21215', async () => {
  const out = await resolver({ trunk: true }).resolve('AC1', '+14155550100', {});
  assert.ok(out.ok);
  assert.equal(out.trunkSid, 'BY1');
  assert.deepEqual(out.destinations.map((d) => d.uri), ['sip:+14155550100@sbc1.example.com:5060', 'sip:+14155550100@sbc2.example.com']);
  assert.deepEqual(out.destinations[0]!.credentials, { username: 'u', password: 'p' });
  const none = await resolver().resolve('AC1', '+14155550100', {});
  assert.equal(none.ok, false);
  assert.equal(!none.ok && none.code, 21215);
});

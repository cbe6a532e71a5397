import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { RegistrarService, type StoreBindingStore, deriveNonceSecret } from '../../../src/sip/registrar/index.js';
import { startTestServer, type TestServer } from '../../helpers/server.js';
import { SIPP, runSipp, startSocketUserAgent } from '../ua/sipp.js';

const skip = existsSync(SIPP) ? false : 'SIPp (sip-tester) is not installed';
const SCENARIO = fileURLToPath(new URL('./fixtures/register-digest-uac.xml', import.meta.url));
const DOMAIN = 'sipp.sip.localhost';

/**
 * SIPp registers at a SIP domain created through the REST API with the official `twilio` client: the registrar,
 * reading domains, mappings and credentials from the same store, challenges with 401 and accepts the digest answer.
 * The registrar is wired here as the composition root would wire it (a user agent's onRegister).
 */
describe('registrar vs SIPp over real UDP', { skip }, () => {
  let t: TestServer;
  let ua: Awaited<ReturnType<typeof startSocketUserAgent>>;
  let bindings: StoreBindingStore;
  let service: RegistrarService;
  let domainSid: string;
  const statuses: number[] = [];

  before(async () => {
    t = await startTestServer();
    const client = t.client();
    const domain = await client.sip.domains.create({ domainName: DOMAIN, sipRegistration: true });
    domainSid = domain.sid;
    const list = await client.sip.credentialLists.create({ friendlyName: 'SIPp phones' });
    await client.sip.credentialLists(list.sid).credentials.create({ username: 'alice', password: 'IWasAtSignal2018' });
    await client.sip.domains(domain.sid).auth.registrations.credentialListMappings.create({ credentialListSid: list.sid });

    service = new RegistrarService({
      store: t.server.store,
      nonceSecret: deriveNonceSecret(Buffer.alloc(32, 1)),
      // SIPp 3.6.1 answers only the first WWW-Authenticate field and only MD5 ("createAuthHeader: authentication must
      // use MD5"), instead of picking the first algorithm it supports (RFC 8760 §2.4). So MD5 is offered first here;
      // the default order (SHA-256 first) is covered by the unit tests.
      algorithms: ['MD5', 'SHA-256'],
    });
    bindings = service.bindings;
    ua = await startSocketUserAgent({
      delegate: {
        // As the composition root would wire it, plus a record of the statuses sent.
        onRegister: (incoming) => {
          service.handleRegister({
            request: incoming.request,
            respond: (status, options) => {
              statuses.push(status);
              return incoming.respond(status, options);
            },
          });
        },
      },
    });
  });

  after(async () => {
    service?.close();
    ua?.close();
    await t?.close();
  });

  // SIPp puts sip:<remote ip>:<port> into the digest uri unless told otherwise; RFC 2617 §3.2.2.5 wants the
  // Request-URI, which the registrar checks, so -auth_uri names the domain.
  const register = () =>
    runSipp(['-sf', SCENARIO, '-key', 'domain', DOMAIN, '-auth_uri', DOMAIN, '-m', '1', '-timeout', '10s', '-timeout_error', `127.0.0.1:${ua.port}`], 20_000);

  it('REGISTER → 401 → REGISTER with digest → 200, binding stored with its source', { timeout: 30_000 }, async () => {
    const r = await register();
    assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}\n${r.errors}`);
    assert.equal(r.stats['SuccessfulCall(C)'], '1');
    assert.deepEqual(statuses, [401, 200]);
    const found = await bindings.findBindings(DOMAIN, 'alice');
    assert.equal(found.length, 1);
    assert.match(found[0].contactUri, /^sip:alice@127\.0\.0\.1:\d+$/);
    assert.equal(found[0].source.address, '127.0.0.1');
    assert.equal(found[0].source.transport, 'UDP');
    assert.ok(found[0].expiresAt - Date.now() <= 300_000);
    assert.deepEqual(await bindings.findBindings(domainSid, 'alice'), found);
    assert.deepEqual(await bindings.findBindings(DOMAIN, 'bob'), []);
  });

  it('a password changed through the REST API applies to the next REGISTER', { timeout: 30_000 }, async () => {
    const client = t.client();
    const [list] = await client.sip.credentialLists.list();
    const [credential] = await client.sip.credentialLists(list.sid).credentials.list();
    await client.sip.credentialLists(list.sid).credentials(credential.sid).update({ password: 'SomethingElse2024' });
    statuses.length = 0;
    const r = await register();
    assert.notEqual(r.code, 0);
    assert.equal(r.stats['FailedCall(C)'], '1');
    assert.deepEqual(statuses, [401, 401]);
  });
});

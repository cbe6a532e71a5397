import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import WebSocket from 'ws';
import { parseMessage, SipResponse } from '../../src/sip/index.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { createRegistrationDomain } from '../helpers/sip-domains.js';
import { FIXTURES, SIPP, runSipp } from '../sip/ua/sipp.js';

const REGISTER_SCENARIO = new URL('../sip/registrar/fixtures/register-digest-uac.xml', import.meta.url).pathname;

/** The composed server speaks SIP on its configured port (UDP and TCP) and over WebSocket on the HTTP port. */
const skip = existsSync(SIPP) ? false : 'SIPp (Debian package sip-tester) is not installed';
let t: TestServer;

before(async () => {
  // SIPp answers only the first challenge, and only MD5.
  t = await startTestServer({ PATCHBAY_SIP_DIGEST_ALGORITHMS: 'MD5,SHA-256' });
});
after(async () => {
  await t.close();
});

describe('server SIP endpoint', () => {
  for (const transport of ['u1', 't1'] as const) {
    it(`answers SIPp OPTIONS over ${transport === 'u1' ? 'UDP' : 'TCP'}`, { skip, timeout: 30_000 }, async () => {
      const port = t.server.sip.udp!.port;
      const r = await runSipp(['-sf', `${FIXTURES}options-uac.xml`, '-t', transport, '-m', '3', '-r', '10', '-timeout', '15s', '-timeout_error', `127.0.0.1:${port}`], 25_000);
      assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}\n${r.errors}`);
      assert.equal(r.stats['SuccessfulCall(C)'], '3');
    });
  }

  it('registers a SIPp phone with digest auth to a SIP domain created through the REST API', { skip, timeout: 30_000 }, async () => {
    const client = t.client();
    const domainName = 'office.sip.localhost';
    await createRegistrationDomain(client, domainName, 'desk phones');
    const port = t.server.sip.udp!.port;
    const r = await runSipp(
      ['-sf', REGISTER_SCENARIO, '-key', 'domain', domainName, '-auth_uri', domainName, '-m', '1', '-timeout', '10s', '-timeout_error', `127.0.0.1:${port}`],
      20_000,
    );
    assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}\n${r.errors}`);
    const bindings = await t.server.registrar.findBindings(domainName, 'alice');
    assert.equal(bindings.length, 1);
    // An unknown domain is refused (404), never silently accepted.
    const unknown = await runSipp(
      ['-sf', REGISTER_SCENARIO, '-key', 'domain', 'nowhere.sip.localhost', '-auth_uri', 'nowhere.sip.localhost', '-m', '1', '-timeout', '10s', `127.0.0.1:${port}`],
      20_000,
    );
    assert.notEqual(unknown.code, 0);
  });

  it('answers OPTIONS over WebSocket (RFC 7118, subprotocol sip) and reports healthy', async () => {
    const url = `${t.server.httpUrl.replace(/^http/, 'ws')}/sip`;
    const ws = new WebSocket(url, 'sip');
    await new Promise<void>((resolve, reject) => ws.once('open', () => resolve()).once('error', reject));
    assert.equal(ws.protocol, 'sip');
    const request = [
      'OPTIONS sip:patchbay@127.0.0.1 SIP/2.0',
      'Via: SIP/2.0/WS df7jal23ls0d.invalid;branch=z9hG4bKws1;rport',
      'Max-Forwards: 70',
      'To: <sip:patchbay@127.0.0.1>',
      'From: <sip:alice@example.invalid>;tag=ws1',
      'Call-ID: ws-options-1',
      'CSeq: 1 OPTIONS',
      'Content-Length: 0',
      '',
      '',
    ].join('\r\n');
    const reply = new Promise<Buffer>((resolve) => ws.once('message', (data: Buffer) => resolve(Buffer.from(data))));
    ws.send(request);
    const parsed = parseMessage(await reply);
    ws.close();
    assert.ok(parsed.ok);
    assert.ok(parsed.message instanceof SipResponse);
    assert.equal(parsed.message.status, 200);
    assert.equal(parsed.message.callId, 'ws-options-1');
    const health = await fetch(`${t.server.httpUrl}/health`);
    assert.equal(health.status, 200);
  });
});

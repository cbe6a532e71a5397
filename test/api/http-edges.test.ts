import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import fc from 'fast-check';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { newSid } from '../../src/core/index.js';
import { serializeCall } from '../../src/api/resources/calls.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

/** Raw HTTP at the edges the helper library never produces: bad credentials, bodies, parameters and paths. */
let t: TestServer;
let auth: string;

before(async () => {
  t = await startTestServer();
  auth = 'Basic ' + Buffer.from(`${t.accountSid}:${t.authToken}`).toString('base64');
});
after(async () => {
  await t.close();
});

const inject = (opts: InjectOptions): Promise<LightMyRequestResponse> => t.server.http.inject(opts);
const base = () => `/2010-04-01/Accounts/${t.accountSid}`;

function assertTwilioError(res: { statusCode: number; json(): unknown }, status: number, code: number): void {
  assert.equal(res.statusCode, status);
  const body = res.json() as Record<string, unknown>;
  assert.deepEqual(Object.keys(body).sort(), ['code', 'message', 'more_info', 'status']);
  assert.equal(body.code, code);
  assert.equal(body.status, status);
  assert.equal(body.more_info, `https://www.twilio.com/docs/errors/${code}`);
  assert.ok(typeof body.message === 'string' && body.message.length > 0);
}

describe('authentication edges', () => {
  it('answers missing and malformed Authorization headers with 401 / 20003 and a Basic challenge', async () => {
    for (const authorization of [undefined, 'Bearer abc', 'Basic !!!', 'Basic ' + Buffer.from('nocolon').toString('base64'), 'Basic']) {
      const res = await inject({ method: 'GET', url: `${base()}/Calls.json`, headers: authorization ? { authorization } : {} });
      assertTwilioError(res, 401, 20003);
      assert.equal(res.headers['www-authenticate'], 'Basic realm="Twilio API"');
    }
  });
});

describe('body edges', () => {
  it('refuses bodies over the limit with 413 and loses nothing', async () => {
    const res = await inject({
      method: 'POST',
      url: `${base()}/Applications.json`,
      headers: { authorization: auth, 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'FriendlyName=' + 'x'.repeat(2 * 1024 * 1024),
    });
    assertTwilioError(res, 413, 20413);
    const ok = await inject({ method: 'GET', url: `${base()}/Applications.json`, headers: { authorization: auth } });
    assert.equal(ok.statusCode, 200);
  });

  it('refuses bodies that are not form-encoded with 415', async () => {
    const res = await inject({
      method: 'POST', url: `${base()}/Applications.json`,
      headers: { authorization: auth, 'content-type': 'text/csv' }, payload: 'a,b',
    });
    assertTwilioError(res, 415, 20415);
  });

  it('ignores unknown parameters and keeps repeated keys', async () => {
    const res = await inject({
      method: 'POST', url: `${base()}/Applications.json`,
      headers: { authorization: auth, 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'FriendlyName=a&FriendlyName=b&Bogus=1&VoiceMethod=get',
    });
    assert.equal(res.statusCode, 201);
    assert.equal(res.json().friendly_name, 'a');
    assert.equal(res.json().voice_method, 'GET');
  });

  it('rejects malformed parameter values with 400 and a Twilio code', async () => {
    const post = (payload: string) => inject({
      method: 'POST', url: `${base()}/Applications.json`,
      headers: { authorization: auth, 'content-type': 'application/x-www-form-urlencoded' }, payload,
    });
    assertTwilioError(await post('VoiceMethod=PUT'), 400, 20001);
    assertTwilioError(await post('VoiceCallerIdLookup=maybe'), 400, 20001);
    assertTwilioError(await post('VoiceUrl=ftp://example.com/x'), 400, 21205);
    assertTwilioError(await post('FriendlyName=' + 'n'.repeat(65)), 400, 20001);
  });
});

describe('paging and path edges', () => {
  it('validates PageSize, Page and PageToken', async () => {
    for (const q of ['PageSize=0', 'PageSize=1001', 'PageSize=abc', 'Page=-1', 'PageToken=nonsense']) {
      assertTwilioError(await inject({ method: 'GET', url: `${base()}/Calls.json?${q}`, headers: { authorization: auth } }), 400, 20001);
    }
    const res = await inject({ method: 'GET', url: `${base()}/Calls.json?PageSize=1000&To=%2B1555`, headers: { authorization: auth } });
    const body = res.json();
    assert.equal(body.page_size, 1000);
    assert.equal(body.first_page_uri, `${base()}/Calls.json?To=%2B1555&PageSize=1000&Page=0`);
    assert.equal(body.next_page_uri, null);
    assert.equal(body.previous_page_uri, null);
    assert.equal(body.start, 0);
  });

  it('answers unknown paths and SIDs with 404 / 20404', async () => {
    assertTwilioError(await inject({ method: 'GET', url: '/nowhere', headers: { authorization: auth } }), 404, 20404);
    assertTwilioError(await inject({ method: 'GET', url: `${base()}/Calls/CAnotasid.json`, headers: { authorization: auth } }), 404, 20404);
    assertTwilioError(await inject({ method: 'PUT', url: `${base()}/Calls.json`, headers: { authorization: auth } }), 404, 20404);
  });

  it('serves Prometheus metrics', async () => {
    const res = await inject({ method: 'GET', url: '/metrics' });
    assert.equal(res.statusCode, 200);
    assert.match(res.headers['content-type'] as string, /^text\/plain/);
    assert.match(res.body, /^patchbay_media_cache_bytes \d+$/m);
    assert.match(res.body, /^patchbay_process_cpu_seconds_total /m);
  });

  it('serves processed media at its persistent address', async () => {
    const wav = Buffer.alloc(44 + 1600);
    wav.write('RIFF', 0); wav.writeUInt32LE(36 + 1600, 4); wav.write('WAVEfmt ', 8); wav.writeUInt32LE(16, 16);
    wav.writeUInt16LE(1, 20); wav.writeUInt16LE(1, 22); wav.writeUInt32LE(8000, 24); wav.writeUInt32LE(16000, 28);
    wav.writeUInt16LE(2, 32); wav.writeUInt16LE(16, 34); wav.write('data', 36); wav.writeUInt32LE(1600, 40);
    const origin = createServer((_req, res) => res.writeHead(200, { 'content-type': 'audio/wav' }).end(wav));
    await new Promise<void>((r) => origin.listen(0, '127.0.0.1', r));
    try {
      const media = await t.server.mediaCache.fetchUrl(`http://127.0.0.1:${(origin.address() as AddressInfo).port}/prompt.wav`);
      assert.match(media.address, /^\/media\/[0-9a-f]{64}$/);
      const res = await inject({ method: 'GET', url: media.address });
      assert.equal(res.statusCode, 200);
      assert.equal(res.headers['content-type'], 'audio/x-wav');
      assert.equal(res.rawPayload.subarray(0, 4).toString(), 'RIFF');
      assertTwilioError(await inject({ method: 'GET', url: '/media/' + '0'.repeat(64) }), 404, 20404);
    } finally {
      origin.close();
    }
  });

  it('reports health once every component is up', async () => {
    const res = await inject({ method: 'GET', url: '/health' });
    assert.equal(res.statusCode, 200);
    // The node answers for itself: behind a load balancer, which node this was.
    assert.deepEqual(res.json(), { status: 'ok', store: 'sqlite', bus: 'in-process', node: t.server.nodeId });
  });
});

describe('response serialization', () => {
  it('writes a Call, alone and in a page, exactly as serializeCall builds it', async () => {
    // Distinct values and nulls in every column: the response schema must neither drop nor coerce a field.
    const calls = [
      {
        sid: newSid('CA'), accountSid: t.accountSid, parentCallSid: null, to: 'sip:alice@example.com', from: '+14155550199',
        phoneNumberSid: null, status: 'initiated' as const, startTime: null, endTime: null, duration: null, price: null,
        priceUnit: 'USD', direction: 'inbound' as const, answeredBy: null, apiVersion: '2010-04-01', forwardedFrom: null,
        groupSid: null, callerName: null, queueTime: 0, trunkSid: null, dateCreated: 1_700_000_000_000, dateUpdated: 1_700_000_000_000,
      },
      {
        sid: newSid('CA'), accountSid: t.accountSid, parentCallSid: newSid('CA'), to: '+14155550100', from: 'client:"bob"\\n',
        phoneNumberSid: newSid('PN'), status: 'completed' as const, startTime: 1_700_000_001_000, endTime: 1_700_000_031_000,
        duration: 30, price: '-0.0085', priceUnit: 'EUR', direction: 'outbound-dial' as const, answeredBy: 'human',
        apiVersion: '2010-04-01', forwardedFrom: '+14155550123', groupSid: 'GP' + 'a'.repeat(32), callerName: 'Zoë',
        queueTime: 250, trunkSid: 'TK' + 'b'.repeat(32), dateCreated: 1_700_000_000_500, dateUpdated: 1_700_000_032_000,
      },
    ];
    for (const call of calls) {
      await t.server.store.calls.create(call);
      const res = await inject({ method: 'GET', url: `${base()}/Calls/${call.sid}.json`, headers: { authorization: auth } });
      assert.equal(res.statusCode, 200);
      assert.deepEqual(res.json(), JSON.parse(JSON.stringify(serializeCall({ ...call, nodeId: null }))));
    }
    const page = await inject({ method: 'GET', url: `${base()}/Calls.json?PageSize=1000`, headers: { authorization: auth } });
    const listed = (page.json() as { calls: Array<{ sid: string }> }).calls;
    for (const call of calls) {
      assert.deepEqual(listed.find((c) => c.sid === call.sid), JSON.parse(JSON.stringify(serializeCall({ ...call, nodeId: null }))));
    }
  });
});

describe('property: random requests', () => {
  it('every answer is a well-formed Twilio error or success, never a 500', async () => {
    const paths = ['/Calls.json', '/Applications.json', '/IncomingPhoneNumbers.json', '/Keys.json', '/Recordings.json',
      '/Notifications.json', '.json', '/Applications/AP00000000000000000000000000000000.json', '/IncomingPhoneNumbers/Local.json'];
    const param = fc.constantFrom('FriendlyName', 'VoiceUrl', 'VoiceMethod', 'PhoneNumber', 'AreaCode', 'PageSize', 'PageToken',
      'Status', 'StartTime>', 'Log', 'AccountSid', 'VoiceCallerIdLookup', 'SmsApplicationSid', 'Bogus', '');
    const value = fc.oneof(fc.string(), fc.constantFrom('', 'true', 'GET', 'https://example.com/x', '+14155550100', '2024-01-01', '0', '1001', 'AC00'));
    const authHeader = fc.oneof(
      fc.constant(auth),
      fc.string().map((s) => 'Basic ' + Buffer.from(s).toString('base64')),
      fc.string(),
      fc.constant(undefined),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('GET', 'POST', 'DELETE'),
        fc.constantFrom(...paths),
        fc.array(fc.tuple(param, value), { maxLength: 6 }),
        authHeader,
        fc.constantFrom('application/x-www-form-urlencoded', 'application/json', 'text/plain'),
        async (method, p, pairs, authorization, contentType) => {
          const form = new URLSearchParams(pairs).toString();
          const headers: Record<string, string> = {};
          if (authorization !== undefined) headers.authorization = authorization;
          const res = await inject({
            method,
            url: `${base()}${p}${method === 'GET' ? `?${form}` : ''}`,
            headers: method === 'POST' ? { ...headers, 'content-type': contentType } : headers,
            payload: method === 'POST' ? form : undefined,
          });
          assert.ok(res.statusCode < 500, `${method} ${p} ${form} → ${res.statusCode} ${res.body}`);
          if (res.statusCode === 204) return;
          const body = res.json() as Record<string, unknown>;
          if (res.statusCode >= 400) {
            assert.equal(typeof body.code, 'number');
            assert.equal(body.status, res.statusCode);
            assert.equal(typeof body.message, 'string');
            assert.equal(body.more_info, `https://www.twilio.com/docs/errors/${String(body.code)}`);
          } else {
            assert.ok(typeof body.uri === 'string' || typeof body.sid === 'string', `success without uri or sid: ${res.body}`);
          }
        },
      ),
      { numRuns: 400, seed: 20261121 },
    );
  });
});

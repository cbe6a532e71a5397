/**
 * Twilio's API concurrency limit (error 20429) over real HTTP. A request is held in progress deterministically by
 * sending its headers and only part of its body: the limit is counted from authentication, before the body is read.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { type Socket, connect } from 'node:net';
import twilio from 'twilio';
import { type TestServer, LocalRequestClient, startTestServer } from '../helpers/server.js';

const LIMIT = 2;

describe('API concurrency limit: 429 with error 20429', { timeout: 60_000 }, () => {
  let t: TestServer;
  const open: Socket[] = [];

  before(async () => {
    t = await startTestServer({ PATCHBAY_API_CONCURRENCY: String(LIMIT) });
  });
  after(async () => {
    for (const s of open) s.destroy();
    await t?.close();
  });

  const basic = (sid: string, token: string) => `Basic ${Buffer.from(`${sid}:${token}`).toString('base64')}`;

  /** A POST whose body is still coming: in progress until `finish` sends the rest or `abort` drops the connection. */
  async function heldRequest(authorization: string, accountSid: string) {
    const { port } = new URL(t.server.httpUrl);
    const socket = connect(Number(port), '127.0.0.1');
    open.push(socket);
    await new Promise<void>((resolve) => socket.once('connect', resolve));
    const body = 'FriendlyName=held';
    let response = '';
    socket.on('data', (chunk) => (response += chunk.toString()));
    const ended = new Promise<string>((resolve) => socket.once('close', () => resolve(response)));
    socket.write(
      `POST /2010-04-01/Accounts/${accountSid}/Applications.json HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: ${authorization}\r\n`
      + `Content-Type: application/x-www-form-urlencoded\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body.slice(0, 5)}`,
    );
    // The server has authenticated it once a GET sees it counted.
    return {
      finish: async () => {
        socket.end(body.slice(5));
        return ended;
      },
      abort: () => socket.destroy(),
    };
  }

  const list = (authorization: string, accountSid: string) =>
    fetch(`${t.server.httpUrl}/2010-04-01/Accounts/${accountSid}/Applications.json`, { headers: { authorization } });

  /** Waits until the account has `n` requests in progress, as a GET of its own reports (that GET included). */
  async function untilInProgress(authorization: string, accountSid: string, n: number) {
    for (let i = 0; i < 200; i++) {
      const res = await list(authorization, accountSid);
      await res.arrayBuffer();
      if (res.status === 429 || Number(res.headers.get('twilio-concurrent-requests')) === n + 1) return;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    throw new Error(`the account never had ${n} requests in progress`);
  }

  it('refuses the request over the limit with 20429 and Retry-After, processes nothing of it, and admits again', async () => {
    const owner = basic(t.accountSid, t.authToken);
    const first = await heldRequest(owner, t.accountSid);
    await untilInProgress(owner, t.accountSid, 1);
    const second = await heldRequest(owner, t.accountSid);
    await untilInProgress(owner, t.accountSid, 2);

    const refused = await fetch(`${t.server.httpUrl}/2010-04-01/Accounts/${t.accountSid}/Applications.json`, {
      method: 'POST', headers: { authorization: owner, 'content-type': 'application/x-www-form-urlencoded' }, body: 'FriendlyName=refused',
    });
    assert.equal(refused.status, 429);
    assert.equal(refused.headers.get('retry-after'), '1');
    const error = (await refused.json()) as { code: number; status: number; message: string; more_info: string };
    assert.equal(error.code, 20429);
    assert.equal(error.status, 429);
    assert.equal(error.more_info, 'https://www.twilio.com/docs/errors/20429');

    assert.match(await first.finish(), /^HTTP\/1\.1 201 /);
    second.abort();
    // Both slots are free again: the finished request and the one whose client went away.
    await untilInProgress(owner, t.accountSid, 0);
    const ok = await list(owner, t.accountSid);
    assert.equal(ok.status, 200);
    assert.equal(ok.headers.get('twilio-concurrent-requests'), '1');
    const names = ((await ok.json()) as { applications: Array<{ friendly_name: string }> }).applications.map((a) => a.friendly_name);
    assert.ok(names.includes('held'), 'the held request was processed once its body came');
    assert.ok(!names.includes('refused'), 'the refused request was not processed');
  });

  it('counts each account on its own: a subaccount is served while its parent is at the limit', async () => {
    const sub = await t.client().api.v2010.accounts.create({ friendlyName: 'busy neighbour' });
    const owner = basic(t.accountSid, t.authToken);
    const held = [await heldRequest(owner, t.accountSid), await heldRequest(owner, t.accountSid)];
    await untilInProgress(owner, t.accountSid, LIMIT);
    const own = await list(basic(sub.sid, sub.authToken), sub.sid);
    assert.equal(own.status, 200);
    for (const h of held) h.abort();
  });

  it('the official client with autoRetry backs off on 429 and succeeds once a slot is free', async () => {
    const owner = basic(t.accountSid, t.authToken);
    const held = [await heldRequest(owner, t.accountSid), await heldRequest(owner, t.accountSid)];
    await untilInProgress(owner, t.accountSid, LIMIT);
    const httpClient = new LocalRequestClient(t.server.httpUrl, { autoRetry: true, maxRetries: 10 });
    const client = twilio(t.accountSid, t.authToken, { httpClient });
    const listed = client.applications.list();
    setTimeout(() => held.forEach((h) => h.abort()), 300);
    assert.ok(Array.isArray(await listed));
  });
});

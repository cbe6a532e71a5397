import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import twilio from 'twilio';
import { FakeClock, systemClock } from '../../src/core/index.js';
import { CallNotifier, MemoryNotificationSink } from '../../src/voice/notifications.js';
import {
  CallStatusCallbacks, CookieJar, DocumentFetcher, StatusCallbackSender, WebhookClient, createWebhookAgent, twilioSignature,
} from '../../src/voice/webhook/index.js';
import type { StandardCallParameters } from '../../src/voice/webhook/index.js';
import { AUTH_TOKEN, type AppServer, closedPortUrl, startAppServer, twiml } from './helpers/app-server.js';

const ACCOUNT = 'AC' + 'a'.repeat(32);
const CALL = 'CA' + 'b'.repeat(32);
const standard: StandardCallParameters = {
  CallSid: CALL, AccountSid: ACCOUNT, From: '+15551230000', To: '+15557654321', CallStatus: 'ringing', ApiVersion: '2010-04-01',
  Direction: 'inbound', Caller: '+15551230000', Called: '+15557654321',
};
const params = standard as unknown as Record<string, string>;

describe('webhook client against a real application server', () => {
  let app: AppServer;
  const agent = createWebhookAgent();
  const client = new WebhookClient({ dispatcher: agent, timeoutMs: 1_000 });

  before(async () => {
    app = await startAppServer();
  });
  after(async () => {
    await app.close();
    await agent.close();
  });

  it('signs POST and GET requests as twilio.validateRequest expects', async () => {
    app.route('/voice', twiml().say('hi').toString());
    const post = await client.send({ url: app.url('/voice?app=1'), method: 'POST', params, authToken: AUTH_TOKEN });
    const get = await client.send({ url: app.url('/voice'), method: 'GET', params, authToken: AUTH_TOKEN });
    assert.ok(post.ok && get.ok);
    const [p, g] = app.seen('/voice').slice(-2);
    assert.equal(p.method, 'POST');
    assert.deepEqual(p.params, params);
    assert.ok(p.signatureValid);
    assert.equal(g.method, 'GET');
    assert.deepEqual(g.params, params);
    assert.ok(g.signatureValid);
  });

  it('computes the same signature as twilio-node for awkward names and values', () => {
    const url = 'https://mycompany.com/myapp.php?foo=1&bar=2';
    const p = { CallSid: 'CA1234567890ABCDE', Caller: '+12349013030', Digits: '1234', b: 'lower after upper', Zeta: 'é ünïcode & = +' };
    assert.equal(twilioSignature(AUTH_TOKEN, url, p), twilio.getExpectedTwilioSignature(AUTH_TOKEN, url, p));
  });

  it('keeps cookies per call and sends them back on later requests', async () => {
    app.route('/c1', { body: '<Response/>', headers: { 'set-cookie': ['session=s1; Path=/', 'step=1; Max-Age=3600'] } });
    app.route('/c2', '<Response/>');
    const jar = new CookieJar();
    await client.send({ url: app.url('/c1'), method: 'POST', params, authToken: AUTH_TOKEN, cookies: jar });
    await client.send({ url: app.url('/c2'), method: 'POST', params, authToken: AUTH_TOKEN, cookies: jar });
    assert.equal(app.seen('/c2').at(-1)!.cookie, 'session=s1; step=1');
    // Another call has its own jar.
    await client.send({ url: app.url('/c2'), method: 'POST', params, authToken: AUTH_TOKEN, cookies: new CookieJar() });
    assert.equal(app.seen('/c2').at(-1)!.cookie, undefined);
  });

  it('follows redirects: 302 after POST becomes GET, 307 repeats the POST; every hop is signed', async () => {
    app.route('/r302', { status: 302, headers: { location: '/target?from=302' }, type: 'text/plain' });
    app.route('/r307', { status: 307, headers: { location: '/target' }, type: 'text/plain' });
    app.route('/target', '<Response/>');
    const a = await client.send({ url: app.url('/r302'), method: 'POST', params, authToken: AUTH_TOKEN });
    assert.ok(a.ok);
    assert.equal(a.method, 'GET');
    assert.equal(a.url, app.url('/target?from=302'));
    const hop = app.seen('/target').at(-1)!;
    assert.equal(hop.method, 'GET');
    assert.ok(hop.signatureValid);
    const b = await client.send({ url: app.url('/r307'), method: 'POST', params, authToken: AUTH_TOKEN });
    assert.ok(b.ok);
    const hop2 = app.seen('/target').at(-1)!;
    assert.equal(hop2.method, 'POST');
    assert.deepEqual(hop2.params, params);
    assert.ok(hop2.signatureValid);
  });

  it('gives up after 10 redirects with 11215', async () => {
    app.route('/loop', { status: 302, headers: { location: '/loop' }, type: 'text/plain' });
    const before = app.seen('/loop').length;
    const res = await client.send({ url: app.url('/loop'), method: 'POST', params, authToken: AUTH_TOKEN });
    assert.equal(res.ok, false);
    assert.equal(!res.ok && res.code, 11215);
    assert.equal(app.seen('/loop').length - before, 11);
  });

  it('classifies failures: refused → 11205, timeout → 11205, 500 → 11200, bad URL → 11100', async () => {
    const refused = await client.send({ url: await closedPortUrl('/x'), method: 'POST', params, authToken: AUTH_TOKEN });
    assert.equal(!refused.ok && refused.code, 11205);
    app.route('/slow', { hang: true });
    const slow = await new WebhookClient({ dispatcher: agent, timeoutMs: 150 }).send({ url: app.url('/slow'), method: 'POST', params, authToken: AUTH_TOKEN });
    assert.equal(!slow.ok && slow.code, 11205);
    app.route('/boom', { status: 500, type: 'text/plain', body: 'kaput' });
    const boom = await client.send({ url: app.url('/boom'), method: 'POST', params, authToken: AUTH_TOKEN });
    assert.ok(!boom.ok);
    assert.equal(boom.code, 11200);
    assert.equal(boom.status, 500);
    assert.equal(boom.body, 'kaput');
    const bad = await client.send({ url: 'not a url', method: 'POST', params, authToken: AUTH_TOKEN });
    assert.equal(!bad.ok && bad.code, 11100);
  });

  it('an abort from the caller is not a failure code', async () => {
    app.route('/slow2', { hang: true });
    const ac = new AbortController();
    const pending = client.send({ url: app.url('/slow2'), method: 'POST', params, authToken: AUTH_TOKEN, signal: ac.signal });
    setTimeout(() => ac.abort(), 20);
    const res = await pending;
    assert.ok(!res.ok);
    assert.equal(res.code, null);
  });

  describe('DocumentFetcher: content types, primary and fallback', () => {
    const fetcher = (sink: MemoryNotificationSink, fallback: string | null, timeoutMs = 1_000) =>
      new DocumentFetcher({
        client: new WebhookClient({ dispatcher: agent, timeoutMs }),
        notifier: new CallNotifier(sink, { accountSid: ACCOUNT, callSid: CALL }, systemClock),
        authToken: AUTH_TOKEN,
        cookies: new CookieJar(),
        fallback: fallback ? { url: fallback, method: 'POST' } : null,
      });

    it('classifies by Content-Type', async () => {
      const sink = new MemoryNotificationSink();
      const f = fetcher(sink, null);
      app.route('/xml', { type: 'application/xml; charset=utf-8', body: twiml().say('x').toString() });
      app.route('/html', { type: 'text/html', body: twiml().hangup().toString() });
      app.route('/mp3', { type: 'audio/mpeg', body: 'ID3' });
      app.route('/plain-twiml', { type: 'text/plain', body: twiml().say('y').toString() });
      app.route('/plain-text', { type: 'text/plain', body: 'Hello there' });
      app.route('/none', { type: null, body: '<Response/>' });
      app.route('/json', { type: 'application/json', body: '{}' });
      const get = (p: string) => f.fetch({ url: app.url(p), method: 'POST', params });
      assert.equal((await get('/xml')).kind, 'twiml');
      assert.equal((await get('/html')).kind, 'twiml');
      assert.deepEqual(await get('/mp3'), { kind: 'play', url: app.url('/mp3') });
      assert.equal((await get('/plain-twiml')).kind, 'twiml');
      assert.deepEqual(await get('/plain-text'), { kind: 'say', text: 'Hello there' });
      assert.deepEqual(await get('/none'), { kind: 'application-error', code: 12300 });
      assert.deepEqual(await get('/json'), { kind: 'application-error', code: 12300 });
      assert.deepEqual(sink.codes(), [12300, 12300]);
    });

    for (const [name, setup, code] of [
      ['is down (closed port)', async () => closedPortUrl('/voice'), 11205],
      ['times out', async () => { app.route('/hang', { hang: true }); return app.url('/hang'); }, 11205],
      ['answers broken XML', async () => { app.route('/broken', '<Response><Say>unclosed</Response>'); return app.url('/broken'); }, 12100],
      ['answers 404', async () => app.url('/missing'), 11200],
    ] as const) {
      it(`requests the fallback URL with ErrorCode/ErrorUrl when the primary ${name}`, async () => {
        const primary = await setup();
        app.route('/fallback', twiml().say('Fallback here').toString());
        const sink = new MemoryNotificationSink();
        const result = await fetcher(sink, app.url('/fallback'), 300).fetch({ url: primary, method: 'POST', params });
        assert.equal(result.kind, 'twiml');
        const fb = app.seen('/fallback').at(-1)!;
        assert.equal(fb.params.ErrorCode, String(code));
        assert.equal(fb.params.ErrorUrl, primary);
        assert.equal(fb.params.CallSid, CALL);
        assert.ok(fb.signatureValid);
        assert.deepEqual(sink.codes(), [code]);
        const n = sink.notifications[0];
        assert.equal(n.log, '0');
        assert.equal(n.callSid, CALL);
        assert.equal(n.accountSid, ACCOUNT);
        assert.match(n.requestVariables ?? '', /CallSid=CA/);
        assert.equal(n.requestMethod, 'POST');
        if (code === 12100) assert.match(n.responseBody ?? '', /unclosed/);
      });
    }

    it('reports an application error when the fallback fails too', async () => {
      app.route('/broken2', 'not xml at all <');
      const sink = new MemoryNotificationSink();
      const result = await fetcher(sink, await closedPortUrl('/fb')).fetch({ url: app.url('/broken2'), method: 'POST', params });
      assert.deepEqual(result, { kind: 'application-error', code: 11205 });
      assert.deepEqual(sink.codes(), [12100, 11205]);
    });

    it('turns schema problems into 12200 warnings and still runs the rest', async () => {
      app.route('/warn', '<Response><Foo/><Say>ok</Say></Response>');
      const sink = new MemoryNotificationSink();
      const result = await fetcher(sink, null).fetch({ url: app.url('/warn'), method: 'POST', params });
      assert.ok(result.kind === 'twiml');
      assert.deepEqual(result.document.verbs.map((v) => v.verb), ['Say']);
      assert.deepEqual(sink.codes(), [12200]);
      assert.equal(sink.notifications[0].log, '1');
      assert.equal(sink.notifications[0].requestUrl, app.url('/warn'));
    });
  });

  describe('StatusCallbackSender', () => {
    it('posts signed call-progress callbacks in order with sequence numbers, without waiting', async () => {
      app.route('/status', { status: 204, type: null });
      const clock = new FakeClock(Date.UTC(2026, 0, 2, 3, 4, 5));
      const sink = new MemoryNotificationSink();
      const sender = new StatusCallbackSender({ client, notifications: sink, clock });
      const callbacks = new CallStatusCallbacks(
        sender,
        { url: app.url('/status'), method: 'POST', accountSid: ACCOUNT, callSid: CALL, authToken: AUTH_TOKEN },
        ['initiated', 'ringing', 'answered', 'completed'],
        clock,
      );
      callbacks.progress({ ...standard, CallStatus: 'ringing' });
      callbacks.progress({ ...standard, CallStatus: 'in-progress' });
      callbacks.progress({ ...standard, CallStatus: 'completed' }, { callDurationSeconds: 61, sipResponseCode: 200 });
      assert.equal(sender.pending, 3); // queued, nothing awaited
      await sender.idle();
      const seen = app.seen('/status');
      assert.deepEqual(seen.map((r) => r.params.CallStatus), ['ringing', 'in-progress', 'completed']);
      assert.deepEqual(seen.map((r) => r.params.SequenceNumber), ['0', '1', '2']);
      assert.ok(seen.every((r) => r.signatureValid && r.params.CallbackSource === 'call-progress-events'));
      assert.equal(seen[0].params.Timestamp, 'Fri, 02 Jan 2026 03:04:05 +0000');
      assert.equal(seen[2].params.CallDuration, '61');
      assert.equal(seen[2].params.Duration, '2');
      assert.equal(seen[2].params.SipResponseCode, '200');
      assert.equal(seen[0].params.CallDuration, undefined);
      assert.deepEqual(sink.codes(), []);
    });

    it('sends only completed when no events are listed, and records failures as Notifications', async () => {
      const sink = new MemoryNotificationSink();
      const sender = new StatusCallbackSender({ client, notifications: sink });
      const callbacks = new CallStatusCallbacks(
        sender,
        { url: await closedPortUrl('/status'), method: 'POST', accountSid: ACCOUNT, callSid: CALL, authToken: AUTH_TOKEN },
        [],
      );
      assert.equal(callbacks.progress({ ...standard, CallStatus: 'ringing' }), false);
      assert.equal(callbacks.progress({ ...standard, CallStatus: 'busy' }, { sipResponseCode: 486 }), true);
      await sender.idle();
      assert.deepEqual(sink.codes(), [11205]);
      assert.equal(sink.notifications[0].callSid, CALL);
    });

    it('drops callbacks beyond the bounded backlog instead of blocking', async () => {
      app.route('/status2', { status: 204, type: null });
      const sender = new StatusCallbackSender({ client, notifications: new MemoryNotificationSink(), maxQueued: 2 });
      const target = { url: app.url('/status2'), method: 'POST' as const, accountSid: ACCOUNT, callSid: CALL, authToken: AUTH_TOKEN };
      assert.equal(sender.enqueue(target, { n: '1' }), true);
      assert.equal(sender.enqueue(target, { n: '2' }), true);
      assert.equal(sender.enqueue(target, { n: '3' }), false);
      await sender.idle();
      assert.equal(sender.droppedCount, 1);
      assert.deepEqual(app.seen('/status2').map((r) => r.params.n), ['1', '2']);
    });
  });
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { type AddressInfo } from 'node:net';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeClock } from '../../../src/core/index.js';
import { MediaCache, MediaError, freshness, parseCacheControl } from '../../../src/media/cache/index.js';
import { wavHeader } from '../../../src/media/recorder/index.js';
import { EspeakNgProvider, type SpeechRequest, type TextToSpeechProvider } from '../../../src/media/tts/index.js';
import { mulawEncodeSample, alawEncodeSample } from '../../../src/media/codec/index.js';
import { silentMp3 } from '../source/helpers.js';

/** A 1 kHz tone WAV of `seconds` at `rate`. */
function toneWav(seconds: number, rate = 8000, level = 8000): Buffer {
  const n = Math.round(seconds * rate);
  const data = Buffer.alloc(n * 2);
  for (let i = 0; i < n; i++) data.writeInt16LE(Math.round(level * Math.sin((2 * Math.PI * 1000 * i) / rate)), i * 2);
  return Buffer.concat([wavHeader(1, rate, data.length), data]);
}

interface Route {
  /** Answer only once this settles (to hold a request in flight). */
  hold?: Promise<void>;
  status?: number;
  type?: string;
  body?: Buffer;
  headers?: Record<string, string>;
}

/** A local origin that counts requests per path and answers conditional requests from `ETag` / `Last-Modified`. */
async function origin(routes: Record<string, Route>) {
  const counts = new Map<string, number>();
  const conditional: string[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const path = req.url ?? '/';
    counts.set(path, (counts.get(path) ?? 0) + 1);
    const route = routes[path];
    if (!route) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    const headers = { ...(route.headers ?? {}) };
    const inm = req.headers['if-none-match'];
    const ims = req.headers['if-modified-since'];
    if (inm || ims) conditional.push(path);
    if ((inm && inm === headers.etag) || (!inm && ims && ims === headers['last-modified'])) {
      res.writeHead(304, headers).end();
      return;
    }
    const answer = () =>
      res.writeHead(route.status ?? 200, { 'content-type': route.type ?? 'audio/wav', ...headers }).end(route.body ?? Buffer.alloc(0));
    if (route.hold) void route.hold.then(answer);
    else answer();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: (p: string) => base + p,
    count: (p: string) => counts.get(p) ?? 0,
    conditional,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'patchbay-cache-'));
}

const mediaError = (kind: string, status?: number) => (e: unknown) =>
  e instanceof MediaError && e.kind === kind && (status === undefined || e.status === status);

test('cache-control parsing and freshness (RFC 9111)', () => {
  assert.deepEqual(parseCacheControl('public, max-age=60'), { noStore: false, noCache: false, maxAgeSeconds: 60 });
  assert.deepEqual(parseCacheControl('No-Cache, MAX-AGE="5"'), { noStore: false, noCache: true, maxAgeSeconds: 5 });
  assert.equal(parseCacheControl('no-store').noStore, true);
  const now = Date.parse('2026-11-21T09:00:00Z');
  const h = { cacheControl: null, expires: null, date: null, lastModified: null };
  assert.equal(freshness({ ...h, cacheControl: 'max-age=60' }, now, 1000).freshUntil, now + 60_000);
  assert.equal(freshness({ ...h, expires: 'Sat, 21 Nov 2026 09:10:00 GMT', date: 'Sat, 21 Nov 2026 09:00:00 GMT' }, now, 1000).freshUntil, now + 600_000);
  assert.equal(freshness({ ...h, expires: '0' }, now, 1000).freshUntil, now);
  // Heuristic: 10 % of the age since Last-Modified, capped at 12 × the default TTL.
  assert.equal(freshness({ ...h, date: 'Sat, 21 Nov 2026 09:00:00 GMT', lastModified: 'Sat, 21 Nov 2026 08:00:00 GMT' }, now, 60_000).freshUntil, now + 360_000);
  assert.equal(freshness(h, now, 1000).freshUntil, now + 1000);
  assert.equal(freshness({ ...h, cacheControl: 'no-store, max-age=60' }, now, 1000).storable, false);
});

test('a second play is a hit: no request, no transcode; frames are G.711 ready', async () => {
  const dir = tempDir();
  const o = await origin({ '/a.wav': { body: toneWav(1), headers: { 'cache-control': 'max-age=60', etag: '"v1"' } } });
  const cache = await MediaCache.open({ dataDir: dir, clock: new FakeClock() });
  try {
    const first = await cache.fetchUrl(o.url('/a.wav'));
    const second = await cache.fetchUrl(o.url('/a.wav'));
    assert.equal(o.count('/a.wav'), 1);
    assert.equal(second, first);
    assert.equal(cache.stats.transcodes, 1);
    assert.equal(cache.stats.hits, 1);
    assert.equal(first.id, MediaCache.idForUrl(o.url('/a.wav')));
    assert.match(first.address, /^\/media\/[0-9a-f]{64}$/);
    assert.equal(first.frameCount, 50);
    assert.equal(first.durationMs, 1000);
    for (let i = 0; i < 160; i++) {
      assert.equal(first.payloads('PCMU')[i], mulawEncodeSample(first.pcm[i]));
      assert.equal(first.payloads('PCMA')[i], alawEncodeSample(first.pcm[i]));
    }
    assert.equal(await cache.lookup(first.id), first);
    assert.equal(await cache.lookup('f'.repeat(64)), null);
    assert.equal(await cache.lookup('../etc/passwd'), null);
  } finally {
    await cache.close();
    await o.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('stale and no-cache entries are revalidated; a 304 keeps the processed media', async () => {
  const dir = tempDir();
  const clock = new FakeClock();
  const o = await origin({
    '/stale.wav': { body: toneWav(0.5), headers: { 'cache-control': 'max-age=10', 'last-modified': 'Fri, 20 Nov 2026 10:00:00 GMT' } },
    '/nocache.wav': { body: toneWav(0.5), headers: { 'cache-control': 'no-cache', etag: '"abc"' } },
    '/changed.wav': { body: toneWav(0.5), headers: { 'cache-control': 'max-age=1', etag: '"1"' } },
  });
  const routes = o;
  const cache = await MediaCache.open({ dataDir: dir, clock });
  try {
    const a = await cache.fetchUrl(o.url('/stale.wav'));
    clock.advance(5_000);
    await cache.fetchUrl(o.url('/stale.wav'));
    assert.equal(o.count('/stale.wav'), 1); // still fresh
    clock.advance(6_000);
    const b = await cache.fetchUrl(o.url('/stale.wav'));
    assert.equal(o.count('/stale.wav'), 2);
    assert.equal(b, a);
    assert.deepEqual(routes.conditional, ['/stale.wav']); // If-Modified-Since
    await cache.fetchUrl(o.url('/stale.wav'));
    assert.equal(o.count('/stale.wav'), 2); // freshened by the 304

    const n1 = await cache.fetchUrl(o.url('/nocache.wav'));
    const n2 = await cache.fetchUrl(o.url('/nocache.wav'));
    assert.equal(o.count('/nocache.wav'), 2); // no-cache: asked every time
    assert.equal(n2, n1); // … but 304, so not re-transcoded
    assert.equal(cache.stats.transcodes, 2);
    assert.equal(cache.stats.revalidations, 2);
  } finally {
    await cache.close();
    await o.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('no-store: processed for this play, never kept', async () => {
  const dir = tempDir();
  const o = await origin({ '/ns.wav': { body: toneWav(0.2), headers: { 'cache-control': 'no-store' } } });
  const cache = await MediaCache.open({ dataDir: dir, clock: new FakeClock() });
  try {
    await cache.fetchUrl(o.url('/ns.wav'));
    await cache.fetchUrl(o.url('/ns.wav'));
    assert.equal(o.count('/ns.wav'), 2);
    assert.equal(cache.stats.transcodes, 2);
    assert.deepEqual(cache.ids(), []);
  } finally {
    await cache.close();
    await o.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('ten concurrent plays of one URL make one fetch and one transcode', async () => {
  const dir = tempDir();
  const o = await origin({ '/c.wav': { body: toneWav(1, 44100), headers: { 'cache-control': 'max-age=60' } } });
  const cache = await MediaCache.open({ dataDir: dir, clock: new FakeClock() });
  try {
    const all = await Promise.all(Array.from({ length: 10 }, () => cache.fetchUrl(o.url('/c.wav'))));
    assert.equal(o.count('/c.wav'), 1);
    assert.equal(cache.stats.transcodes, 1);
    assert.equal(cache.stats.coalesced, 9);
    assert.ok(all.every((m) => m === all[0]));
    assert.equal(all[0].sampleCount, 8000); // resampled from 44.1 kHz
  } finally {
    await cache.close();
    await o.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the size bound evicts least recently used entries, from memory and disk', async () => {
  const dir = tempDir();
  const wav = toneWav(1); // 8000 samples → 32000 bytes processed
  const hdr = { 'cache-control': 'max-age=600' };
  const o = await origin({ '/1.wav': { body: wav, headers: hdr }, '/2.wav': { body: wav, headers: hdr }, '/3.wav': { body: wav, headers: hdr } });
  const cache = await MediaCache.open({ dataDir: dir, clock: new FakeClock(), maxBytes: 70_000 });
  const id = (p: string) => MediaCache.idForUrl(o.url(p));
  try {
    await cache.fetchUrl(o.url('/1.wav'));
    await cache.fetchUrl(o.url('/2.wav'));
    await cache.fetchUrl(o.url('/1.wav')); // 1 is now the most recently used
    await cache.fetchUrl(o.url('/3.wav')); // evicts 2
    assert.deepEqual(cache.ids(), [id('/1.wav'), id('/3.wav')]);
    assert.equal(cache.stats.evictions, 1);
    assert.equal(cache.sizeBytes, 64_000);
    await cache.flushIndex();
    await cache.fetchUrl(o.url('/2.wav')); // refetched, evicts 1
    assert.equal(o.count('/2.wav'), 2);
    assert.equal(o.count('/1.wav'), 1);
    assert.deepEqual(cache.ids(), [id('/3.wav'), id('/2.wav')]);
    await cache.flushIndex();
    await new Promise((r) => setImmediate(r));
    const files = readdirSync(dir).filter((f) => f.endsWith('.pbm')).sort();
    assert.deepEqual(files, [`${id('/2.wav')}.pbm`, `${id('/3.wav')}.pbm`].sort());
  } finally {
    await cache.close();
    await o.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('bad media becomes a typed MediaError', async () => {
  const dir = tempDir();
  const o = await origin({
    '/html': { type: 'text/html', body: Buffer.from('<html>oops</html>') },
    '/corrupt.wav': { body: Buffer.from('RIFF....WAVEjunkjunkjunk') },
    '/big.wav': { body: toneWav(2) },
    '/a.aiff': { type: 'audio/aiff', body: Buffer.from('FORM') },
    '/down': { status: 500, body: Buffer.from('x') },
    '/mystery': { type: 'application/octet-stream', body: Buffer.from('just bytes') },
  });
  const cache = await MediaCache.open({ dataDir: dir, clock: new FakeClock(), maxMediaBytes: 20_000 });
  try {
    await assert.rejects(cache.fetchUrl(o.url('/missing.wav')), mediaError('http-status', 404));
    await assert.rejects(cache.fetchUrl(o.url('/down')), mediaError('http-status', 500));
    await assert.rejects(cache.fetchUrl(o.url('/html')), mediaError('invalid-content-type', 200));
    await assert.rejects(cache.fetchUrl(o.url('/mystery')), mediaError('invalid-content-type'));
    await assert.rejects(cache.fetchUrl(o.url('/corrupt.wav')), mediaError('corrupt-media', 200));
    await assert.rejects(cache.fetchUrl(o.url('/big.wav')), mediaError('too-large', 200));
    await assert.rejects(cache.fetchUrl(o.url('/a.aiff')), mediaError('unsupported-media'));
    await assert.rejects(cache.fetchUrl('ftp://example.com/a.wav'), mediaError('invalid-url'));
    await assert.rejects(cache.fetchUrl('not a url'), mediaError('invalid-url'));
    const closed = await origin({});
    const deadUrl = closed.url('/x.wav');
    await closed.close();
    await assert.rejects(cache.fetchUrl(deadUrl), mediaError('connection-failed'));
    assert.deepEqual(cache.ids(), []);
  } finally {
    await cache.close();
    await o.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('MP3, raw μ-law and sniffed octet-stream media are accepted', async () => {
  const dir = tempDir();
  const o = await origin({
    '/s.mp3': { type: 'audio/mpeg', body: silentMp3(10) },
    '/u': { type: 'audio/ulaw', body: Buffer.alloc(400, 0xff) },
    '/o': { type: 'application/octet-stream', body: toneWav(0.1) },
    '/moved': { status: 302, headers: { location: '/u' } },
  });
  const cache = await MediaCache.open({ dataDir: dir, clock: new FakeClock() });
  try {
    assert.equal((await cache.fetchUrl(o.url('/s.mp3'))).sampleCount, 1920);
    const u = await cache.fetchUrl(o.url('/u'));
    assert.equal(u.sampleCount, 400);
    assert.equal(u.frameCount, 3);
    assert.equal(u.payloads('PCMU')[479], 0xff); // padding is encoded silence
    assert.equal(u.payloads('PCMA')[479], 0xd5);
    assert.equal((await cache.fetchUrl(o.url('/o'))).sampleCount, 800);
    // Redirects are followed (Twilio follows up to 10); the cache entry is keyed by the URL the app gave.
    const r = await cache.fetchUrl(o.url('/moved'));
    assert.equal(r.sampleCount, 400);
    assert.equal(o.count('/u'), 2);
  } finally {
    await cache.close();
    await o.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('processed media survives a restart: a new cache on the same directory neither fetches nor transcodes', async () => {
  const dir = tempDir();
  const o = await origin({ '/p.wav': { body: toneWav(1), headers: { 'cache-control': 'max-age=3600', etag: '"p"' } } });
  const clock = new FakeClock();
  try {
    const first = await MediaCache.open({ dataDir: dir, clock });
    const m1 = await first.fetchUrl(o.url('/p.wav'));
    await first.close();

    const second = await MediaCache.open({ dataDir: dir, clock });
    const m2 = await second.fetchUrl(o.url('/p.wav'));
    assert.equal(o.count('/p.wav'), 1);
    assert.equal(second.stats.transcodes, 0);
    assert.deepEqual(m2.pcm, m1.pcm);
    assert.deepEqual(m2.ulaw, m1.ulaw);
    assert.deepEqual(m2.alaw, m1.alaw);
    assert.equal(m2.sampleCount, m1.sampleCount);
    assert.ok(await second.lookup(m1.id));
    // Once stale after the restart it is revalidated with the persisted ETag, and a 304 still avoids transcoding.
    clock.advance(3_601_000);
    await second.fetchUrl(o.url('/p.wav'));
    assert.equal(o.count('/p.wav'), 2);
    assert.deepEqual(o.conditional, ['/p.wav']);
    assert.equal(second.stats.transcodes, 0);
    await second.close();

    // A damaged media file is treated as absent, not as an error.
    const files = readdirSync(dir).filter((f) => f.endsWith('.pbm'));
    const { writeFileSync } = await import('node:fs');
    writeFileSync(join(dir, files[0]), 'garbage');
    const third = await MediaCache.open({ dataDir: dir, clock });
    assert.equal(await third.lookup(m1.id), null);
    await third.fetchUrl(o.url('/p.wav'));
    assert.equal(third.stats.transcodes, 1);
    await third.close();
  } finally {
    await o.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('TTS renders go through the cache keyed by provider, voice, language and text', async () => {
  const dir = tempDir();
  const espeak = new EspeakNgProvider();
  let calls = 0;
  const counting: TextToSpeechProvider = {
    name: espeak.name,
    synthesize: (r: SpeechRequest) => {
      calls++;
      return espeak.synthesize(r);
    },
  };
  const cache = await MediaCache.open({ dataDir: dir, clock: new FakeClock() });
  try {
    const req = { text: 'Your call is important to us.', voice: 'woman', language: 'en-US' };
    const [a, b] = await Promise.all([cache.render(counting, req), cache.render(counting, req)]);
    const c = await cache.render(counting, req);
    assert.equal(calls, 1);
    assert.ok(a === b && b === c);
    assert.equal(a.id, MediaCache.idForSpeech('espeak-ng', req));
    assert.ok(a.durationMs > 500);
    await cache.render(counting, { ...req, voice: 'man' });
    assert.equal(calls, 2);
    await cache.close();
    const again = await MediaCache.open({ dataDir: dir, clock: new FakeClock() });
    await again.render(counting, req);
    assert.equal(calls, 2);
    await again.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('one caller giving up does not cancel the shared fetch for the others', async () => {
  const dir = tempDir();
  let release = () => {};
  const hold = new Promise<void>((r) => (release = r));
  const o = await origin({ '/held.wav': { hold, body: toneWav(0.5), headers: { 'cache-control': 'max-age=60' } } });
  const cache = await MediaCache.open({ dataDir: dir, clock: new FakeClock() });
  try {
    const hangup = new AbortController();
    const leaving = cache.fetchUrl(o.url('/held.wav'), { signal: hangup.signal });
    const staying = cache.fetchUrl(o.url('/held.wav'));
    hangup.abort();
    await assert.rejects(leaving, (e: unknown) => e instanceof Error && e.name === 'AbortError');
    release();
    const media = await staying;
    assert.equal(media.sampleCount, 4000);
    assert.equal(o.count('/held.wav'), 1);
    // The resource can be served back as a WAV at its address.
    const wav = media.toWav();
    assert.equal(wav.length, 44 + 8000);
    assert.equal(wav.readUInt32LE(24), 8000);
  } finally {
    await cache.close();
    await o.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a stale copy is played when the origin is down, not when it says the media is gone', async () => {
  const dir = tempDir();
  const clock = new FakeClock();
  const routes: Record<string, Route> = {
    '/flaky.wav': { body: toneWav(0.2), headers: { 'cache-control': 'max-age=1' } },
    '/gone.wav': { body: toneWav(0.2), headers: { 'cache-control': 'max-age=1' } },
  };
  const o = await origin(routes);
  const cache = await MediaCache.open({ dataDir: dir, clock });
  try {
    const flaky = await cache.fetchUrl(o.url('/flaky.wav'));
    await cache.fetchUrl(o.url('/gone.wav'));
    clock.advance(2_000);
    routes['/flaky.wav'] = { status: 503 };
    delete routes['/gone.wav'];
    assert.equal(await cache.fetchUrl(o.url('/flaky.wav')), flaky);
    assert.equal(cache.stats.staleServed, 1);
    await assert.rejects(cache.fetchUrl(o.url('/gone.wav')), mediaError('http-status', 404));
    assert.equal(await cache.lookup(MediaCache.idForUrl(o.url('/gone.wav'))), null);
  } finally {
    await cache.close();
    await o.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

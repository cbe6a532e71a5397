import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EspeakNgProvider, EspeakVoiceResolver, TtsError, checkEspeakNg } from '../../../src/media/tts/index.js';
import { decodeWav, toTelephonyPcm } from '../../../src/media/source/index.js';

const LANGS = ['en-us', 'en-gb', 'fr-fr', 'de', 'es', 'es-419', 'pt', 'pt-br', 'cmn', 'ar', 'ja', 'it'];

const isTts = (kind: string) => (e: unknown) => e instanceof TtsError && e.kind === kind;

test('voice and language mapping', () => {
  const r = new EspeakVoiceResolver(LANGS);
  assert.deepEqual(r.resolve(undefined, undefined), { language: 'en-us', variant: 'm3' });
  assert.deepEqual(r.resolve('woman', 'en-GB'), { language: 'en-gb', variant: 'f3' });
  assert.deepEqual(r.resolve('alice', 'fr-FR'), { language: 'fr-fr', variant: 'f3' });
  assert.deepEqual(r.resolve('man', 'de-DE'), { language: 'de', variant: 'm3' });
  assert.deepEqual(r.resolve('Polly.Joanna-Neural', undefined), { language: 'en-us', variant: 'f3' });
  assert.deepEqual(r.resolve('Polly.Hans', undefined), { language: 'de', variant: 'm3' });
  assert.deepEqual(r.resolve('Polly.Mia', undefined), { language: 'es-419', variant: 'f3' });
  assert.deepEqual(r.resolve('Polly.Nicole', 'en-AU'), { language: 'en-gb', variant: 'f3' });
  assert.deepEqual(r.resolve('Polly.Unknownname', 'pt-BR'), { language: 'pt-br', variant: null });
  assert.deepEqual(r.resolve('Google.cmn-CN-Standard-A', undefined), { language: 'cmn', variant: null });
  assert.deepEqual(r.resolve('man', 'pt-PT'), { language: 'pt', variant: 'm3' });
  assert.deepEqual(r.resolve('man', 'arb'), { language: 'ar', variant: 'm3' });
  assert.deepEqual(r.resolve('man', 'es-ES'), { language: 'es', variant: 'm3' });
  assert.throws(() => r.resolve('man', 'xx-YY'), isTts('unsupported-language'));
  assert.throws(() => r.resolve('man', 'not a tag'), isTts('unsupported-language'));
  assert.throws(() => r.resolve('robot', 'en-US'), isTts('unsupported-voice'));
});

test('espeak-ng renders a well-formed WAV with speech in it', async () => {
  const tts = new EspeakNgProvider();
  const out = await tts.synthesize({ text: 'Hello from Patchbay.', voice: 'woman', language: 'en-US' });
  assert.equal(out.contentType, 'audio/wav');
  assert.equal(out.audio.readUInt32LE(4), out.audio.length - 8); // RIFF size fixed up
  const decoded = decodeWav(out.audio);
  assert.equal(decoded.sampleRate, 22050);
  const pcm = toTelephonyPcm(decoded);
  assert.ok(pcm.length > 4000, `only ${pcm.length} samples`);
  assert.ok(pcm.some((s) => Math.abs(s) > 1000));
  const fr = await tts.synthesize({ text: 'Bonjour', voice: 'Polly.Mathieu', language: 'fr-FR' });
  assert.ok(decodeWav(fr.audio).samples.length > 0);
});

test('espeak-ng: typed errors for bad requests', async () => {
  const tts = new EspeakNgProvider({ maxTextLength: 20 });
  await assert.rejects(tts.synthesize({ text: '   ' }), isTts('empty-text'));
  await assert.rejects(tts.synthesize({ text: 'x'.repeat(21) }), isTts('text-too-long'));
  await assert.rejects(tts.synthesize({ text: 'hola', language: 'tlh-QO' }), isTts('unsupported-language'));
  const aborted = new AbortController();
  aborted.abort();
  await assert.rejects(tts.synthesize({ text: 'hi', signal: aborted.signal }), isTts('aborted'));
});

test('espeak-ng: a missing binary, a hung engine and an endless engine are bounded', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'patchbay-tts-'));
  try {
    const script = (name: string, body: string) => {
      const p = join(dir, name);
      writeFileSync(p, `#!/bin/sh\n${body}\n`);
      chmodSync(p, 0o755);
      return p;
    };
    const missing = new EspeakNgProvider({ binary: join(dir, 'nope'), languages: ['en-us'] });
    await assert.rejects(missing.synthesize({ text: 'hi' }), isTts('engine-missing'));
    const hung = new EspeakNgProvider({ binary: script('hung', 'exec sleep 30'), languages: ['en-us'], timeoutMs: 100 });
    await assert.rejects(hung.synthesize({ text: 'hi' }), isTts('timeout'));
    const endless = new EspeakNgProvider({ binary: script('endless', 'exec yes'), languages: ['en-us'], maxOutputBytes: 100_000 });
    await assert.rejects(endless.synthesize({ text: 'hi' }), isTts('output-too-large'));
    const failing = new EspeakNgProvider({ binary: script('failing', 'echo broken >&2; exit 3'), languages: ['en-us'] });
    await assert.rejects(failing.synthesize({ text: 'hi' }), (e: unknown) => isTts('engine-failed')(e) && /broken/.test((e as Error).message));
    const status = await checkEspeakNg(join(dir, 'nope'));
    assert.equal(status.installed, false);
    if (!status.installed) assert.equal(status.hint, 'apt-get install espeak-ng');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('checkEspeakNg finds the installed engine', async () => {
  const s = await checkEspeakNg();
  assert.equal(s.installed, true);
  if (s.installed) assert.match(s.version, /^\d+\.\d+/);
});

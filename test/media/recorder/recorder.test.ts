import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RecorderStateError, WavRecorder } from '../../../src/media/recorder/index.js';
import { decodeWav } from '../../../src/media/source/index.js';

const frame = (value: number) => new Int16Array(160).fill(value);
const tone = () => Int16Array.from({ length: 160 }, (_, i) => Math.round(8000 * Math.sin((2 * Math.PI * i) / 8)));

function withDir(fn: (dir: string) => Promise<void>) {
  return async () => {
    const dir = mkdtempSync(join(tmpdir(), 'patchbay-rec-'));
    try {
      await fn(dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
}

test('mono: frames become a durable WAV, no temp file left behind', withDir(async (dir) => {
  const path = join(dir, 'RE1.wav');
  const rec = await WavRecorder.open({ path });
  for (let i = 0; i < 120; i++) rec.write(tone()); // 2.4 s, spans several write chunks
  assert.ok(Math.abs(rec.durationSeconds - 2.4) < 1e-9);
  const result = await rec.stop();
  assert.deepEqual(result, { path, durationSeconds: 2.4, channels: 1, bytes: 44 + 120 * 320 });
  assert.equal(statSync(path).size, result.bytes);
  assert.deepEqual(readdirSync(dir), ['RE1.wav']);
  const wav = decodeWav(readFileSync(path));
  assert.equal(wav.sampleRate, 8000);
  assert.equal(wav.samples.length, 120 * 160);
  assert.equal(Math.round(wav.samples[2] * 32768), 8000);
  rec.write(tone()); // ignored after stop
  assert.throws(() => rec.pause(), RecorderStateError);
}));

test('dual channel: first leg on channel 1, missing second leg is silence', withDir(async (dir) => {
  const rec = await WavRecorder.open({ path: join(dir, 'd.wav'), channels: 2 });
  rec.write(frame(1000), frame(-1000));
  rec.write(frame(7));
  const r = await rec.stop();
  assert.equal(r.channels, 2);
  assert.equal(r.durationSeconds, 0.04);
  const b = readFileSync(r.path);
  assert.equal(b.readUInt16LE(22), 2);
  assert.equal(b.readInt16LE(44), 1000);
  assert.equal(b.readInt16LE(46), -1000);
  assert.equal(b.readInt16LE(44 + 640), 7);
  assert.equal(b.readInt16LE(46 + 640), 0);
}));

test('pause: skip drops the paused time, silence keeps it as zeros', withDir(async (dir) => {
  for (const pauseBehavior of ['skip', 'silence'] as const) {
    const rec = await WavRecorder.open({ path: join(dir, `${pauseBehavior}.wav`), pauseBehavior });
    rec.write(frame(500));
    rec.pause();
    assert.equal(rec.currentState, 'paused');
    rec.write(frame(500));
    rec.write(frame(500));
    rec.resume();
    rec.write(frame(600));
    const r = await rec.stop();
    const b = readFileSync(r.path);
    if (pauseBehavior === 'skip') {
      assert.equal(r.durationSeconds, 0.04);
      assert.equal(b.readInt16LE(44 + 320), 600);
    } else {
      assert.equal(r.durationSeconds, 0.08);
      assert.equal(b.readInt16LE(44 + 320), 0);
      assert.equal(b.readInt16LE(44 + 960), 600);
    }
  }
}));

test('trim-silence drops leading and trailing silence, keeps inner silence', withDir(async (dir) => {
  const rec = await WavRecorder.open({ path: join(dir, 't.wav'), trim: 'trim-silence' });
  for (let i = 0; i < 60; i++) rec.write(frame(i % 2 ? 3 : -3)); // idle line noise
  rec.write(tone());
  rec.write(frame(0));
  rec.write(tone());
  for (let i = 0; i < 80; i++) rec.write(frame(0));
  const r = await rec.stop();
  assert.ok(Math.abs(r.durationSeconds - 0.06) < 1e-9);
  assert.equal(statSync(r.path).size, 44 + 3 * 320);
  assert.equal(decodeWav(readFileSync(r.path)).samples.length, 480);

  const silent = await WavRecorder.open({ path: join(dir, 's.wav'), trim: 'trim-silence' });
  for (let i = 0; i < 10; i++) silent.write(frame(0));
  assert.equal((await silent.stop()).durationSeconds, 0);
}));

test('abort removes the temporary file; illegal transitions throw', withDir(async (dir) => {
  const rec = await WavRecorder.open({ path: join(dir, 'a.wav') });
  assert.throws(() => rec.resume(), RecorderStateError);
  rec.write(tone());
  await rec.abort();
  await rec.abort();
  assert.equal(rec.currentState, 'aborted');
  assert.deepEqual(readdirSync(dir), []);
  await assert.rejects(rec.stop(), RecorderStateError);
}));

/**
 * The MP3 encoder and the lazy renditions beside WAV recordings. Decoding uses the project's own MP3 decoder
 * (mpg123 in WebAssembly), so encoder and decoder are checked against each other, not against themselves.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MPEGDecoder } from 'mpg123-decoder';
import { Mp3Renditions, encodeMp3, encodeWavAsMp3, mp3PathFor, wavHeader } from '../../../src/media/recorder/index.js';
import { decodeMp3 } from '../../../src/media/source/index.js';
import { bestAlignment, correlationAt } from '../helpers/align.js';
import { speechLike } from '../helpers/signals.js';

/** LAME's encoder delay (576) plus mpg123's decoder delay (529), in samples; no gapless tag is written. */
const CODEC_DELAY = 1105;
/** Samples in one MPEG-2/2.5 Layer III frame. */
const FRAME = 576;

function pcmBytes(...channels: Int16Array[]): Buffer {
  const n = channels[0].length;
  const b = Buffer.alloc(n * 2 * channels.length);
  for (let i = 0; i < n; i++) channels.forEach((c, k) => b.writeInt16LE(c[i], (i * channels.length + k) * 2));
  return b;
}

function wav(...channels: Int16Array[]): Buffer {
  const data = pcmBytes(...channels);
  return Buffer.concat([wavHeader(channels.length, 8000, data.length), data]);
}

const toFloat = (x: Int16Array) => Float32Array.from(x, (v) => v / 32768);

function tone(samples: number, hz: number): Int16Array {
  return Int16Array.from({ length: samples }, (_, i) => Math.round(6000 * Math.sin((2 * Math.PI * hz * i) / 8000)));
}

test('mono PCM16 at 8 kHz becomes MPEG-2.5 Layer III, 32 kbit/s, 8 kHz mono, that decodes back to the same audio', async () => {
  const speech = speechLike(16000);
  const mp3 = await encodeMp3(pcmBytes(speech), 1, 8000);
  // Frame header (ISO/IEC 13818-3 §2.4.1.3 with the MPEG-2.5 extension): sync, version 00 = 2.5, layer 01 = III;
  // bitrate index 4 = 32 kbit/s, sampling index 2 = 8 kHz; mode 11 = single channel.
  assert.equal(mp3[0], 0xff);
  assert.equal(mp3[1] & 0xfe, 0xe2);
  assert.equal(mp3[2] >> 4, 4);
  assert.equal((mp3[2] >> 2) & 3, 2);
  assert.equal(mp3[3] >> 6, 3);
  // Constant rate: every frame is 72 × 32,000 / 8,000 = 288 bytes for 576 samples; the samples plus LAME's 576 of
  // delay, padded to whole frames (at most two more).
  assert.equal(mp3.length % 288, 0);
  const frames = mp3.length / 288;
  assert.ok(frames * FRAME >= speech.length + 576 && frames * FRAME < speech.length + 3 * FRAME, `${frames} frames`);

  const decoded = await decodeMp3(mp3);
  assert.equal(decoded.sampleRate, 8000);
  const extra = decoded.samples.length - speech.length - CODEC_DELAY;
  assert.ok(extra >= 0 && extra < FRAME, `decoded length ${decoded.samples.length}: ${extra} padding samples`);
  const { lag, correlation } = bestAlignment(toFloat(speech), decoded.samples, 0, 2 * FRAME + CODEC_DELAY);
  assert.equal(lag, CODEC_DELAY);
  assert.ok(correlation > 0.99, `correlation ${correlation}`);
});

test('two channels stay two channels: each decodes to its own signal, not a mix', async () => {
  const left = speechLike(16000, 3);
  const right = tone(16000, 700);
  const mp3 = await encodeMp3(pcmBytes(left, right), 2, 8000);
  assert.equal(mp3[2] >> 4, 8, '64 kbit/s, 32 per channel');
  assert.notEqual(mp3[3] >> 6, 3, 'not single channel');
  const decoder = new MPEGDecoder();
  await decoder.ready;
  try {
    const out = decoder.decode(mp3);
    assert.equal(out.channelData.length, 2);
    const [l, r] = out.channelData;
    assert.ok(correlationAt(toFloat(left), l, CODEC_DELAY) > 0.99, 'left');
    assert.ok(correlationAt(toFloat(right), r, CODEC_DELAY) > 0.99, 'right');
    assert.ok(Math.abs(correlationAt(toFloat(left), r, CODEC_DELAY)) < 0.2, 'right is not the left signal');
  } finally {
    decoder.free();
  }
});

test('encodeWavAsMp3 takes our WAVs and refuses what it cannot carry faithfully', async () => {
  const mp3 = await encodeWavAsMp3(wav(tone(8000, 440)));
  assert.ok(mp3.length > 0);
  const mulaw = wav(tone(800, 440));
  mulaw.writeUInt16LE(7, 20); // WAVE_FORMAT_MULAW
  await assert.rejects(encodeWavAsMp3(mulaw), RangeError);
  await assert.rejects(encodeWavAsMp3(Buffer.from('not a wav')), RangeError);
  await assert.rejects(encodeWavAsMp3(wav(tone(800, 1), tone(800, 2), tone(800, 3))), /one or two channels/);
});

function withDir(fn: (dir: string) => Promise<void>) {
  return async () => {
    const dir = mkdtempSync(join(tmpdir(), 'patchbay-mp3-'));
    try {
      await fn(dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
}

test('mp3PathFor puts the rendition beside the WAV', () => {
  assert.equal(mp3PathFor('/d/recordings/RE1.wav'), '/d/recordings/RE1.mp3');
  assert.equal(mp3PathFor('/d/recordings/RE1'), '/d/recordings/RE1.mp3');
});

test('renditions: concurrent first requests share one encode; the file is kept and reused; remove deletes it', withDir(async (dir) => {
  const wavPath = join(dir, 'RE1.wav');
  writeFileSync(wavPath, wav(tone(8000, 440)));
  let encodes = 0;
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const renditions = new Mp3Renditions({
    encode: async (w) => {
      encodes++;
      await gate;
      return encodeWavAsMp3(w);
    },
  });
  const first = [renditions.ensure(wavPath), renditions.ensure(wavPath), renditions.ensure(wavPath)];
  release();
  const paths = await Promise.all(first);
  assert.deepEqual(paths, Array(3).fill(join(dir, 'RE1.mp3')));
  assert.equal(encodes, 1);
  const bytes = readFileSync(join(dir, 'RE1.mp3'));
  assert.equal(bytes[0], 0xff);
  assert.deepEqual(readdirSync(dir).sort(), ['RE1.mp3', 'RE1.wav'], 'no temporary file left');

  // A later request, even from a fresh instance (a restart), reads the stored file.
  assert.equal(await new Mp3Renditions({ encode: async () => assert.fail('encoded again') }).ensure(wavPath), join(dir, 'RE1.mp3'));
  assert.equal(encodes, 1);

  await renditions.remove(wavPath);
  assert.equal(existsSync(join(dir, 'RE1.mp3')), false);
  assert.equal(existsSync(wavPath), true, 'the WAV is the caller\'s to delete');
}));

test('renditions: remove waits for an encode in flight, so no MP3 appears after it', withDir(async (dir) => {
  const wavPath = join(dir, 'RE2.wav');
  writeFileSync(wavPath, wav(tone(800, 440)));
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const renditions = new Mp3Renditions({ encode: async (w) => { await gate; return encodeWavAsMp3(w); } });
  const making = renditions.ensure(wavPath);
  const removing = renditions.remove(wavPath);
  release();
  await making;
  await removing;
  assert.deepEqual(readdirSync(dir), ['RE2.wav']);
}));

test('renditions: a failed encode leaves nothing behind and the next request tries again', withDir(async (dir) => {
  const wavPath = join(dir, 'RE3.wav');
  writeFileSync(wavPath, wav(tone(800, 440)));
  let fail = true;
  const renditions = new Mp3Renditions({
    encode: async (w) => {
      if (fail) throw new Error('encoder broke');
      return encodeWavAsMp3(w);
    },
  });
  await assert.rejects(renditions.ensure(wavPath), /encoder broke/);
  assert.deepEqual(readdirSync(dir), ['RE3.wav']);
  fail = false;
  assert.equal(await renditions.ensure(wavPath), join(dir, 'RE3.mp3'));
  await assert.rejects(renditions.ensure(join(dir, 'missing.wav')), { code: 'ENOENT' });
}));

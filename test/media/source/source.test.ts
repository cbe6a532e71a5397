import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  AudioDecodeError, FRAME_SAMPLES, Mp3Source, PcmSource, PolyphaseResampler, SequenceSource, SilenceSource, ToneSource,
  WavSource, beepTone, decodeToTelephonyPcm, decodeWav, ringbackTone, sniffContainer, toTelephonyPcm, type AudioSource,
} from '../../../src/media/source/index.js';
import { rms, silentMp3, soxFixture, toneAmplitude, wavBuffer } from './helpers.js';

function drain(source: AudioSource, maxFrames = 100_000): Int16Array {
  const frame = new Int16Array(FRAME_SAMPLES);
  const chunks: Int16Array[] = [];
  while (chunks.length < maxFrames && source.readFrame(frame)) chunks.push(frame.slice());
  const out = new Int16Array(chunks.length * FRAME_SAMPLES);
  chunks.forEach((c, i) => out.set(c, i * FRAME_SAMPLES));
  return out;
}

const EDGE = 400; // samples ignored at each end, where the filter sees the signal's edges

test('resampler: a 1 kHz tone at 48 kHz survives at full level', () => {
  const wav = soxFixture(['-r', '48000', '-c', '1', '-b', '16', '-e', 'signed-integer'], ['synth', '1', 'sine', '1000', 'vol', '0.5']);
  const pcm = toTelephonyPcm(decodeWav(wav));
  assert.equal(pcm.length, 8000);
  const amp = toneAmplitude(pcm, 8000, 1000, EDGE);
  assert.ok(Math.abs(amp - 16384) < 16384 * 0.02, `1 kHz amplitude ${amp}`);
});

test('resampler: a 6 kHz tone in a 48 kHz file is attenuated by at least 40 dB', () => {
  const fmt = ['-r', '48000', '-c', '1', '-b', '16', '-e', 'signed-integer'];
  const pass = rms(toTelephonyPcm(decodeWav(soxFixture(fmt, ['synth', '1', 'sine', '1000', 'vol', '0.5']))), EDGE);
  const stop = rms(toTelephonyPcm(decodeWav(soxFixture(fmt, ['synth', '1', 'sine', '6000', 'vol', '0.5']))), EDGE);
  const db = 20 * Math.log10(pass / Math.max(stop, 1e-9));
  assert.ok(db >= 40, `attenuation ${db.toFixed(1)} dB`);
});

test('resampler: 44.1 kHz and 16 kHz inputs keep a 1 kHz tone and reject 5 kHz', () => {
  for (const rate of [44100, 16000, 22050, 11025]) {
    const x = new Float32Array(rate);
    const y = new Float32Array(rate);
    for (let i = 0; i < rate; i++) {
      x[i] = 0.5 * Math.sin((2 * Math.PI * 1000 * i) / rate);
      y[i] = 0.5 * Math.sin((2 * Math.PI * Math.min(5000, rate / 2 - 200) * i) / rate);
    }
    const r = new PolyphaseResampler(rate, 8000);
    const pass = toneAmplitude(toTelephonyPcm({ sampleRate: rate, samples: x }), 8000, 1000, EDGE);
    assert.ok(Math.abs(pass - 16384) < 16384 * 0.02, `${rate}: ${pass}`);
    assert.equal(r.outputLength(rate), 8000);
    if (rate / 2 - 200 > 4000) {
      const stop = rms(toTelephonyPcm({ sampleRate: rate, samples: y }), EDGE);
      assert.ok(20 * Math.log10(pass / Math.SQRT2 / Math.max(stop, 1e-9)) >= 40, `${rate}: leak ${stop}`);
    }
  }
});

test('WAV: μ-law, A-law, stereo, 8-bit and extensible files decode; unknown chunks are skipped', () => {
  const tone = ['synth', '0.5', 'sine', '1000', 'vol', '0.5'];
  const variants: string[][] = [
    ['-r', '8000', '-c', '1', '-e', 'u-law'],
    ['-r', '8000', '-c', '1', '-e', 'a-law'],
    ['-r', '16000', '-c', '2', '-b', '16', '-e', 'signed-integer'],
    ['-r', '22050', '-c', '1', '-b', '8', '-e', 'unsigned-integer'],
    ['-r', '32000', '-c', '1', '-b', '24', '-e', 'signed-integer'],
  ];
  for (const fmt of variants) {
    const pcm = WavSource.fromBuffer(soxFixture(fmt, tone));
    const out = drain(pcm);
    assert.equal(pcm.frameCount, 25, fmt.join(' '));
    const amp = toneAmplitude(out.subarray(0, 4000), 8000, 1000, EDGE);
    assert.ok(Math.abs(amp - 16384) < 16384 * 0.05, `${fmt.join(' ')}: ${amp}`);
  }
  const data = Buffer.alloc(3200);
  for (let i = 0; i < 1600; i++) data.writeInt16LE(i % 2 ? 1000 : -1000, i * 2);
  const withList = decodeWav(wavBuffer({ data, extraChunk: true }));
  assert.equal(withList.samples.length, 1600);
  // A data chunk that claims more than the file holds (a streaming writer's header) is clamped.
  const lying = wavBuffer({ data });
  lying.writeUInt32LE(0xffffffff, lying.length - data.length - 4);
  assert.equal(decodeWav(lying).samples.length, 1600);
});

test('WAV: malformed and unsupported files fail with a typed reason', () => {
  const data = Buffer.alloc(320);
  const cases: Array<[Buffer, string]> = [
    [Buffer.from('hello world, not audio'), 'not-riff'],
    [Buffer.concat([Buffer.from('RIFF\x10\x00\x00\x00AVI ', 'latin1'), Buffer.alloc(8)]), 'not-wave'],
    [wavBuffer({ data }).subarray(0, 30), 'truncated'],
    [wavBuffer({ data, tag: 2 }), 'unsupported-encoding'],
    [wavBuffer({ data, rate: 96000 }), 'unsupported-sample-rate'],
    [wavBuffer({ data, channels: 6 }), 'unsupported-channels'],
    [wavBuffer({ data: Buffer.alloc(0) }), 'empty'],
    [Buffer.from('RIFF\x04\x00\x00\x00WAVE', 'latin1'), 'missing-fmt'],
  ];
  for (const [buf, reason] of cases) {
    assert.throws(() => decodeWav(buf), (e: unknown) => e instanceof AudioDecodeError && e.reason === reason, reason);
  }
});

test('MP3: frames decode through mpg123 and resample to 8 kHz; garbage is a typed error', async () => {
  const src = await Mp3Source.fromBuffer(silentMp3(20));
  // 20 frames × 1152 samples at 48 kHz = 0.48 s = 3840 samples at 8 kHz.
  assert.equal(src.frameCount, 24);
  assert.equal(rms(drain(src)), 0);
  assert.equal(sniffContainer(silentMp3(1)), 'mp3');
  await assert.rejects(decodeToTelephonyPcm(Buffer.alloc(4000, 7), 'mp3'), (e: unknown) => e instanceof AudioDecodeError && e.reason === 'mp3-decode-failed');
});

test('raw μ-law and container sniffing', async () => {
  const pcm = await decodeToTelephonyPcm(Buffer.from([0xff, 0x7f, 0x00, 0x80]), 'ulaw');
  assert.deepEqual(Array.from(pcm), [0, 0, -32124, 32124]);
  assert.equal(sniffContainer(wavBuffer({ data: Buffer.alloc(2) })), 'wav');
  assert.equal(sniffContainer(Buffer.from('ID3\x04')), 'mp3');
  assert.equal(sniffContainer(Buffer.from('<Response/>')), null);
});

test('PCM source pads the last frame and rewinds', () => {
  const src = new PcmSource(Int16Array.from({ length: 200 }, (_, i) => i + 1));
  const f = new Int16Array(FRAME_SAMPLES);
  assert.ok(src.readFrame(f));
  assert.equal(f[159], 160);
  assert.ok(src.readFrame(f));
  assert.equal(f[39], 200);
  assert.equal(f[40], 0);
  assert.equal(src.readFrame(f), false);
  src.rewind();
  assert.ok(src.readFrame(f) && f[0] === 1);
});

test('tones: US ringback 440+480 Hz 2 s on / 4 s off, UK double ring, beep 1 kHz', () => {
  const us = drain(ringbackTone('US'), 300); // 6 s = one cadence
  assert.ok(toneAmplitude(us.subarray(0, 16000), 8000, 440) > 3000);
  assert.ok(toneAmplitude(us.subarray(0, 16000), 8000, 480) > 3000);
  assert.equal(rms(us.subarray(16000, 48000)), 0);
  assert.equal(ringbackTone('US').frameCount, null);
  const uk = drain(ringbackTone('GB'), 150); // 3 s = one cadence
  assert.ok(rms(uk.subarray(0, 3200)) > 1000); // 0.4 s on
  assert.equal(rms(uk.subarray(3200, 4800)), 0); // 0.2 s off
  assert.ok(rms(uk.subarray(4800, 8000)) > 1000); // 0.4 s on
  assert.equal(rms(uk.subarray(8000, 24000)), 0); // 2 s off
  assert.ok(toneAmplitude(uk.subarray(0, 3200), 8000, 400) > 2000);
  const beep = drain(beepTone());
  assert.equal(beep.length, 13 * FRAME_SAMPLES); // 250 ms rounded up to whole frames
  assert.ok(toneAmplitude(beep, 8000, 1000) > 9000);
  assert.throws(() => new ToneSource({ frequencies: [5000] }), RangeError);
});

test('silence, sequence and loop', () => {
  assert.equal(drain(new SilenceSource(1000)).length, 8000);
  assert.equal(new SilenceSource(30).frameCount, 2);
  const seq = new SequenceSource([new SilenceSource(40), beepTone(60)], { loop: 3 });
  assert.equal(seq.frameCount, 15);
  const out = drain(seq);
  assert.equal(out.length, 15 * FRAME_SAMPLES);
  assert.equal(rms(out.subarray(0, 320)), 0);
  assert.ok(rms(out.subarray(320, 800)) > 0);
  assert.equal(rms(out.subarray(800, 1120)), 0); // the second iteration starts with silence again
  const endless = new SequenceSource([new SilenceSource(20)], { loop: 0 });
  assert.equal(endless.frameCount, null);
  assert.equal(drain(endless, 50).length, 50 * FRAME_SAMPLES);
  assert.equal(drain(new SequenceSource([new SilenceSource(0)], { loop: 0 })).length, 0);
});

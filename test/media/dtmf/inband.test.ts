import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DtmfDetector, DtmfToneGenerator, dtmfFrequencies } from '../../../src/media/dtmf/index.js';
import { mulawDecode, mulawEncode } from '../../../src/media/codec/index.js';
import { addNoise, speechLike, tones } from '../helpers/signals.js';

function detect(pcm: Int16Array, chunk = 160): { digits: string; durations: number[] } {
  let digits = '';
  const durations: number[] = [];
  const d = new DtmfDetector({ onDigit: (digit) => { digits += digit; }, onDigitEnd: (_, ms) => durations.push(ms) });
  for (let o = 0; o < pcm.length; o += chunk) d.process(pcm, Math.min(chunk, pcm.length - o), o);
  // Flush with silence so a trailing digit ends.
  d.process(new Int16Array(800));
  return { digits, durations };
}

function generate(digits: string, opts: ConstructorParameters<typeof DtmfToneGenerator>[1] = {}): Int16Array {
  const gen = new DtmfToneGenerator(digits, opts);
  const out = new Int16Array(gen.totalSamples);
  const frame = new Int16Array(160);
  let o = 0;
  for (let n = gen.fill(frame); n > 0; n = gen.fill(frame)) {
    out.set(frame.subarray(0, n), o);
    o += n;
  }
  assert.equal(o, gen.totalSamples);
  assert.equal(gen.done, true);
  return out;
}

test('generator: frequencies per Q.23, tone then gap, w pauses', () => {
  assert.deepEqual(dtmfFrequencies('5'), [770, 1336]);
  assert.deepEqual(dtmfFrequencies('d'), [941, 1633]);
  const g = new DtmfToneGenerator('1w2', { toneMs: 50, gapMs: 50 });
  assert.equal(g.totalSamples, 400 + 400 + 4000 + 400 + 400);
  const pcm = generate('1', { toneMs: 50, gapMs: 50 });
  assert.ok(pcm.subarray(0, 400).some((v) => Math.abs(v) > 5000));
  assert.ok(pcm.subarray(400).every((v) => v === 0));
  assert.throws(() => new DtmfToneGenerator('1z'), RangeError);
});

test('every digit generated clean is detected exactly, with its duration', () => {
  const all = '0123456789*#ABCD';
  const r = detect(generate(all, { toneMs: 100, gapMs: 60 }));
  assert.equal(r.digits, all);
  for (const ms of r.durations) assert.ok(ms >= 80 && ms <= 140, `duration ${ms}`);
});

test('digits are detected through noise, G.711 round trip, and chunking that does not align with the window', () => {
  const digits = '5551234#';
  const pcm = generate(digits, { toneMs: 70, gapMs: 50, amplitude: 4000 });
  addNoise(pcm, 1500, 3);
  const codes = new Uint8Array(pcm.length);
  mulawEncode(pcm, codes);
  const back = new Int16Array(pcm.length);
  mulawDecode(codes, back);
  assert.equal(detect(back, 37).digits, digits);
});

test('the same key pressed twice is two digits; a held key is one', () => {
  assert.equal(detect(generate('77', { toneMs: 60, gapMs: 45 })).digits, '77');
  assert.equal(detect(generate('7', { toneMs: 2000, gapMs: 0 })).digits, '7');
});

test('twist: a weak column tone within 8 dB is accepted, beyond is rejected', () => {
  const make = (colAmp: number): Int16Array => {
    const [r, c] = [770, 1336];
    const row = tones(800, [r], 6000);
    const col = tones(800, [c], colAmp);
    return Int16Array.from(row, (v, i) => v + col[i]);
  };
  assert.equal(detect(make(6000 / 10 ** (6 / 20))).digits, '5'); // 6 dB normal twist
  assert.equal(detect(make(6000 / 10 ** (12 / 20))).digits, ''); // 12 dB
});

test('too short a tone (25 ms) and too quiet tones are not digits', () => {
  assert.equal(detect(generate('1', { toneMs: 25, gapMs: 100 })).digits, '');
  assert.equal(detect(generate('1', { toneMs: 100, gapMs: 100, amplitude: 150 })).digits, '');
});

test('silence, noise, speech-like signals and call-progress tones are not detected as digits', () => {
  assert.equal(detect(new Int16Array(16000)).digits, '');
  assert.equal(detect(addNoise(new Int16Array(16000), 8000, 11)).digits, '');
  for (let seed = 1; seed <= 5; seed++) assert.equal(detect(speechLike(40000, seed)).digits, '', `speech seed ${seed}`);
  assert.equal(detect(tones(16000, [350, 440], 5000)).digits, '', 'dial tone');
  assert.equal(detect(tones(16000, [440, 480], 5000)).digits, '', 'ringback');
  assert.equal(detect(tones(16000, [1000], 10000)).digits, '', '1 kHz test tone');
  // A DTMF pair plus a strong third tone (music-like) carries too little of the energy in the pair.
  assert.equal(detect(tones(8000, [697, 1209, 400], 5000)).digits, '');
});

test('a digit inside speech is still found', () => {
  const speech = speechLike(24000, 3);
  const digit = generate('9', { toneMs: 120, gapMs: 0, amplitude: 8000 });
  for (let i = 0; i < digit.length; i++) speech[8000 + i] = digit[i];
  for (let i = 8000; i < 8000 + digit.length; i++) speech[i] = digit[i - 8000];
  assert.equal(detect(speech).digits, '9');
});

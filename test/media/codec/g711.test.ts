import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import fc from 'fast-check';
import {
  MULAW_ENCODE_TABLE, MULAW_DECODE_TABLE, ALAW_ENCODE_TABLE, ALAW_DECODE_TABLE, MULAW_TO_ALAW, ALAW_TO_MULAW,
  mulawEncode, mulawDecode, alawEncode, alawDecode, transcode, G711Codec, mulawEncodeSample, alawEncodeSample,
} from '../../../src/media/codec/index.js';
import { sharedTestdata, readInt16LE } from '../helpers/testdata.js';

const stl = join(sharedTestdata, 'g711-stl');
const src = readInt16LE(join(stl, 'sweep.src'));

function firstMismatch(actual: ArrayLike<number>, expected: ArrayLike<number>): string | undefined {
  assert.equal(actual.length, expected.length);
  for (let i = 0; i < expected.length; i++) {
    if (actual[i] !== expected[i]) return `word ${i} (input ${src[i]}): got ${actual[i]}, want ${expected[i]}`;
  }
  return undefined;
}

test('sweep.src covers every 16-bit value in order', () => {
  assert.equal(src.length, 65536);
  for (let i = 0; i < 65536; i++) assert.equal(src[i], i - 32768);
});

for (const [law, encode, decode, encTable, decTable, codeFile, roundFile, decFile] of [
  ['mu-law', mulawEncode, mulawDecode, MULAW_ENCODE_TABLE, MULAW_DECODE_TABLE, 'sweep-r.u', 'sweep-r.u-u', 'sweep-r.reu'],
  ['A-law', alawEncode, alawDecode, ALAW_ENCODE_TABLE, ALAW_DECODE_TABLE, 'sweep-r.a', 'sweep-r.a-a', 'sweep-r.rea'],
] as const) {
  test(`${law}: encode is bit-exact against G.191 ${codeFile} (every word, code in the low byte)`, () => {
    const want = readInt16LE(join(stl, codeFile));
    const codes = new Uint8Array(65536);
    assert.equal(encode(src, codes), 65536);
    // The whole word must equal the code: low byte = code, high byte = 0.
    assert.equal(firstMismatch(codes, Array.from(want, (w) => w & 0xffff)), undefined);
    for (let i = 0; i < 65536; i++) assert.equal(encTable[src[i] & 0xffff], codes[i]);
  });

  test(`${law}: linear -> law -> linear is bit-exact against ${roundFile}`, () => {
    const want = readInt16LE(join(stl, roundFile));
    const codes = new Uint8Array(65536);
    const back = new Int16Array(65536);
    encode(src, codes);
    decode(codes, back);
    assert.equal(firstMismatch(back, want), undefined);
  });

  test(`${law}: decoding the reference codes is bit-exact against ${decFile}`, () => {
    const codesWords = readInt16LE(join(stl, codeFile));
    const want = readInt16LE(join(stl, decFile));
    const codes = Uint8Array.from(codesWords, (w) => w & 0xff);
    const out = new Int16Array(65536);
    decode(codes, out);
    assert.equal(firstMismatch(out, want), undefined);
    for (let c = 0; c < 256; c++) assert.equal(encTable[decTable[c] & 0xffff], c === 0x7f && law === 'mu-law' ? 0xff : c,
      `re-encoding decoded code ${c}`);
  });
}

test('encode/decode honour counts and offsets and write only into the caller buffers', () => {
  const pcm = Int16Array.of(0, 1000, -1000, 32767, -32768);
  const out = new Uint8Array(8).fill(0xaa);
  assert.equal(mulawEncode(pcm, out, 3, 1, 2), 3);
  assert.deepEqual([...out], [0xaa, 0xaa, mulawEncodeSample(1000), mulawEncodeSample(-1000), mulawEncodeSample(32767), 0xaa, 0xaa, 0xaa]);
  const back = new Int16Array(4);
  assert.equal(alawDecode(Uint8Array.of(alawEncodeSample(-5000)), back, 1, 0, 3), 1);
  assert.deepEqual([...back.subarray(0, 3)], [0, 0, 0]);
  assert.ok(Math.abs(back[3] - -5000) < 200);
});

test('PCMU <-> PCMA tables equal the tandem decode/encode, and transcode works in place', () => {
  for (let c = 0; c < 256; c++) {
    assert.equal(MULAW_TO_ALAW[c], ALAW_ENCODE_TABLE[MULAW_DECODE_TABLE[c] & 0xffff]);
    assert.equal(ALAW_TO_MULAW[c], MULAW_ENCODE_TABLE[ALAW_DECODE_TABLE[c] & 0xffff]);
  }
  // μ-law silence (0) maps to A-law's smallest positive step; A-law's +8 is μ-law's +8 (0xfe), not its 0.
  assert.equal(MULAW_TO_ALAW[0xff], 0xd5);
  assert.equal(ALAW_TO_MULAW[0xd5], 0xfe);
  fc.assert(fc.property(fc.uint8Array({ minLength: 1, maxLength: 320 }), (bytes) => {
    const copy = Uint8Array.from(bytes);
    transcode(MULAW_TO_ALAW, copy, copy);
    for (let i = 0; i < bytes.length; i++) {
      if (copy[i] !== MULAW_TO_ALAW[bytes[i]]) return false;
      // The transcoded sample stays within one A-law step of the original linear value.
      const before = MULAW_DECODE_TABLE[bytes[i]];
      const after = ALAW_DECODE_TABLE[copy[i]];
      const step = Math.max(16, Math.abs(before) >> 4);
      if (Math.abs(before - after) > step) return false;
    }
    return true;
  }));
});

test('G711Codec descriptors', () => {
  assert.equal(G711Codec.byName('pcmu'), G711Codec.PCMU);
  assert.equal(G711Codec.byPayloadType(8), G711Codec.PCMA);
  assert.equal(G711Codec.byPayloadType(18), undefined);
  assert.equal(G711Codec.PCMU.transcodeTableTo(G711Codec.PCMU), undefined);
  assert.equal(G711Codec.PCMU.transcodeTableTo(G711Codec.PCMA), MULAW_TO_ALAW);
  assert.equal(G711Codec.PCMA.transcodeTableTo(G711Codec.PCMU), ALAW_TO_MULAW);
  assert.equal(G711Codec.PCMU.silenceCode, mulawEncodeSample(0));
  assert.equal(G711Codec.PCMA.silenceCode, alawEncodeSample(0));
});

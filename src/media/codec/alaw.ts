/**
 * ITU-T G.711 A-law (PCMA, RTP payload type 8 — RFC 3551 §4.5.14).
 *
 * The arithmetic follows the ITU-T G.191 Software Tool Library (STL) reference on 16-bit left-justified samples:
 *  - encode: the sample is reduced to a 12-bit magnitude by an arithmetic right shift of 4, negative samples through
 *    the one's complement (`~x >> 4`); magnitudes below 16 are segment 0, otherwise the segment is found by halving
 *    until the value fits 16..31; sign bit 1 for positive samples; even bits are inverted (XOR 0x55, G.711 §A);
 *  - decode: the inverse, reconstructing at the middle of the step, left-justified to 16 bits (range ±32256).
 *
 * Both directions are precomputed into typed arrays (65,536-entry encode, 256-entry decode).
 */

/** The A-law code of every 16-bit linear sample, indexed by `sample & 0xffff`. */
export const ALAW_ENCODE_TABLE: Uint8Array = new Uint8Array(65536);
/** The 16-bit linear value of every A-law code. */
export const ALAW_DECODE_TABLE: Int16Array = new Int16Array(256);

function computeAlawCode(sample: number): number {
  let magnitude = sample < 0 ? ~sample >> 4 : sample >> 4;
  if (magnitude > 15) {
    let segment = 1;
    while (magnitude > 16 + 15) {
      magnitude >>= 1;
      segment++;
    }
    magnitude = magnitude - 16 + (segment << 4);
  }
  if (sample >= 0) magnitude |= 0x80;
  return magnitude ^ 0x55;
}

function computeAlawLinear(code: number): number {
  const bits = (code ^ 0x55) & 0x7f;
  const segment = bits >> 4;
  let mantissa = bits & 0x0f;
  if (segment > 0) mantissa += 16; // the implicit leading one of segments 1..7
  mantissa = (mantissa << 4) + 8; // middle of the step, 16-bit scale
  if (segment > 1) mantissa <<= segment - 1;
  return code > 127 ? mantissa : -mantissa;
}

for (let i = 0; i < 65536; i++) ALAW_ENCODE_TABLE[i] = computeAlawCode((i << 16) >> 16);
for (let c = 0; c < 256; c++) ALAW_DECODE_TABLE[c] = computeAlawLinear(c);

/** A-law code of one 16-bit linear sample. */
export function alawEncodeSample(sample: number): number {
  return ALAW_ENCODE_TABLE[sample & 0xffff];
}

/** 16-bit linear value of one A-law code. */
export function alawDecodeSample(code: number): number {
  return ALAW_DECODE_TABLE[code & 0xff];
}

/** Encode `count` samples into `out`; returns the bytes written. No allocation. */
export function alawEncode(pcm: Int16Array, out: Uint8Array, count = pcm.length, pcmOffset = 0, outOffset = 0): number {
  const table = ALAW_ENCODE_TABLE;
  for (let i = 0; i < count; i++) out[outOffset + i] = table[pcm[pcmOffset + i] & 0xffff];
  return count;
}

/** Decode `count` A-law bytes into `out`; returns the samples written. No allocation. */
export function alawDecode(codes: Uint8Array, out: Int16Array, count = codes.length, codesOffset = 0, outOffset = 0): number {
  const table = ALAW_DECODE_TABLE;
  for (let i = 0; i < count; i++) out[outOffset + i] = table[codes[codesOffset + i]];
  return count;
}

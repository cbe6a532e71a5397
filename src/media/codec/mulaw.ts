/**
 * ITU-T G.711 μ-law (PCMU, RTP payload type 0 — RFC 3551 §4.5.14).
 *
 * The arithmetic follows the ITU-T G.191 Software Tool Library (STL) reference, which works on 16-bit
 * left-justified linear samples:
 *  - encode: the sample is reduced to 14 bits by an arithmetic right shift of 2; negative samples use the one's
 *    complement (`~x >> 2`) so that -1 and 0 land in the same smallest step, then a bias of 33 is added, the
 *    magnitude is clipped to 0x1FFF, the segment (exponent) and 4-bit step (mantissa) are found and the code is
 *    inverted (G.711 Table 2a transmits the complement), sign bit 1 for positive samples;
 *  - decode: the inverse, giving 14-bit values left-justified back to 16 bits (range ±32124).
 *
 * Both directions are precomputed once into typed arrays: a 65,536-entry `Uint8Array` indexed by the 16-bit two's
 * complement pattern of the sample, and a 256-entry `Int16Array` indexed by the code. Encoding or decoding a frame is
 * then one table lookup per sample into a caller-supplied buffer, with no allocation.
 */

/** The μ-law code of every 16-bit linear sample, indexed by `sample & 0xffff`. */
export const MULAW_ENCODE_TABLE: Uint8Array = new Uint8Array(65536);
/** The 16-bit linear value of every μ-law code. */
export const MULAW_DECODE_TABLE: Int16Array = new Int16Array(256);

function computeMulawCode(sample: number): number {
  // G.191 STL: magnitude in 14-bit resolution plus the bias of 33 (0x21).
  let magnitude = (sample < 0 ? ~sample >> 2 : sample >> 2) + 33;
  if (magnitude > 0x1fff) magnitude = 0x1fff;
  // Segment number 1..8: position of the highest set bit above bit 5.
  let segment = 1;
  for (let rest = magnitude >> 6; rest !== 0; rest >>= 1) segment++;
  const highNibble = 0x08 - segment;
  const lowNibble = 0x0f - ((magnitude >> segment) & 0x0f);
  let code = (highNibble << 4) | lowNibble;
  if (sample >= 0) code |= 0x80;
  return code;
}

function computeMulawLinear(code: number): number {
  // Undo the transmission inversion: sign in bit 7 (1 = negative after inversion), segment in bits 4-6.
  const inverted = ~code & 0xff;
  const negative = (inverted & 0x80) !== 0;
  const segment = (inverted >> 4) & 0x07;
  const step = inverted & 0x0f;
  // Reconstruction at the middle of the step, in 14-bit units: ((2*step + 33) << segment) - 33, then << 2.
  const magnitude14 = (((step << 1) + 33) << segment) - 33;
  const value = magnitude14 << 2;
  return negative ? -value : value;
}

for (let i = 0; i < 65536; i++) MULAW_ENCODE_TABLE[i] = computeMulawCode((i << 16) >> 16);
for (let c = 0; c < 256; c++) MULAW_DECODE_TABLE[c] = computeMulawLinear(c);

/** μ-law code of one 16-bit linear sample. */
export function mulawEncodeSample(sample: number): number {
  return MULAW_ENCODE_TABLE[sample & 0xffff];
}

/** 16-bit linear value of one μ-law code. */
export function mulawDecodeSample(code: number): number {
  return MULAW_DECODE_TABLE[code & 0xff];
}

/**
 * Encode `count` samples of `pcm` (from `pcmOffset`) into `out` (from `outOffset`). Returns the number of bytes written.
 * No allocation.
 */
export function mulawEncode(pcm: Int16Array, out: Uint8Array, count = pcm.length, pcmOffset = 0, outOffset = 0): number {
  const table = MULAW_ENCODE_TABLE;
  for (let i = 0; i < count; i++) out[outOffset + i] = table[pcm[pcmOffset + i] & 0xffff];
  return count;
}

/**
 * Decode `count` μ-law bytes of `codes` (from `codesOffset`) into `out` (from `outOffset`). Returns the number of
 * samples written. No allocation.
 */
export function mulawDecode(codes: Uint8Array, out: Int16Array, count = codes.length, codesOffset = 0, outOffset = 0): number {
  const table = MULAW_DECODE_TABLE;
  for (let i = 0; i < count; i++) out[outOffset + i] = table[codes[codesOffset + i]];
  return count;
}

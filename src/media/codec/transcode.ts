/**
 * Direct PCMU ↔ PCMA transcoding (one 256-entry lookup per byte, no trip through a linear buffer).
 *
 * Each entry is the code of the other law whose G.191 encoder maps the decoded linear value of the source code, i.e.
 * `alaw(mulawDecode(u))`. This is the tandem path an ITU-T G.711 transcoder takes; a μ → A → μ round trip is therefore
 * not always the identity (the two laws quantize differently), which the tests pin down.
 */
import { MULAW_DECODE_TABLE, MULAW_ENCODE_TABLE } from './mulaw.js';
import { ALAW_DECODE_TABLE, ALAW_ENCODE_TABLE } from './alaw.js';

/** A-law code for each μ-law code. */
export const MULAW_TO_ALAW: Uint8Array = new Uint8Array(256);
/** μ-law code for each A-law code. */
export const ALAW_TO_MULAW: Uint8Array = new Uint8Array(256);

for (let c = 0; c < 256; c++) {
  MULAW_TO_ALAW[c] = ALAW_ENCODE_TABLE[MULAW_DECODE_TABLE[c] & 0xffff];
  ALAW_TO_MULAW[c] = MULAW_ENCODE_TABLE[ALAW_DECODE_TABLE[c] & 0xffff];
}

/**
 * Map `count` bytes of `input` (from `inOffset`) through a 256-entry table into `out` (from `outOffset`).
 * `input` and `out` may be the same buffer (transcoding in place). Returns the bytes written.
 */
export function transcode(
  table: Uint8Array, input: Uint8Array, out: Uint8Array, count = input.length, inOffset = 0, outOffset = 0,
): number {
  for (let i = 0; i < count; i++) out[outOffset + i] = table[input[inOffset + i]];
  return count;
}

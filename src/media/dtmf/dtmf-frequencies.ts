/**
 * DTMF frequency pairs, ITU-T Q.23: rows (low group) 697, 770, 852, 941 Hz; columns (high group) 1209, 1336, 1477,
 * 1633 Hz.
 *
 *            1209  1336  1477  1633
 *      697     1     2     3     A
 *      770     4     5     6     B
 *      852     7     8     9     C
 *      941     *     0     #     D
 */
export const DTMF_ROW_FREQUENCIES: readonly number[] = [697, 770, 852, 941];
export const DTMF_COLUMN_FREQUENCIES: readonly number[] = [1209, 1336, 1477, 1633];
export const DTMF_KEYPAD: readonly string[] = ['123A', '456B', '789C', '*0#D'];

/** [row frequency, column frequency] of a digit, or undefined. */
export function dtmfFrequencies(digit: string): [number, number] | undefined {
  const d = digit.toUpperCase();
  for (let r = 0; r < 4; r++) {
    const c = DTMF_KEYPAD[r].indexOf(d);
    if (d.length === 1 && c >= 0) return [DTMF_ROW_FREQUENCIES[r], DTMF_COLUMN_FREQUENCIES[c]];
  }
  return undefined;
}

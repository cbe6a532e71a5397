/**
 * The Goertzel algorithm: the power of one frequency in a block of samples, cheaper than an FFT when only a few
 * frequencies matter (in-band DTMF, fax and answering-machine tones).
 *
 *   s[n] = x[n] + c·s[n-1] − s[n-2],  c = 2·cos(2πf/fs)
 *   |X(f)|² = s[N-1]² + s[N-2]² − c·s[N-1]·s[N-2]
 *
 * A sinusoid of amplitude A at f gives |X(f)|² ≈ (A·N/2)², while the block's energy Σx² ≈ A²·N/2; so
 * |X(f)|² / (N/2 · Σx²) is the share of the block's energy at f, 1 for a pure tone on the bin.
 */

/** The recurrence coefficient `2·cos(2πf/fs)` of frequency `f`; compute once per frequency. */
export function goertzelCoefficient(frequency: number, sampleRate: number): number {
  return 2 * Math.cos((2 * Math.PI * frequency) / sampleRate);
}

/** |X(f)|² over `x[start .. start+count)`, for the frequency whose coefficient is `coefficient`. No allocation. */
export function goertzelPower(x: Float64Array, start: number, count: number, coefficient: number): number {
  let s1 = 0;
  let s2 = 0;
  const end = start + count;
  for (let n = start; n < end; n++) {
    const s0 = x[n] + coefficient * s1 - s2;
    s2 = s1;
    s1 = s0;
  }
  return s1 * s1 + s2 * s2 - coefficient * s1 * s2;
}

/** |X(f)|² of a pure tone of peak amplitude `amplitude` over `count` samples, on its bin: (A·N/2)². */
export function tonePower(amplitude: number, count: number): number {
  const half = (amplitude * count) / 2;
  return half * half;
}

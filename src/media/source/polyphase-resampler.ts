/**
 * Rational-ratio sample-rate conversion with a windowed-sinc (Kaiser) low-pass, evaluated in polyphase form.
 *
 * Conversion by L/M (L = to/g, M = from/g, g = gcd) is: upsample by L (zero stuffing), low-pass at the lower
 * Nyquist frequency, keep every M-th sample. Evaluating the filter only where the upsampled signal is non-zero
 * and only at kept outputs is the polyphase decomposition (Crochiere & Rabiner, "Multirate Digital Signal
 * Processing", 1983, ch. 3), so the cost per output sample is taps / L.
 *
 * The filter targets telephony: for 8 kHz output the -6 dB cutoff sits at 3.7 kHz, the passband reaches 3.4 kHz
 * (the edge of the G.712 voice channel), and the stopband starts at 4 kHz with about 70 dB of attenuation, so
 * content above 4 kHz in a 44.1/48 kHz file does not fold back into the voice band. Design by the Kaiser window
 * method (Kaiser, 1974; Oppenheim & Schafer, "Discrete-Time Signal Processing", §7.5.3).
 */

const STOPBAND_DB = 70;

/** Zeroth-order modified Bessel function of the first kind, by its power series (converges fast for x < 20). */
function besselI0(x: number): number {
  let sum = 1;
  let term = 1;
  const q = (x * x) / 4;
  for (let k = 1; k < 50; k++) {
    term *= q / (k * k);
    sum += term;
    if (term < sum * 1e-12) break;
  }
  return sum;
}

function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return a;
}

export class PolyphaseResampler {
  readonly fromRate: number;
  readonly toRate: number;
  /** Upsampling factor. */
  private readonly up: number;
  /** Decimation factor. */
  private readonly down: number;
  /** Prototype low-pass at rate fromRate·up, scaled so each polyphase branch has unit DC gain. */
  private readonly taps: Float32Array;
  private readonly center: number;

  constructor(fromRate: number, toRate: number) {
    if (!Number.isInteger(fromRate) || !Number.isInteger(toRate) || fromRate <= 0 || toRate <= 0) {
      throw new RangeError(`bad sample rates ${fromRate} → ${toRate}`);
    }
    const g = gcd(fromRate, toRate);
    this.fromRate = fromRate;
    this.toRate = toRate;
    this.up = toRate / g;
    this.down = fromRate / g;
    if (this.up > 1000) throw new RangeError(`ratio ${toRate}/${fromRate} too fine for a polyphase filter`);

    const fsUp = fromRate * this.up;
    const nyquist = Math.min(fromRate, toRate) / 2;
    // Edges relative to the lower Nyquist: passband to 85 % (3.4 kHz at 8 kHz), stopband from 100 %.
    const passEdge = nyquist * 0.85;
    const stopEdge = nyquist;
    const cutoff = (passEdge + stopEdge) / 2;
    const transition = (2 * Math.PI * (stopEdge - passEdge)) / fsUp;
    // Kaiser's formulas for the window length and shape (Oppenheim & Schafer eq. 7.62–7.63).
    const order = Math.ceil((STOPBAND_DB - 8) / (2.285 * transition));
    const half = Math.ceil(order / 2);
    const beta = 0.1102 * (STOPBAND_DB - 8.7);
    const n = 2 * half + 1;
    const taps = new Float32Array(n);
    const i0beta = besselI0(beta);
    const fc = cutoff / fsUp; // normalized to the upsampled rate
    let sum = 0;
    for (let k = 0; k < n; k++) {
      const t = k - half;
      const sinc = t === 0 ? 2 * fc : Math.sin(2 * Math.PI * fc * t) / (Math.PI * t);
      const r = t / half;
      const w = besselI0(beta * Math.sqrt(Math.max(0, 1 - r * r))) / i0beta;
      taps[k] = sinc * w;
      sum += taps[k];
    }
    // Zero stuffing divides the signal's level by `up`; restore it so DC passes at unit gain.
    const scale = this.up / sum;
    for (let k = 0; k < n; k++) taps[k] *= scale;
    this.taps = taps;
    this.center = half;
  }

  /** Number of output samples for `inputLength` input samples. */
  outputLength(inputLength: number): number {
    return Math.floor((inputLength * this.up) / this.down);
  }

  /** Convert a whole signal (samples in [-1, 1)); the filter's delay is compensated, edges see zeros. */
  process(input: Float32Array): Float32Array {
    const outLen = this.outputLength(input.length);
    const out = new Float32Array(outLen);
    if (this.up === 1 && this.down === 1) {
      out.set(input);
      return out;
    }
    const { taps, up, down, center } = this;
    const last = taps.length - 1;
    for (let o = 0; o < outLen; o++) {
      // Output o sits at upsampled index o·down; tap index for input i is t − i·up with t = o·down + center.
      const t = o * down + center;
      let i = Math.floor(t / up);
      let k = t - i * up;
      if (i >= input.length) {
        const skip = i - (input.length - 1);
        i -= skip;
        k += skip * up;
      }
      let acc = 0;
      for (; k <= last && i >= 0; k += up, i--) acc += taps[k] * input[i];
      out[o] = acc;
    }
    return out;
  }
}

/** Convert float samples in [-1, 1) to 16-bit PCM with rounding and clipping. */
export function floatToPcm16(input: Float32Array): Int16Array {
  const out = new Int16Array(input.length);
  for (let i = 0; i < input.length; i++) {
    const v = Math.round(input[i] * 32768);
    out[i] = v > 32767 ? 32767 : v < -32768 ? -32768 : v;
  }
  return out;
}

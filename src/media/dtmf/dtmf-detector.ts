/**
 * In-band DTMF detection on 8 kHz linear PCM with the Goertzel algorithm, for peers that did not negotiate
 * telephone-event (RFC 4733 is preferred whenever it was).
 *
 * Analysis: windows of N = 205 samples (the classic choice: 39 Hz bins, all eight Q.23 frequencies well separated),
 * advanced by half a window. For each window the Goertzel algorithm (`../dsp/goertzel.ts`) gives the power at the
 * eight frequencies.
 *
 * A window holds a digit when (thresholds after ITU-T Q.24 practice):
 *  - both the strongest row and the strongest column tone are above `minToneAmplitude`;
 *  - twist: the column tone is at most 8 dB below the row tone (normal twist) and at most 4 dB above (reverse twist);
 *  - each winner is at least 6 dB above the other tones of its group;
 *  - the two tones carry at least 75 % of the window's energy (speech and noise spread theirs).
 * A digit is reported once it holds for two consecutive windows (≥ ~40 ms of tone) and is re-armed after a window
 * without it (the inter-digit gap), so a held key is one digit and a repeated key is two.
 */
import { goertzelCoefficient, goertzelPower, tonePower } from '../dsp/index.js';
import { DTMF_COLUMN_FREQUENCIES, DTMF_KEYPAD, DTMF_ROW_FREQUENCIES } from './dtmf-frequencies.js';

export interface DtmfDetectorDelegate {
  /** A digit was recognised (`atSample` counts from the first sample fed to the detector). */
  onDigit(digit: string, atSample: number): void;
  /** The digit's tone ended; `durationMs` is measured in whole analysis hops. */
  onDigitEnd?(digit: string, durationMs: number): void;
}

export interface DtmfDetectorOptions {
  sampleRate?: number;
  /** Minimum amplitude of each tone (peak, 16-bit scale). Default 400 ≈ -35 dBm0. */
  minToneAmplitude?: number;
  /** Max dB the column tone may be below the row tone. Default 8. */
  normalTwistDb?: number;
  /** Max dB the column tone may be above the row tone. Default 4. */
  reverseTwistDb?: number;
}

const WINDOW = 205;
const HOP = 102;

export class DtmfDetector {
  private readonly coeffs = new Float64Array(8);
  private readonly window = new Float64Array(WINDOW);
  private readonly powers = new Float64Array(8);
  private readonly sampleRate: number;
  private readonly minTonePower: number;
  private readonly normalTwist: number;
  private readonly reverseTwist: number;
  private fill = 0;
  private consumed = 0;
  private candidate = -1;
  private candidateCount = 0;
  private reported = -1;
  private reportedWindows = 0;

  constructor(private readonly delegate: DtmfDetectorDelegate, options: DtmfDetectorOptions = {}) {
    this.sampleRate = options.sampleRate ?? 8000;
    const freqs = [...DTMF_ROW_FREQUENCIES, ...DTMF_COLUMN_FREQUENCIES];
    for (let i = 0; i < 8; i++) this.coeffs[i] = goertzelCoefficient(freqs[i], this.sampleRate);
    this.minTonePower = tonePower(options.minToneAmplitude ?? 400, WINDOW);
    this.normalTwist = 10 ** ((options.normalTwistDb ?? 8) / 10);
    this.reverseTwist = 10 ** ((options.reverseTwistDb ?? 4) / 10);
  }

  /** Feed `count` samples from `pcm[offset]`. No allocation. */
  process(pcm: Int16Array, count = pcm.length, offset = 0): void {
    for (let i = 0; i < count; i++) {
      this.window[this.fill++] = pcm[offset + i];
      if (this.fill === WINDOW) {
        this.analyse();
        // Slide by HOP: keep the newest WINDOW - HOP samples.
        this.window.copyWithin(0, HOP, WINDOW);
        this.fill = WINDOW - HOP;
        this.consumed += HOP;
      }
    }
  }

  /** Forget any partial window and digit state. */
  reset(): void {
    this.fill = 0;
    this.candidate = -1;
    this.candidateCount = 0;
    this.endDigit();
  }

  private analyse(): void {
    const x = this.window;
    let energy = 0;
    for (let n = 0; n < WINDOW; n++) energy += x[n] * x[n];
    for (let k = 0; k < 8; k++) this.powers[k] = goertzelPower(x, 0, WINDOW, this.coeffs[k]);
    const digit = this.classify(energy);
    if (digit === this.reported && digit >= 0) {
      this.reportedWindows++;
      return;
    }
    if (this.reported >= 0) this.endDigit();
    if (digit < 0) {
      this.candidate = -1;
      this.candidateCount = 0;
      return;
    }
    if (digit === this.candidate) this.candidateCount++;
    else {
      this.candidate = digit;
      this.candidateCount = 1;
    }
    if (this.candidateCount >= 2) {
      this.reported = digit;
      this.reportedWindows = 2;
      const r = digit >> 2;
      const c = digit & 3;
      // The tone began about two windows before the end of this one.
      const at = Math.max(0, this.consumed + WINDOW - (WINDOW + HOP));
      this.delegate.onDigit(DTMF_KEYPAD[r][c], at);
    }
  }

  private endDigit(): void {
    if (this.reported < 0) return;
    const digit = DTMF_KEYPAD[this.reported >> 2][this.reported & 3];
    const ms = ((this.reportedWindows * HOP + (WINDOW - HOP)) * 1000) / this.sampleRate;
    this.reported = -1;
    this.reportedWindows = 0;
    this.candidate = -1;
    this.candidateCount = 0;
    this.delegate.onDigitEnd?.(digit, ms);
  }

  /** Index row*4+col of the digit in this window, or -1. */
  private classify(energy: number): number {
    const p = this.powers;
    let row = 0;
    for (let k = 1; k < 4; k++) if (p[k] > p[row]) row = k;
    let col = 4;
    for (let k = 5; k < 8; k++) if (p[k] > p[col]) col = k;
    const pr = p[row];
    const pc = p[col];
    if (pr < this.minTonePower || pc < this.minTonePower) return -1;
    if (pc * this.normalTwist < pr || pc > pr * this.reverseTwist) return -1;
    // Each winner 6 dB (×4 in power) above the rest of its group.
    for (let k = 0; k < 4; k++) if (k !== row && p[k] * 4 > pr) return -1;
    for (let k = 4; k < 8; k++) if (k !== col && p[k] * 4 > pc) return -1;
    // Energy share: a tone of amplitude A holds |X|² ≈ (A·N/2)² of a window energy ≈ A²·N/2, so the share of the two
    // tones in the window is (|Xr|² + |Xc|²) / (N/2 · E).
    if (energy <= 0 || (pr + pc) / ((WINDOW / 2) * energy) < 0.75) return -1;
    return row * 4 + (col - 4);
  }
}

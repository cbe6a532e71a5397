/**
 * In-band DTMF tone generator (ITU-T Q.23 frequency pairs) for `<Play digits>` towards peers without
 * telephone-event. Streams into caller-supplied buffers frame by frame; no allocation after construction.
 *
 * Each key is `toneMs` of the two summed sinusoids (each at `amplitude`, default 7000 ≈ -10 dBm0 per tone in G.711,
 * inside Q.24's acceptance range) followed by `gapMs` of silence; `w` is a 500 ms pause, `W` one second.
 */
import { dtmfFrequencies } from './dtmf-frequencies.js';

export interface DtmfToneGeneratorOptions {
  toneMs?: number;
  gapMs?: number;
  amplitude?: number;
  sampleRate?: number;
}

export class DtmfToneGenerator {
  /** Per segment: row frequency, column frequency (0 for pauses) and length in samples. */
  private readonly rows: Float64Array;
  private readonly cols: Float64Array;
  private readonly lengths: Int32Array;
  private readonly amplitude: number;
  private readonly sampleRate: number;
  private segment = 0;
  private position = 0;

  /** Throws a RangeError for a character that is not a DTMF digit, `w` or `W`. */
  constructor(digits: string, options: DtmfToneGeneratorOptions = {}) {
    this.sampleRate = options.sampleRate ?? 8000;
    this.amplitude = options.amplitude ?? 7000;
    const toneSamples = Math.round(((options.toneMs ?? 100) * this.sampleRate) / 1000);
    const gapSamples = Math.round(((options.gapMs ?? 100) * this.sampleRate) / 1000);
    const rows: number[] = [];
    const cols: number[] = [];
    const lengths: number[] = [];
    for (const ch of digits) {
      if (ch === 'w' || ch === 'W') {
        rows.push(0); cols.push(0); lengths.push(((ch === 'w' ? 500 : 1000) * this.sampleRate) / 1000);
        continue;
      }
      const pair = dtmfFrequencies(ch);
      if (pair === undefined) throw new RangeError(`not a DTMF digit: ${JSON.stringify(ch)}`);
      rows.push(pair[0]); cols.push(pair[1]); lengths.push(toneSamples);
      if (gapSamples > 0) {
        rows.push(0); cols.push(0); lengths.push(gapSamples);
      }
    }
    this.rows = Float64Array.from(rows);
    this.cols = Float64Array.from(cols);
    this.lengths = Int32Array.from(lengths);
  }

  /** Total samples the digits take. */
  get totalSamples(): number {
    let n = 0;
    for (const l of this.lengths) n += l;
    return n;
  }

  get done(): boolean {
    return this.segment >= this.lengths.length;
  }

  /**
   * Write up to `count` samples into `out` from `offset`; returns the samples written (fewer than asked only at the
   * end, 0 when done).
   */
  fill(out: Int16Array, count = out.length, offset = 0): number {
    let written = 0;
    const w = (2 * Math.PI) / this.sampleRate;
    while (written < count && this.segment < this.lengths.length) {
      const len = this.lengths[this.segment];
      const fr = this.rows[this.segment];
      const fc = this.cols[this.segment];
      const n = Math.min(count - written, len - this.position);
      if (fr === 0) {
        out.fill(0, offset + written, offset + written + n);
      } else {
        for (let i = 0; i < n; i++) {
          const t = this.position + i;
          const v = this.amplitude * (Math.sin(w * fr * t) + Math.sin(w * fc * t));
          out[offset + written + i] = v > 32767 ? 32767 : v < -32768 ? -32768 : Math.round(v);
        }
      }
      written += n;
      this.position += n;
      if (this.position >= len) {
        this.segment++;
        this.position = 0;
      }
    }
    return written;
  }
}

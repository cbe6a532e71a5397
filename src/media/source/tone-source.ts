import { type AudioSource, FRAME_SAMPLES, SAMPLE_RATE } from './audio-source.js';

export interface ToneOptions {
  /** Component frequencies in Hz, summed (dual-tone ringback: two). */
  frequencies: readonly number[];
  /** Peak amplitude of each component as a fraction of full scale. */
  amplitude?: number;
  /** Alternating on/off durations in ms, starting with on, repeated; omitted = continuous. */
  cadenceMs?: readonly number[];
  /** Total duration in ms; omitted = endless. */
  durationMs?: number;
}

/**
 * Generated tones: continuous or cadenced sums of sines. Phase runs from the start of the tone, so a rewound tone
 * repeats exactly; every "on" period restarts at phase zero so its onset is identical each time.
 */
export class ToneSource implements AudioSource {
  readonly frameCount: number | null;
  private readonly omegas: Float64Array;
  private readonly amplitude: number;
  private readonly cadence: readonly number[];
  private readonly cycleSamples: number;
  private sample = 0;
  private frame = 0;

  constructor(opts: ToneOptions) {
    if (opts.frequencies.some((f) => !(f > 0 && f < SAMPLE_RATE / 2))) {
      throw new RangeError('tone frequencies must lie between 0 and 4000 Hz');
    }
    this.omegas = Float64Array.from(opts.frequencies, (f) => (2 * Math.PI * f) / SAMPLE_RATE);
    this.amplitude = (opts.amplitude ?? 0.2) * 32767;
    this.cadence = (opts.cadenceMs ?? []).map((ms) => Math.round((ms * SAMPLE_RATE) / 1000));
    if (this.cadence.length % 2 === 1) throw new RangeError('cadence needs on/off pairs');
    this.cycleSamples = this.cadence.reduce((a, b) => a + b, 0);
    this.frameCount = opts.durationMs === undefined ? null : Math.ceil(opts.durationMs / 20);
  }

  readFrame(out: Int16Array): boolean {
    if (this.frameCount !== null && this.frame >= this.frameCount) return false;
    this.frame++;
    for (let i = 0; i < FRAME_SAMPLES; i++) out[i] = this.next();
    return true;
  }

  rewind(): void {
    this.sample = 0;
    this.frame = 0;
  }

  private next(): number {
    const n = this.sample++;
    let t = n;
    if (this.cycleSamples > 0) {
      // Position within the cadence; silent in off periods, restart phase at each on period.
      let pos = n % this.cycleSamples;
      let on = true;
      for (const len of this.cadence) {
        if (pos < len) break;
        pos -= len;
        on = !on;
      }
      if (!on) return 0;
      t = pos;
    }
    let v = 0;
    for (let k = 0; k < this.omegas.length; k++) v += Math.sin(this.omegas[k] * t);
    return Math.round(v * this.amplitude);
  }
}

/** Ringback cadences by country (ITU-T E.180 Supplement 2; national variants). */
export type RingbackCountry = 'US' | 'CA' | 'GB' | 'UK' | 'DE' | 'FR' | 'default';

const RINGBACK: Record<RingbackCountry, ToneOptions> = {
  // North America (ANSI T1.401): 440 + 480 Hz, 2 s on, 4 s off.
  US: { frequencies: [440, 480], cadenceMs: [2000, 4000] },
  CA: { frequencies: [440, 480], cadenceMs: [2000, 4000] },
  // United Kingdom: 400 + 450 Hz, 0.4 on 0.2 off 0.4 on 2.0 off.
  GB: { frequencies: [400, 450], cadenceMs: [400, 200, 400, 2000] },
  UK: { frequencies: [400, 450], cadenceMs: [400, 200, 400, 2000] },
  DE: { frequencies: [425], cadenceMs: [1000, 4000] },
  FR: { frequencies: [440], cadenceMs: [1500, 3500] },
  // ITU-T E.180 recommended: 425 Hz, 1 s on, 4 s off.
  default: { frequencies: [425], cadenceMs: [1000, 4000] },
};

/** Endless ringback for `country` (ISO 3166 alpha-2), the E.180 default for others. */
export function ringbackTone(country: string = 'US'): ToneSource {
  const key = country.toUpperCase() as RingbackCountry;
  return new ToneSource({ amplitude: 0.15, ...(RINGBACK[key] ?? RINGBACK.default) });
}

/** The recording/conference beep: a single 1 kHz tone of 250 ms (the "beep" of `<Record playBeep>`). */
export function beepTone(durationMs = 250): ToneSource {
  return new ToneSource({ frequencies: [1000], amplitude: 0.3, durationMs });
}

/** Deterministic test signals: a seeded PRNG, white noise, and a crude voiced-speech imitation. */

/** Mulberry32: small deterministic PRNG in [0, 1). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Add uniform white noise of the given peak amplitude (in place, with clipping). */
export function addNoise(pcm: Int16Array, amplitude: number, seed = 1): Int16Array {
  const r = prng(seed);
  for (let i = 0; i < pcm.length; i++) {
    const v = pcm[i] + (r() * 2 - 1) * amplitude;
    pcm[i] = Math.max(-32768, Math.min(32767, Math.round(v)));
  }
  return pcm;
}

/**
 * Voiced-speech-like signal: a glottal pulse train whose pitch glides (100-220 Hz) through three formant resonators
 * whose centre frequencies move like vowels do, with syllable-rate amplitude modulation.
 */
export function speechLike(samples: number, seed = 7, rate = 8000): Int16Array {
  const r = prng(seed);
  const out = new Int16Array(samples);
  const res = [0, 0, 0].map(() => ({ y1: 0, y2: 0 }));
  let phase = 0;
  for (let n = 0; n < samples; n++) {
    const t = n / rate;
    const f0 = 160 + 60 * Math.sin(2 * Math.PI * 0.7 * t + seed);
    phase += f0 / rate;
    let x = 0;
    if (phase >= 1) { phase -= 1; x = 1; }
    x += (r() - 0.5) * 0.05;
    const formants = [
      600 + 300 * Math.sin(2 * Math.PI * 1.3 * t),
      1400 + 600 * Math.sin(2 * Math.PI * 0.9 * t + 1),
      2500 + 200 * Math.sin(2 * Math.PI * 0.5 * t + 2),
    ];
    let y = 0;
    for (let k = 0; k < 3; k++) {
      const bw = 80;
      const rr = Math.exp((-Math.PI * bw) / rate);
      const a1 = 2 * rr * Math.cos((2 * Math.PI * formants[k]) / rate);
      const a2 = -rr * rr;
      const s = res[k];
      const v = x + a1 * s.y1 + a2 * s.y2;
      s.y2 = s.y1;
      s.y1 = v;
      y += v / (k + 1);
    }
    const envelope = 0.5 + 0.5 * Math.sin(2 * Math.PI * 4 * t);
    out[n] = Math.max(-32768, Math.min(32767, Math.round(y * 3000 * envelope)));
  }
  return out;
}

/** Sum of sinusoids at `amplitude` each. */
export function tones(samples: number, freqs: number[], amplitude: number, rate = 8000): Int16Array {
  const out = new Int16Array(samples);
  for (let n = 0; n < samples; n++) {
    let v = 0;
    for (const f of freqs) v += Math.sin((2 * Math.PI * f * n) / rate);
    out[n] = Math.round(v * amplitude);
  }
  return out;
}

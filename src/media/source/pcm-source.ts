import { type AudioSource, FRAME_SAMPLES } from './audio-source.js';

/** Frames out of a decoded 8 kHz PCM buffer (a cached `<Play>` file, a TTS render). Shares, never copies, `pcm`. */
export class PcmSource implements AudioSource {
  private position = 0;

  constructor(private readonly pcm: Int16Array) {}

  get frameCount(): number {
    return Math.ceil(this.pcm.length / FRAME_SAMPLES);
  }

  readFrame(out: Int16Array): boolean {
    const pcm = this.pcm;
    const start = this.position;
    if (start >= pcm.length) return false;
    const n = Math.min(FRAME_SAMPLES, pcm.length - start);
    for (let i = 0; i < n; i++) out[i] = pcm[start + i];
    for (let i = n; i < FRAME_SAMPLES; i++) out[i] = 0;
    this.position = start + FRAME_SAMPLES;
    return true;
  }

  rewind(): void {
    this.position = 0;
  }
}

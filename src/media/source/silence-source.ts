import { type AudioSource, FRAME_MS, FRAME_SAMPLES } from './audio-source.js';

/** Silence for a duration, rounded up to whole frames (TwiML `<Pause length>`, `w`/`W` in `<Play digits>`). */
export class SilenceSource implements AudioSource {
  readonly frameCount: number;
  private remaining: number;

  constructor(durationMs: number) {
    if (!(durationMs >= 0)) throw new RangeError(`bad silence duration ${durationMs}`);
    this.frameCount = Math.ceil(durationMs / FRAME_MS);
    this.remaining = this.frameCount;
  }

  readFrame(out: Int16Array): boolean {
    if (this.remaining === 0) return false;
    this.remaining--;
    out.fill(0, 0, FRAME_SAMPLES);
    return true;
  }

  rewind(): void {
    this.remaining = this.frameCount;
  }
}

import { type AudioSource } from './audio-source.js';

export interface SequenceOptions {
  /** How many times to play the whole sequence; 0 = endless (TwiML `loop="0"`). Default 1. */
  loop?: number;
}

/** Sources played one after another, optionally looped (`<Play loop>`, playlists, `<Say>` + `<Pause>` chains). */
export class SequenceSource implements AudioSource {
  private index = 0;
  private iteration = 0;
  private readonly loop: number;

  constructor(private readonly sources: readonly AudioSource[], opts: SequenceOptions = {}) {
    this.loop = opts.loop ?? 1;
    if (!Number.isInteger(this.loop) || this.loop < 0) throw new RangeError(`bad loop count ${this.loop}`);
  }

  get frameCount(): number | null {
    let total = 0;
    for (const s of this.sources) {
      if (s.frameCount === null) return null;
      total += s.frameCount;
    }
    if (this.loop === 0) return total === 0 ? 0 : null;
    return total * this.loop;
  }

  readFrame(out: Int16Array): boolean {
    // At most one extra pass: an iteration that produced nothing means every source is empty, so stop.
    for (let guard = 0; guard < 2; guard++) {
      while (this.index < this.sources.length) {
        if (this.sources[this.index].readFrame(out)) return true;
        this.index++;
      }
      this.iteration++;
      if (this.loop !== 0 && this.iteration >= this.loop) return false;
      for (const s of this.sources) s.rewind();
      this.index = 0;
    }
    return false;
  }

  rewind(): void {
    for (const s of this.sources) s.rewind();
    this.index = 0;
    this.iteration = 0;
  }
}

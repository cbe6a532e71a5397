/** Telephony audio: 8 kHz, 16-bit signed linear PCM, mono (ITU-T G.711's input format). */
export const SAMPLE_RATE = 8000;

/** One 20 ms packetization interval at 8 kHz (RFC 3551 §4.5: G.711 default ptime 20 ms). */
export const FRAME_SAMPLES = 160;

export const FRAME_MS = 20;

/**
 * A pull-based source of 20 ms frames, read by the shared media clock. Implementations write into the caller's
 * buffer and never allocate per frame (DESIGN.md: the media hot path does not allocate).
 */
export interface AudioSource {
  /**
   * Write the next frame (FRAME_SAMPLES samples) into `out`. A final partial frame is padded with silence.
   * Returns false, leaving `out` untouched, when the source has ended.
   */
  readFrame(out: Int16Array): boolean;
  /** Start again from the beginning (used by `<Play loop>` / `<Say loop>`). */
  rewind(): void;
  /** Total length in frames, or null for an endless source (ringback). */
  readonly frameCount: number | null;
}

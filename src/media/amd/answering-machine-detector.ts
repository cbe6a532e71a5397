/**
 * Answering machine detection on the audio a called party sends after answering: 8 kHz linear PCM in, one decision
 * out, in Twilio's `AnsweredBy` vocabulary. Pure signal processing — no timers, no I/O: time is the audio fed in,
 * so a gap without packets must be fed as `silence(ms)` by whoever owns the clock.
 *
 * Analysis runs on 20 ms frames:
 *
 * - Voice activity by energy against a noise floor: a frame is voiced when its level is above both an absolute
 *   minimum (-42 dBFS; telephone speech sits around -20 to -25) and the noise floor plus 12 dB. The floor is the
 *   quietest frame of the last 3 s (minimum statistics), counted from the first frame: steady line noise is the floor
 *   from the start and never counts as voice, while speech, which dips between words, keeps it low.
 * - Speech activity: from the first voiced frame until `speechEndThresholdMs` of silence; its length runs to the last
 *   voiced frame. Less than 100 ms of voiced frames in all is a click or a burst of noise, not speech.
 * - Tones by Goertzel (`../dsp/goertzel.ts`) at 25 Hz steps from 400 to 2150 Hz on every voiced frame: a frame is
 *   tonal when one bin holds at least 60 % of its energy (speech spreads its energy over harmonics and formants);
 *   a tone is a run of tonal frames whose peak stays within one bin.
 *
 * Rules, in the order they can fire:
 *
 * 1. A tone at a fax calling or answer frequency — CNG 1100 Hz ±38 (ITU-T T.30), CED 2100 Hz ±15 (V.25; ±25 here,
 *    the bins' resolution) — held 400 ms before any machine was recognised → `fax` (CNG's shortest burst is 425 ms).
 * 2. No speech within `silenceTimeoutMs` of the answer → `unknown`.
 * 3. A speech activity longer than `speechThresholdMs` → a machine's greeting: `machine_start` at once, or with
 *    `detectMessageEnd` detection goes on until the greeting ends.
 * 4. A speech activity shorter than that, ended by `speechEndThresholdMs` of silence → `human`.
 * 5. A steady single tone of at least 120 ms (a frame-aligned ~150 ms beep) that ends → a machine's beep:
 *    `machine_end_beep` with `detectMessageEnd` (the message can be left from here), else `machine_start`.
 * 6. With `detectMessageEnd`, once the greeting was recognised: `speechEndThresholdMs` of silence after it →
 *    `machine_end_silence`.
 * 7. `timeoutMs` of audio without a decision → `unknown`, or `machine_end_other` when a greeting was recognised
 *    and its end was not.
 *
 * `durationMs` of the decision is the audio time from the answer (Twilio's `MachineDetectionDuration`).
 */
import { goertzelCoefficient, goertzelPower } from '../dsp/index.js';

/** Twilio's `AnsweredBy` values. */
export type AnsweredBy =
  | 'human' | 'machine_start' | 'machine_end_beep' | 'machine_end_silence' | 'machine_end_other' | 'fax' | 'unknown';

/** Which rule decided, for logs and tests. */
export type AmdReason = 'fax-tone' | 'initial-silence' | 'long-speech' | 'short-speech' | 'beep' | 'greeting-silence' | 'timeout';

export interface AmdDecision {
  answeredBy: AnsweredBy;
  reason: AmdReason;
  /** Audio time from the answer to the decision, in milliseconds. */
  durationMs: number;
}

export interface AnsweringMachineDetectorOptions {
  /** Go on after a machine's greeting is recognised until it ends (Twilio `DetectMessageEnd`). Default false. */
  detectMessageEnd?: boolean;
  /** Give up after this much audio. Default 30 000 (Twilio `MachineDetectionTimeout`, in seconds there). */
  timeoutMs?: number;
  /** Speech longer than this is a machine. Default 2400. */
  speechThresholdMs?: number;
  /** Silence that ends a speech activity. Default 1200. */
  speechEndThresholdMs?: number;
  /** Silence from the answer after which the result is `unknown`. Default 5000. */
  silenceTimeoutMs?: number;
}

/** 20 ms at 8 kHz. */
const FRAME = 160;
const FRAME_MS = 20;
const FULL_SCALE_ENERGY = 32768 * 32768;
const MIN_SPEECH_LEVEL_DB = -42;
const SPEECH_OVER_FLOOR_DB = 12;
const SILENT_DB = -90;
/** Frames of the noise floor's window: 3 s. */
const FLOOR_FRAMES = 150;
/** Voiced frames an activity needs to be speech rather than a click. */
const MIN_SPEECH_FRAMES = 5;
const TONE_LOW_HZ = 400;
const TONE_STEP_HZ = 25;
const TONE_BINS = 71; // 400 … 2150 Hz
/** Share of a frame's energy in one bin for it to be tonal (0.81 at the worst scalloping between bins). */
const TONE_PURITY = 0.6;
const BEEP_MIN_FRAMES = 6;
const FAX_MIN_FRAMES = 20;
const FAX_BANDS: ReadonlyArray<readonly [number, number]> = [[1100 - 38, 1100 + 38], [2100 - 25, 2100 + 25]];

type Phase = 'listening' | 'greeting' | 'decided';

export class AnsweringMachineDetector {
  private readonly detectMessageEnd: boolean;
  private readonly timeoutMs: number;
  private readonly speechThresholdMs: number;
  private readonly speechEndThresholdMs: number;
  private readonly silenceTimeoutMs: number;
  private readonly frame = new Float64Array(FRAME);
  private readonly coefficients = new Float64Array(TONE_BINS);
  private fill = 0;
  private frames = 0;
  private phase: Phase = 'listening';
  private result: AmdDecision | null = null;
  /** Levels (dBFS) of the last FLOOR_FRAMES frames, a ring. */
  private readonly levels = new Float64Array(FLOOR_FRAMES);
  /** Frame index where the current speech activity began, -1 when none. */
  private activityStart = -1;
  private activityVoiced = 0;
  /** Frame index just after the last voiced frame. */
  private lastVoicedEnd = 0;
  private heardSpeech = false;
  private toneBin = -1;
  private toneFrames = 0;

  constructor(options: AnsweringMachineDetectorOptions = {}) {
    this.detectMessageEnd = options.detectMessageEnd ?? false;
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.speechThresholdMs = options.speechThresholdMs ?? 2400;
    this.speechEndThresholdMs = options.speechEndThresholdMs ?? 1200;
    this.silenceTimeoutMs = options.silenceTimeoutMs ?? 5000;
    for (let k = 0; k < TONE_BINS; k++) this.coefficients[k] = goertzelCoefficient(TONE_LOW_HZ + k * TONE_STEP_HZ, 8000);
  }

  /** The decision once made (later input is ignored), else null. */
  get decision(): AmdDecision | null {
    return this.result;
  }

  /** Audio analysed so far, in milliseconds (whole frames). */
  get elapsedMs(): number {
    return this.frames * FRAME_MS;
  }

  /** Feeds `count` samples from `pcm[offset]`; returns the decision once there is one. No allocation. */
  process(pcm: Int16Array, count = pcm.length, offset = 0): AmdDecision | null {
    for (let i = 0; i < count && this.result === null; i++) {
      this.frame[this.fill++] = pcm[offset + i];
      if (this.fill === FRAME) {
        this.fill = 0;
        this.analyse();
      }
    }
    return this.result;
  }

  /** Time without audio (no packets arrived): analysed as silence, in whole frames. */
  silence(ms: number): AmdDecision | null {
    const frames = Math.floor(ms / FRAME_MS);
    for (let f = 0; f < frames && this.result === null; f++) {
      this.frame.fill(0, this.fill);
      this.fill = 0;
      this.analyse();
    }
    return this.result;
  }

  private analyse(): void {
    const x = this.frame;
    let energy = 0;
    for (let n = 0; n < FRAME; n++) energy += x[n] * x[n];
    const levelDb = energy > 0 ? Math.max(SILENT_DB, 10 * Math.log10(energy / FRAME / FULL_SCALE_ENERGY)) : SILENT_DB;
    const index = this.frames++;
    this.levels[index % FLOOR_FRAMES] = levelDb;
    const voiced = levelDb > MIN_SPEECH_LEVEL_DB && levelDb > this.noiseFloorDb() + SPEECH_OVER_FLOOR_DB;
    if (voiced) this.voicedFrame(index, energy);
    else this.quietFrame(index);
    if (this.result === null) this.checkTime();
  }

  private voicedFrame(index: number, energy: number): void {
    if (this.activityStart < 0) {
      this.activityStart = index;
      this.activityVoiced = 0;
    }
    this.activityVoiced++;
    this.lastVoicedEnd = index + 1;
    if (this.activityVoiced >= MIN_SPEECH_FRAMES) this.heardSpeech = true;
    this.trackTone(energy);
    if (this.result !== null) return;
    if (this.phase === 'listening' && this.activityVoiced >= MIN_SPEECH_FRAMES && this.ms(this.lastVoicedEnd - this.activityStart) > this.speechThresholdMs) {
      if (!this.detectMessageEnd) return this.decide('machine_start', 'long-speech');
      this.phase = 'greeting';
    }
  }

  private quietFrame(index: number): void {
    this.endTone();
    if (this.result !== null || this.activityStart < 0) return;
    if (this.ms(index + 1 - this.lastVoicedEnd) < this.speechEndThresholdMs) return;
    // The activity is over: `speechEndThresholdMs` of silence after its last voiced frame.
    const speech = this.activityVoiced >= MIN_SPEECH_FRAMES;
    this.activityStart = -1;
    if (!speech) return;
    if (this.phase === 'greeting') this.decide('machine_end_silence', 'greeting-silence');
    else this.decide('human', 'short-speech');
  }

  private checkTime(): void {
    const elapsed = this.elapsedMs;
    if (elapsed >= this.timeoutMs) {
      this.decide(this.phase === 'greeting' ? 'machine_end_other' : 'unknown', 'timeout');
    } else if (this.phase === 'listening' && !this.heardSpeech && this.activityStart < 0 && elapsed >= this.silenceTimeoutMs) {
      this.decide('unknown', 'initial-silence');
    }
  }

  /** The quietest level of the window (this frame included), over the frames seen so far. */
  private noiseFloorDb(): number {
    const n = Math.min(this.frames, FLOOR_FRAMES);
    let floor = 0;
    for (let i = 0; i < n; i++) if (this.levels[i] < floor) floor = this.levels[i];
    return floor;
  }

  /** One voiced frame's tone analysis: continues, starts or ends a run of tonal frames. */
  private trackTone(energy: number): void {
    let peak = 0;
    let peakBin = 0;
    for (let k = 0; k < TONE_BINS; k++) {
      const p = goertzelPower(this.frame, 0, FRAME, this.coefficients[k]);
      if (p > peak) {
        peak = p;
        peakBin = k;
      }
    }
    const tonal = peak / ((FRAME / 2) * energy) >= TONE_PURITY;
    if (!tonal) return this.endTone();
    if (this.toneFrames > 0 && Math.abs(peakBin - this.toneBin) <= 1) {
      this.toneFrames++;
    } else {
      this.endTone();
      if (this.result !== null) return;
      this.toneBin = peakBin;
      this.toneFrames = 1;
    }
    if (this.phase === 'listening' && this.toneFrames >= FAX_MIN_FRAMES && isFaxTone(TONE_LOW_HZ + this.toneBin * TONE_STEP_HZ)) {
      this.decide('fax', 'fax-tone');
    }
  }

  /** The current tone run ends; a run long enough was a beep. */
  private endTone(): void {
    const frames = this.toneFrames;
    this.toneFrames = 0;
    this.toneBin = -1;
    if (frames < BEEP_MIN_FRAMES || this.result !== null) return;
    this.decide(this.detectMessageEnd ? 'machine_end_beep' : 'machine_start', 'beep');
  }

  private decide(answeredBy: AnsweredBy, reason: AmdReason): void {
    if (this.result !== null) return;
    this.phase = 'decided';
    this.result = { answeredBy, reason, durationMs: this.elapsedMs };
  }

  private ms(frames: number): number {
    return frames * FRAME_MS;
  }
}

function isFaxTone(hz: number): boolean {
  return FAX_BANDS.some(([low, high]) => hz >= low && hz <= high);
}

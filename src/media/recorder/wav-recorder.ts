/**
 * Records 20 ms frames of 8 kHz PCM16 into a WAV file, mono or dual-channel.
 *
 * Frames arrive on the media clock and must not block it: `write()` copies into a one-second chunk buffer and full
 * chunks are written asynchronously in order. `stop()` makes the file durable before it resolves — a recording is
 * billed and listed, so it is written before it is acknowledged (DESIGN.md): data and header go to a temporary
 * file in the target directory, the file is fsync'ed, renamed into place (atomic within a file system, POSIX
 * rename(2)), and the directory is fsync'ed so the new name itself survives a crash.
 *
 * Twilio semantics: dual-channel puts the first leg (the parent call) on channel 1; `pause` with `skip` drops the
 * paused time, with `silence` (Twilio's REST default) fills it with silence; `trim-silence` drops silence at the
 * start and the end.
 */
import { type FileHandle, open, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { syncDirectory, temporaryPathFor } from './durable-file.js';
import { WAV_HEADER_BYTES, wavHeader } from './wav-header.js';

const SAMPLE_RATE = 8000;
const FRAME_SAMPLES = 160;
const CHUNK_FRAMES = 50;

export type PauseBehavior = 'skip' | 'silence';
export type TrimMode = 'trim-silence' | 'do-not-trim';
export type RecorderState = 'recording' | 'paused' | 'stopped' | 'aborted';

export interface WavRecorderOptions {
  /** Final path of the WAV file. */
  path: string;
  channels?: 1 | 2;
  pauseBehavior?: PauseBehavior;
  trim?: TrimMode;
  /**
   * Frame RMS (in PCM16 units) below which a frame counts as silence for trimming; default 64, about -54 dBFS,
   * above the idle noise of a G.711 line (μ-law's smallest steps are ±2..±8) and below quiet speech.
   */
  silenceThreshold?: number;
}

export interface RecordingResult {
  path: string;
  /** Exact audio length kept, a multiple of 0.02 s. Twilio reports whole seconds; the caller rounds. */
  durationSeconds: number;
  channels: 1 | 2;
  /** Size of the file, header included. */
  bytes: number;
}

export class RecorderStateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RecorderStateError';
  }
}

const TRANSITIONS: Record<RecorderState, readonly RecorderState[]> = {
  recording: ['paused', 'stopped', 'aborted'],
  paused: ['recording', 'stopped', 'aborted'],
  stopped: [],
  aborted: [],
};

export class WavRecorder {
  readonly path: string;
  readonly channels: 1 | 2;
  private readonly pauseBehavior: PauseBehavior;
  private readonly trim: boolean;
  private readonly threshold: number;
  private readonly tempPath: string;
  private readonly fh: FileHandle;
  private state: RecorderState = 'recording';
  private chunk: Buffer;
  private chunkBytes = 0;
  /** Data bytes handed to the file so far (not counting the chunk buffer). */
  private flushedBytes = 0;
  /** Data length up to the end of the last non-silent frame, for end trimming. */
  private soundEnd = 0;
  private heardSound = false;
  private writes: Promise<void> = Promise.resolve();
  private writeError: Error | null = null;

  private constructor(opts: Required<WavRecorderOptions>, tempPath: string, fh: FileHandle) {
    this.path = opts.path;
    this.channels = opts.channels;
    this.pauseBehavior = opts.pauseBehavior;
    this.trim = opts.trim === 'trim-silence';
    this.threshold = opts.silenceThreshold;
    this.tempPath = tempPath;
    this.fh = fh;
    this.chunk = Buffer.alloc(CHUNK_FRAMES * FRAME_SAMPLES * 2 * this.channels);
  }

  /** Create the temporary file next to `path` and start recording. */
  static async open(options: WavRecorderOptions): Promise<WavRecorder> {
    const opts: Required<WavRecorderOptions> = {
      path: options.path,
      channels: options.channels ?? 1,
      pauseBehavior: options.pauseBehavior ?? 'silence',
      trim: options.trim ?? 'do-not-trim',
      silenceThreshold: options.silenceThreshold ?? 64,
    };
    const tempPath = temporaryPathFor(opts.path);
    const fh = await open(tempPath, 'wx', 0o640);
    return new WavRecorder(opts, tempPath, fh);
  }

  get currentState(): RecorderState {
    return this.state;
  }

  /** Audio kept so far, in seconds (before end trimming). */
  get durationSeconds(): number {
    return (this.flushedBytes + this.chunkBytes) / (2 * this.channels * SAMPLE_RATE);
  }

  /**
   * Record one 20 ms frame: `first` is channel 1 (the first leg), `second` channel 2 in dual-channel mode (silence
   * if absent). Called on the media clock; never blocks. Frames after stop are ignored.
   */
  write(first: Int16Array, second?: Int16Array): void {
    if (this.state === 'stopped' || this.state === 'aborted') return;
    const paused = this.state === 'paused';
    if (paused && this.pauseBehavior === 'skip') return;
    const muted = paused; // 'silence': keep the time, drop the sound
    const loud = !muted && this.isLoud(first, second);
    if (this.trim && !this.heardSound && !loud) return; // leading silence
    if (loud) this.heardSound = true;

    const ch = this.channels;
    const buf = this.chunk;
    let at = this.chunkBytes;
    for (let i = 0; i < FRAME_SAMPLES; i++) {
      buf.writeInt16LE(muted ? 0 : first[i], at);
      at += 2;
      if (ch === 2) {
        buf.writeInt16LE(muted || second === undefined ? 0 : second[i], at);
        at += 2;
      }
    }
    this.chunkBytes = at;
    if (loud) this.soundEnd = this.flushedBytes + this.chunkBytes;
    if (this.chunkBytes === buf.length) this.flush();
  }

  pause(): void {
    this.transition('paused');
  }

  resume(): void {
    this.transition('recording');
  }

  /** Finish the file durably and report it. */
  async stop(): Promise<RecordingResult> {
    this.transition('stopped');
    this.flush();
    await this.writes;
    try {
      if (this.writeError) throw this.writeError;
      const dataBytes = this.trim ? this.soundEnd : this.flushedBytes;
      await this.fh.truncate(WAV_HEADER_BYTES + dataBytes);
      await this.fh.write(wavHeader(this.channels, SAMPLE_RATE, dataBytes), 0, WAV_HEADER_BYTES, 0);
      await this.fh.sync();
      await this.fh.close();
      await rename(this.tempPath, this.path);
      await syncDirectory(dirname(this.path));
      return {
        path: this.path,
        durationSeconds: dataBytes / (2 * this.channels * SAMPLE_RATE),
        channels: this.channels,
        bytes: WAV_HEADER_BYTES + dataBytes,
      };
    } catch (err) {
      await this.fh.close().catch(() => undefined);
      await rm(this.tempPath, { force: true });
      throw err;
    }
  }

  /** Drop the recording and its temporary file. Idempotent. */
  async abort(): Promise<void> {
    if (this.state === 'stopped' || this.state === 'aborted') return;
    this.transition('aborted');
    await this.writes;
    await this.fh.close().catch(() => undefined);
    await rm(this.tempPath, { force: true });
  }

  private transition(to: RecorderState): void {
    if (!TRANSITIONS[this.state].includes(to)) throw new RecorderStateError(`cannot go from ${this.state} to ${to}`);
    this.state = to;
  }

  private isLoud(first: Int16Array, second: Int16Array | undefined): boolean {
    if (!this.trim) return true;
    const energy = (x: Int16Array) => {
      let sum = 0;
      for (let i = 0; i < FRAME_SAMPLES; i++) sum += x[i] * x[i];
      return sum / FRAME_SAMPLES;
    };
    const limit = this.threshold * this.threshold;
    return energy(first) >= limit || (second !== undefined && this.channels === 2 && energy(second) >= limit);
  }

  /** Queue the chunk buffer for writing and start a fresh one (the old one belongs to the pending write). */
  private flush(): void {
    if (this.chunkBytes === 0) return;
    const data = this.chunk.subarray(0, this.chunkBytes);
    const position = WAV_HEADER_BYTES + this.flushedBytes;
    this.flushedBytes += this.chunkBytes;
    this.chunk = Buffer.alloc(this.chunk.length);
    this.chunkBytes = 0;
    this.writes = this.writes.then(async () => {
      if (this.writeError) return;
      try {
        await this.fh.write(data, 0, data.length, position);
      } catch (err) {
        this.writeError = err instanceof Error ? err : new Error(String(err));
      }
    });
  }
}

/**
 * The recording of a `<Dial>` (reference §3.2 Dial `record`, `recordingTrack`, `trim`): the caller's incoming audio
 * (the parent leg, "inbound") and the callee's ("outbound", what the caller hears), mixed into one channel or kept
 * apart in two — the parent leg on channel 1 (reference §3.2: "In dual-channel recordings the parent leg is
 * channel 1"). The file is durable and its `Recording` row (source `DialVerb`) written before it is reported.
 *
 * The two legs' frames arrive independently, each on its own RTP clock. They are paired in arrival order; when one
 * side falls more than `MAX_SKEW_FRAMES` behind (it sends nothing: muted, silence suppression, not yet bridged) the
 * other side's frames are written against silence, so the recording keeps real time without waiting for it.
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { type Logger, newSid } from '../../core/index.js';
import { type MediaSession, WavRecorder } from '../../media/index.js';
import { type CallMediaServices, recordingUrl, saveRecording } from '../call/call-media.js';
import type { DialRequest, DialResult } from '../twiml/call-control.js';

const FRAME = 160;
const MAX_SKEW_FRAMES = 5;
const SILENCE = new Int16Array(FRAME);

export type DialRecordingResult = NonNullable<DialResult['recording']>;

export class DialRecording {
  private readonly parentFrames: Int16Array[] = [];
  private readonly childFrames: Int16Array[] = [];
  private readonly mixed = new Int16Array(FRAME);
  private readonly unsubscribe: Array<() => void> = [];
  private child: MediaSession | null = null;
  private stopped: Promise<DialRecordingResult> | null = null;

  private constructor(
    private readonly recorder: WavRecorder,
    readonly recordingSid: string,
    readonly url: string,
    readonly startTime: number,
    private readonly track: DialRequest['recordingTrack'],
    private readonly context: { services: CallMediaServices; accountSid: string; callSid: string; logger: Logger },
  ) {}

  /** Starts recording the parent leg now; the callee's audio joins with `attachChild`. */
  static async start(
    parent: MediaSession,
    request: Pick<DialRequest, 'record' | 'recordingTrack' | 'trim'>,
    context: { services: CallMediaServices; accountSid: string; callSid: string; logger: Logger },
  ): Promise<DialRecording> {
    const { services } = context;
    const recordingSid = newSid('RE');
    const dir = path.join(services.dataDir, 'recordings');
    await mkdir(dir, { recursive: true });
    const dual = request.record.endsWith('-dual');
    const recorder = await WavRecorder.open({ path: path.join(dir, `${recordingSid}.wav`), channels: dual ? 2 : 1, trim: request.trim });
    const recording = new DialRecording(
      recorder, recordingSid, recordingUrl(services, context.accountSid, recordingSid), services.clock.now(), request.recordingTrack, context,
    );
    recording.unsubscribe.push(parent.onAudio((frame) => recording.push(recording.parentFrames, recording.childFrames, frame)));
    return recording;
  }

  get channels(): 1 | 2 {
    return this.recorder.channels;
  }

  /** The callee's audio from now on (once per Dial: the callee that answered, or the one sending early media). */
  attachChild(child: MediaSession): void {
    if (this.child === child || this.stopped) return;
    this.child = child;
    this.unsubscribe.push(child.onAudio((frame) => this.push(this.childFrames, this.parentFrames, frame)));
  }

  /** Ends the recording: durable file, then the `Recording` row. Idempotent. */
  stop(): Promise<DialRecordingResult> {
    this.stopped ??= this.finish();
    return this.stopped;
  }

  private async finish(): Promise<DialRecordingResult> {
    for (const u of this.unsubscribe) u();
    while (this.parentFrames.length > 0 || this.childFrames.length > 0) this.emit(this.parentFrames.shift() ?? null, this.childFrames.shift() ?? null);
    const { services, accountSid, callSid, logger } = this.context;
    let durationSeconds = 0;
    let mediaPath: string | null = path.relative(services.dataDir, this.recorder.path);
    try {
      durationSeconds = Math.round((await this.recorder.stop()).durationSeconds);
    } catch (err) {
      logger.error({ err, recordingSid: this.recordingSid }, 'dial recording could not be made durable');
      mediaPath = null;
    }
    await saveRecording(services, {
      recordingSid: this.recordingSid, accountSid, callSid, startTime: this.startTime, durationSeconds, mediaPath,
      channels: this.channels, source: 'DialVerb', track: this.track,
    });
    return { recordingSid: this.recordingSid, url: this.url, durationSeconds, startTime: this.startTime, channels: this.channels };
  }

  private push(own: Int16Array[], other: Int16Array[], frame: Int16Array): void {
    if (this.stopped) return;
    own.push(Int16Array.from(frame)); // the session reuses its frame buffer
    while (this.parentFrames.length > 0 && this.childFrames.length > 0) this.emit(this.parentFrames.shift()!, this.childFrames.shift()!);
    while (own.length > MAX_SKEW_FRAMES && other.length === 0) {
      const f = own.shift()!;
      if (own === this.parentFrames) this.emit(f, null);
      else this.emit(null, f);
    }
  }

  private emit(parent: Int16Array | null, child: Int16Array | null): void {
    const p = parent ?? SILENCE;
    const c = child ?? SILENCE;
    if (this.recorder.channels === 2) {
      this.recorder.write(p, c);
      return;
    }
    if (this.track === 'inbound') this.recorder.write(p);
    else if (this.track === 'outbound') this.recorder.write(c);
    else {
      for (let i = 0; i < FRAME; i++) this.mixed[i] = Math.max(-32768, Math.min(32767, p[i] + c[i]));
      this.recorder.write(this.mixed);
    }
  }
}

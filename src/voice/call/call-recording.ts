/**
 * A two-track call recording: the audio Patchbay receives on a call ("inbound") and the audio the other side of it
 * hears ("outbound"), mixed into one channel, one track alone, or kept apart in two with inbound on channel 1.
 *
 * - `<Dial record>` (reference §3.2 Dial `record`, `recordingTrack`, `trim`): inbound is the caller (the parent leg),
 *   outbound the callee — "in dual-channel recordings the parent leg is channel 1"; source `DialVerb`.
 * - `POST Calls.json Record=true` (reference §1.2): inbound is the called party, outbound what we send it (prompts
 *   and bridged audio); source `OutboundAPI`.
 *
 * The file is durable and its `Recording` row written before it is reported. The two tracks' frames arrive
 * independently, each on its own clock. They are paired in arrival order; when one side falls more than
 * `MAX_SKEW_FRAMES` behind (it sends nothing: muted, silence suppression, not yet bridged) the other side's frames
 * are written against silence, so the recording keeps real time without waiting for it.
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { type Logger, newSid } from '../../core/index.js';
import { type AudioListener, type TrimMode, WavRecorder } from '../../media/index.js';
import { type CallMediaServices, type RecordingRecord, recordingUrl, saveRecording } from './call-media.js';

const FRAME = 160;
const MAX_SKEW_FRAMES = 5;
const SILENCE = new Int16Array(FRAME);

/** Subscribes to one track's 20 ms frames; returns the unsubscribe function (`MediaSession.onAudio`, `onSentAudio`). */
export type AudioTap = (listener: AudioListener) => () => void;

export interface CallRecordingOptions {
  channels: 1 | 2;
  /** Which track a mono recording keeps; dual-channel recordings keep both. */
  track: 'inbound' | 'outbound' | 'both';
  trim: TrimMode;
  source: RecordingRecord['source'];
}

export interface CallRecordingResult {
  recordingSid: string;
  url: string;
  durationSeconds: number;
  startTime: number;
  channels: 1 | 2;
}

export class CallRecording {
  private readonly inboundFrames: Int16Array[] = [];
  private readonly outboundFrames: Int16Array[] = [];
  private readonly mixed = new Int16Array(FRAME);
  private readonly unsubscribe: Array<() => void> = [];
  private outbound: unknown = null;
  private stopped: Promise<CallRecordingResult> | null = null;

  private constructor(
    private readonly recorder: WavRecorder,
    readonly recordingSid: string,
    readonly url: string,
    readonly startTime: number,
    private readonly options: CallRecordingOptions,
    private readonly context: { services: CallMediaServices; accountSid: string; callSid: string; logger: Logger },
  ) {}

  /** Starts recording the inbound track now; the outbound one joins with `attachOutbound`. */
  static async start(
    inbound: AudioTap,
    options: CallRecordingOptions,
    context: { services: CallMediaServices; accountSid: string; callSid: string; logger: Logger },
  ): Promise<CallRecording> {
    const { services } = context;
    const recordingSid = newSid('RE');
    await mkdir(services.recordingsDir, { recursive: true });
    const recorder = await WavRecorder.open({ path: path.join(services.recordingsDir, `${recordingSid}.wav`), channels: options.channels, trim: options.trim });
    const recording = new CallRecording(
      recorder, recordingSid, recordingUrl(services, context.accountSid, recordingSid), services.clock.now(), options, context,
    );
    recording.unsubscribe.push(inbound((frame) => recording.push(recording.inboundFrames, recording.outboundFrames, frame)));
    return recording;
  }

  get channels(): 1 | 2 {
    return this.recorder.channels;
  }

  /**
   * The outbound track from now on; `source` names where it comes from (a `<Dial>` callee), so that attaching the
   * same one twice does nothing.
   */
  attachOutbound(tap: AudioTap, source: unknown = tap): void {
    if (this.outbound === source || this.stopped) return;
    this.outbound = source;
    this.unsubscribe.push(tap((frame) => this.push(this.outboundFrames, this.inboundFrames, frame)));
  }

  /** Ends the recording: durable file, then the `Recording` row. Idempotent. */
  stop(): Promise<CallRecordingResult> {
    this.stopped ??= this.finish();
    return this.stopped;
  }

  private async finish(): Promise<CallRecordingResult> {
    for (const u of this.unsubscribe) u();
    while (this.inboundFrames.length > 0 || this.outboundFrames.length > 0) this.emit(this.inboundFrames.shift() ?? null, this.outboundFrames.shift() ?? null);
    const { services, accountSid, callSid, logger } = this.context;
    let durationSeconds = 0;
    let mediaPath: string | null = path.basename(this.recorder.path);
    try {
      durationSeconds = Math.round((await this.recorder.stop()).durationSeconds);
    } catch (err) {
      logger.error({ err, recordingSid: this.recordingSid }, 'call recording could not be made durable');
      mediaPath = null;
    }
    await saveRecording(services, {
      recordingSid: this.recordingSid, accountSid, callSid, startTime: this.startTime, durationSeconds, mediaPath,
      channels: this.channels, source: this.options.source, track: this.options.track,
    });
    return { recordingSid: this.recordingSid, url: this.url, durationSeconds, startTime: this.startTime, channels: this.channels };
  }

  private push(own: Int16Array[], other: Int16Array[], frame: Int16Array): void {
    if (this.stopped) return;
    own.push(Int16Array.from(frame)); // the session reuses its frame buffer
    while (this.inboundFrames.length > 0 && this.outboundFrames.length > 0) this.emit(this.inboundFrames.shift()!, this.outboundFrames.shift()!);
    while (own.length > MAX_SKEW_FRAMES && other.length === 0) {
      const f = own.shift()!;
      if (own === this.inboundFrames) this.emit(f, null);
      else this.emit(null, f);
    }
  }

  private emit(inbound: Int16Array | null, outbound: Int16Array | null): void {
    const i1 = inbound ?? SILENCE;
    const o2 = outbound ?? SILENCE;
    if (this.recorder.channels === 2) {
      this.recorder.write(i1, o2);
      return;
    }
    if (this.options.track === 'inbound') this.recorder.write(i1);
    else if (this.options.track === 'outbound') this.recorder.write(o2);
    else {
      for (let i = 0; i < FRAME; i++) this.mixed[i] = Math.max(-32768, Math.min(32767, i1[i] + o2[i]));
      this.recorder.write(this.mixed);
    }
  }
}

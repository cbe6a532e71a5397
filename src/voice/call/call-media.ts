/**
 * What `<Say>`, `<Play>`, `<Pause>`, the Record beep and `<Record>` do to a call's media session: audio through the
 * media cache (fetched URLs, text-to-speech renders) played in the negotiated law; the caller recorded into a
 * durable WAV `<RE sid>.wav` in the recordings directory whose `Recording` row is written before it is reported.
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { type Clock, ErrorCode, type Logger, newSid } from '../../core/index.js';
import {
  type MediaCache, MediaError, type MediaSession, SilenceSource, type TextToSpeechProvider, TtsError, WavRecorder, beepTone,
} from '../../media/index.js';
import type { Store } from '../../store/index.js';
import type { AudioSource, PlayResult, RecordOptions, RecordResult } from '../twiml/call-control.js';

/** Twilio 13520 "Say: Invalid text" (warning): the text was empty or could not be rendered. */
export const SAY_FAILED = 13520;

/** Process-wide services a call's media needs. */
export interface CallMediaServices {
  cache: MediaCache;
  /** Null when no text-to-speech engine is available (every `<Say>` then fails with a Notification). */
  tts: TextToSpeechProvider | null;
  store: Store;
  clock: Clock;
  /**
   * Where recording files go (`PATCHBAY_RECORDINGS_DIR`). A recording's stored `mediaPath` is its file name there, so
   * every node of a cluster that mounts the same storage serves it.
   */
  recordingsDir: string;
  /** Base of absolute URLs (recording media). */
  publicUrl: () => string;
}

/** Reference §9: retrieval failures map to the 11xxx codes, unusable content to 12300. */
export function mediaErrorCode(err: unknown): number {
  if (!(err instanceof MediaError)) return ErrorCode.HttpRetrievalFailure;
  switch (err.kind) {
    case 'invalid-url':
      return ErrorCode.InvalidUrl;
    case 'connection-failed':
    case 'timeout':
      return ErrorCode.HttpConnectionFailure;
    case 'http-status':
    case 'too-large':
      return ErrorCode.HttpRetrievalFailure;
    case 'invalid-content-type':
    case 'unsupported-media':
    case 'corrupt-media':
      return ErrorCode.InvalidContentType;
    default: {
      const never: never = err.kind;
      return never;
    }
  }
}

const message = (err: unknown) => (err instanceof Error ? err.message : String(err));

/** Plays one source; a prompt cut short by `signal` (or by the session closing) is 'interrupted'. */
export async function playSource(session: MediaSession, source: AudioSource, services: CallMediaServices, signal: AbortSignal): Promise<PlayResult> {
  if (signal.aborted || session.isClosed) return { kind: 'interrupted' };
  const outcome = (o: 'finished' | 'stopped'): PlayResult => (o === 'finished' ? { kind: 'finished' } : { kind: 'interrupted' });
  switch (source.kind) {
    case 'url': {
      let media;
      try {
        media = await services.cache.fetchUrl(source.url, { signal });
      } catch (err) {
        if (signal.aborted) return { kind: 'interrupted' };
        return { kind: 'failed', code: mediaErrorCode(err), message: `${source.url}: ${message(err)}` };
      }
      return outcome(await session.playMedia(media, signal));
    }
    case 'say': {
      if (services.tts === null) return { kind: 'failed', code: SAY_FAILED, message: 'no text-to-speech engine is installed (espeak-ng)' };
      let media;
      try {
        media = await services.cache.render(services.tts, { text: source.text, voice: source.voice, language: source.language, signal });
      } catch (err) {
        if (signal.aborted) return { kind: 'interrupted' };
        const kind = err instanceof TtsError ? ` (${err.kind})` : '';
        return { kind: 'failed', code: SAY_FAILED, message: `text to speech failed${kind}: ${message(err)}` };
      }
      return outcome(await session.playMedia(media, signal));
    }
    case 'digits': {
      let sent: Promise<void>;
      try {
        sent = session.sendDigits(source.digits);
      } catch (err) {
        return { kind: 'failed', code: ErrorCode.SchemaValidationWarning, message: `<Play digits>: ${message(err)}` };
      }
      const aborted = new Promise<'aborted'>((resolve) => signal.addEventListener('abort', () => resolve('aborted'), { once: true }));
      return (await Promise.race([sent.then(() => 'sent' as const), aborted])) === 'sent' ? { kind: 'finished' } : { kind: 'interrupted' };
    }
    case 'silence':
      return outcome(await session.play(new SilenceSource(source.ms), signal));
    case 'beep':
      return outcome(await session.play(beepTone(), signal));
    default: {
      const never: never = source;
      throw new Error(`unknown audio source ${JSON.stringify(never)}`);
    }
  }
}

export interface RecordingRecord {
  recordingSid: string;
  accountSid: string;
  callSid: string;
  startTime: number;
  durationSeconds: number;
  /** Relative to the data directory; null when the file could not be made durable (the recording is `absent`). */
  mediaPath: string | null;
  channels: 1 | 2;
  source: 'RecordVerb' | 'DialVerb' | 'OutboundAPI';
  track: 'inbound' | 'outbound' | 'both';
}

/** Writes the `Recording` row of a finished recording (its file is durable already). */
export async function saveRecording(services: CallMediaServices, r: RecordingRecord): Promise<void> {
  const now = services.clock.now();
  await services.store.recordings.create({
    sid: r.recordingSid, accountSid: r.accountSid, callSid: r.callSid, conferenceSid: null, startTime: r.startTime,
    duration: r.durationSeconds, status: r.mediaPath === null ? 'absent' : 'completed', channels: r.channels, source: r.source,
    errorCode: null, track: r.track, price: null, priceUnit: 'USD', mediaPath: r.mediaPath, dateCreated: now, dateUpdated: now,
  });
}

/** The public media URL of a recording (no extension: WAV; reference §1.2 Recordings). */
export function recordingUrl(services: CallMediaServices, accountSid: string, recordingSid: string): string {
  return `${services.publicUrl()}/2010-04-01/Accounts/${accountSid}/Recordings/${recordingSid}`;
}

/** A frame louder than this RMS (PCM16 units, about -40 dBFS) is sound for `<Record timeout>`. */
const SOUND_RMS = 300;

function isSound(frame: Int16Array): boolean {
  let sum = 0;
  for (let i = 0; i < frame.length; i++) sum += frame[i] * frame[i];
  return sum / frame.length >= SOUND_RMS * SOUND_RMS;
}

export interface RecordContext {
  accountSid: string;
  callSid: string;
  /** Fires when the call ends: the recording ends `hangup`. */
  ended: AbortSignal;
  logger: Logger;
}

/**
 * Records the caller (reference §3.2 Record): until a finish key, `timeout` of silence (counted from the start and
 * from the last sound), `maxLength`, hangup or the verb's signal. The file is made durable and its `Recording` row
 * (status completed) written before this resolves (DESIGN: written before it is acknowledged).
 */
export async function recordCaller(
  session: MediaSession, options: RecordOptions, services: CallMediaServices, context: RecordContext,
): Promise<RecordResult> {
  const recordingSid = newSid('RE');
  await mkdir(services.recordingsDir, { recursive: true });
  const file = path.join(services.recordingsDir, `${recordingSid}.wav`);
  const recorder = await WavRecorder.open({ path: file, trim: options.trim });
  const url = recordingUrl(services, context.accountSid, recordingSid);
  const { clock } = services;
  const startTime = clock.now();
  try {
    options.onStarted?.({ recordingSid, url, startTime });
  } catch (err) {
    context.logger.error({ err }, 'recording onStarted listener threw');
  }

  const endedBy = await new Promise<RecordResult['endedBy']>((resolve) => {
    let done = false;
    let silenceTimer: ReturnType<Clock['setTimeout']> | undefined;
    const cleanups: Array<() => void> = [];
    const finish = (why: RecordResult['endedBy']) => {
      if (done) return;
      done = true;
      clock.clearTimeout(silenceTimer);
      for (const c of cleanups) c();
      resolve(why);
    };
    const armSilence = () => {
      if (options.silenceTimeoutMs <= 0) return;
      clock.clearTimeout(silenceTimer);
      silenceTimer = clock.setTimeout(() => finish({ kind: 'silence' }), options.silenceTimeoutMs);
    };
    cleanups.push(session.onAudio((frame) => {
      recorder.write(frame);
      if (isSound(frame)) armSilence();
    }));
    cleanups.push(session.onDtmf((key) => {
      if (options.finishOnKey.includes(key)) finish({ kind: 'key', key });
    }));
    const maxTimer = clock.setTimeout(() => finish({ kind: 'max-length' }), options.maxLengthMs);
    cleanups.push(() => clock.clearTimeout(maxTimer));
    const onEnded = () => finish({ kind: 'hangup' });
    const onAbort = () => finish(context.ended.aborted ? { kind: 'hangup' } : { kind: 'aborted' });
    context.ended.addEventListener('abort', onEnded, { once: true });
    options.signal.addEventListener('abort', onAbort, { once: true });
    cleanups.push(() => context.ended.removeEventListener('abort', onEnded));
    cleanups.push(() => options.signal.removeEventListener('abort', onAbort));
    if (context.ended.aborted) onEnded();
    else if (options.signal.aborted) onAbort();
    else armSilence();
  });

  let durationSeconds = 0;
  let mediaPath: string | null = path.basename(file);
  try {
    const result = await recorder.stop();
    // Twilio reports whole seconds.
    durationSeconds = Math.round(result.durationSeconds);
  } catch (err) {
    context.logger.error({ err, recordingSid }, 'recording could not be made durable');
    mediaPath = null;
  }
  await saveRecording(services, {
    recordingSid, accountSid: context.accountSid, callSid: context.callSid, startTime, durationSeconds, mediaPath,
    channels: 1, source: 'RecordVerb', track: 'inbound',
  });
  return { recordingSid, url, durationSeconds, startTime, endedBy };
}

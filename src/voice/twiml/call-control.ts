/**
 * The narrow interfaces through which TwiML reaches a call (DESIGN "TwiML runs as plain async code"). The SIP and
 * media layers implement them; tests implement them with scripted fakes. Nothing here knows about SIP or RTP.
 */
import type { CallProgressEvent, DialRecord, RecordTrim } from './types.js';
import type { WebhookTarget } from '../webhook/document-fetcher.js';

/** Where a call stands, from the interpreter's point of view. */
export type CallState = 'ringing' | 'early-media' | 'in-progress' | 'ended';

/** What to play; turning it into audio (fetching, TTS, DTMF tones) is the media layer's job. */
export type AudioSource =
  | { kind: 'url'; url: string }
  | { kind: 'say'; text: string; voice: string; language: string }
  /** DTMF digits `0-9 A-D # *`; `w` = 0.5 s pause, `W` = 1 s (reference §3.2 Play). */
  | { kind: 'digits'; digits: string }
  | { kind: 'silence'; ms: number }
  | { kind: 'beep' };

export type PlayResult =
  | { kind: 'finished' }
  /** The signal fired (key press in Gather, hangup, live redirect). */
  | { kind: 'interrupted' }
  /** The audio could not be had (fetch, decode or TTS failure); `code` is Twilio's (e.g. 11200). */
  | { kind: 'failed'; code: number; message: string };

export interface RecordOptions {
  maxLengthMs: number;
  /** Silence that ends the recording; 0 disables (reference §3.2 Record `timeout`). */
  silenceTimeoutMs: number;
  /** Keys that end the recording ('' = none). */
  finishOnKey: string;
  trim: RecordTrim;
  /** Stops the recording at once (hangup, live redirect); what was recorded so far is kept. */
  signal: AbortSignal;
  /** Called once the recording exists, for the `in-progress` recording status callback. */
  onStarted?: (recording: { recordingSid: string; url: string; startTime: number }) => void;
}

export interface RecordResult {
  recordingSid: string;
  /** Recording media URL without extension (WAV; `.mp3` for MP3 — reference §1.2 Recordings). */
  url: string;
  durationSeconds: number;
  startTime: number;
  endedBy:
    | { kind: 'key'; key: string }
    | { kind: 'silence' }
    | { kind: 'max-length' }
    | { kind: 'hangup' }
    | { kind: 'aborted' };
}

/**
 * Answering machine detection on a call we place, once it answers (reference §1.2 Calls create `MachineDetection*`,
 * §3.2 Number `machineDetection*`): `Enable` reports a machine as soon as it is recognised, `DetectMessageEnd` waits
 * for the end of its greeting.
 */
export interface MachineDetectionRequest {
  mode: 'Enable' | 'DetectMessageEnd';
  timeoutSeconds: number;
  speechThresholdMs: number;
  speechEndThresholdMs: number;
  silenceTimeoutMs: number;
  /** Where the result is posted (`AsyncAmdStatusCallback`, `amdStatusCallback`); null: it is only stored on the call. */
  callback: WebhookTarget | null;
}

/** Reference §1.2 and §3.2 Number: each tuning parameter's default and accepted range. */
export const MACHINE_DETECTION_LIMITS = {
  timeoutSeconds: { default: 30, min: 3, max: 60 },
  speechThresholdMs: { default: 2400, min: 1000, max: 6000 },
  speechEndThresholdMs: { default: 1200, min: 500, max: 5000 },
  silenceTimeoutMs: { default: 5000, min: 2000, max: 10_000 },
} as const;

/** One party `<Dial>` rings: a `<Number>` (or plain text) or a `<Sip>` URI (reference §3.2 Number, Sip). */
export interface DialTarget {
  /** E.164 number or `sip:` URI. */
  to: string;
  /** Digest credentials for a `<Sip>` destination that challenges. */
  sipAuth: { username: string; password: string } | null;
  /** Keys sent to the callee once it answers, before the bridge. */
  sendDigits: string | null;
  /** TwiML run on the callee once it answers, before the bridge (the "whisper"). */
  whisper: WebhookTarget | null;
  statusCallback: (WebhookTarget & { events: readonly CallProgressEvent[] }) | null;
  /** `<Number byoc>`: the trunk to leave through. */
  byoc: string | null;
  /** Custom headers for the INVITE (`<Sip>` URI headers and `<Headers>`): `X-` headers and User-to-User only. */
  sipHeaders: ReadonlyArray<readonly [string, string]>;
  /** `machineDetection` on the noun: detection runs on the callee once it answers, the call goes on meanwhile. */
  machineDetection: MachineDetectionRequest | null;
}

export interface DialRequest {
  targets: readonly DialTarget[];
  /** The caller ID the callees see; null = the caller's own. */
  callerId: string | null;
  /** Ringing time per attempt. */
  timeoutMs: number;
  /** Longest bridge. */
  timeLimitMs: number;
  /** The caller pressing `*` drops the callee and the caller goes on. */
  hangupOnStar: boolean;
  record: DialRecord;
  recordingTrack: 'inbound' | 'outbound' | 'both';
  trim: RecordTrim;
  /** Leave the caller unanswered (180/183 with the callee's early media) until the callee answers. */
  answerOnBridge: boolean;
  /** ISO 3166 country of the ringback played while the callees ring; null = the default. */
  ringTone: string | null;
  /** Ring the targets one after another instead of all at once. */
  sequential: boolean;
  /** Fires on hangup or a live redirect of the caller: the callees are dropped at once. */
  signal: AbortSignal;
  /** Called once the recording exists, for the `in-progress` recording status callback. */
  onRecordingStarted?: (recording: { recordingSid: string; url: string; startTime: number; channels: 1 | 2 }) => void;
}

/** Reference §2.5 `<Dial action>`: what became of the dialed party. */
export type DialCallStatus = 'completed' | 'answered' | 'busy' | 'no-answer' | 'failed' | 'canceled';

export interface DialResult {
  status: DialCallStatus;
  /** The callee that answered, else the last one tried; null when nothing could be dialed. */
  childCallSid: string | null;
  /** Seconds the answered callee was connected; null when it was redirected away (reference §2.5). */
  durationSeconds: number | null;
  bridged: boolean;
  recording: { recordingSid: string; url: string; durationSeconds: number; startTime: number; channels: 1 | 2 } | null;
  /** Targets that could not be dialed at all (no route, bad number): Twilio's code and a message for a Notification. */
  errors: ReadonlyArray<{ code: number; message: string }>;
}

export interface CallControl {
  readonly state: CallState;
  /** Fires once, when the call ends for any reason (caller hangup, `hangup()`, `reject()`, REST completion). */
  readonly ended: AbortSignal;
  /** Answers the call (SIP 200 OK). Idempotent once answered. */
  answer(): Promise<void>;
  /** Signals ringing without media (SIP 180). */
  ringing(): Promise<void>;
  /** Optional early media (SIP 183 with SDP) for layers that support it. */
  earlyMedia?(): Promise<void>;
  /** Refuses an unanswered call: `busy` → 486 Busy Here, `rejected` → 603 Decline (reference §3.2 Reject). */
  reject(reason: 'busy' | 'rejected'): Promise<void>;
  /** Ends the call (BYE when answered; a final error response when not). Idempotent. */
  hangup(): Promise<void>;
  /** Plays one source to the caller; resolves when done or interrupted by `signal`. */
  play(source: AudioSource, options: { signal: AbortSignal }): Promise<PlayResult>;
  /** Subscribes to the caller's DTMF (RFC 4733 or SIP INFO); returns the unsubscribe function. */
  onDtmf(listener: (key: string) => void): () => void;
  /** Records the caller until a finish key, silence, max length, hangup or `signal`. */
  record(options: RecordOptions): Promise<RecordResult>;
  /**
   * Rings the targets and bridges the caller to the first that answers, until either side hangs up, the time limit,
   * `*` with hangupOnStar, or `signal`. Absent where no dialer is configured.
   */
  dial?(request: DialRequest): Promise<DialResult>;
}

export interface SpeechRecognitionRequest {
  language: string;
  hints: string | null;
  speechModel: string;
  profanityFilter: boolean;
  enhanced: boolean;
  /** Time to wait for speech to start. */
  timeoutMs: number;
  /** Silence that ends the utterance, or 'auto'. */
  speechTimeoutMs: number | 'auto';
  maxSpeechTimeMs: number | null;
  signal: AbortSignal;
}

export interface SpeechRecognitionResult {
  transcript: string;
  /** 0.0–1.0 when the engine reports one (reference §2.5 Gather). */
  confidence?: number;
}

/** A speech-to-text provider for `<Gather input="speech">`, bound to one call's inbound audio. */
export interface SpeechRecognizer {
  recognize(request: SpeechRecognitionRequest): Promise<SpeechRecognitionResult | null>;
}

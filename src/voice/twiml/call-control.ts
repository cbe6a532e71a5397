/**
 * The narrow interfaces through which TwiML reaches a call (DESIGN "TwiML runs as plain async code"). The SIP and
 * media layers implement them; tests implement them with scripted fakes. Nothing here knows about SIP or RTP.
 */
import type { RecordTrim } from './types.js';

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

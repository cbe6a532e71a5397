/**
 * Typed TwiML verbs and nouns with every default of reference §3.2 applied. URLs are already resolved against the
 * document URL (reference §3.1: "URLs may be relative to the current document").
 */
import type { HttpMethod } from '../webhook/params.js';

export interface TwimlDocument {
  /** The URL the document came from (after redirects); null for inline `Twiml`. */
  readonly url: string | null;
  /** The method that fetched it: Gather/Record `action` default to requesting the same URL the same way. */
  readonly method: HttpMethod;
  readonly verbs: readonly Verb[];
}

export type RecordingStatusEvent = 'in-progress' | 'completed' | 'absent';
export type CallProgressEvent = 'initiated' | 'ringing' | 'answered' | 'completed';

export interface SayVerb {
  readonly verb: 'Say';
  readonly text: string;
  readonly voice: string;
  readonly language: string;
  /** 0 = until hangup (capped at 1000 iterations by the verb). */
  readonly loop: number;
}

export interface PlayVerb {
  readonly verb: 'Play';
  /** Resolved audio URL; null when the verb plays `digits`. */
  readonly url: string | null;
  readonly loop: number;
  /** DTMF to send: `0-9 A-D # *`, `w` = 0.5 s pause, `W` = 1 s. */
  readonly digits: string | null;
}

export interface PauseVerb {
  readonly verb: 'Pause';
  /** Seconds. */
  readonly length: number;
}

export type GatherPrompt = SayVerb | PlayVerb | PauseVerb;

export interface GatherVerb {
  readonly verb: 'Gather';
  /** Null = the current document URL. */
  readonly action: string | null;
  readonly method: HttpMethod;
  readonly input: { readonly dtmf: boolean; readonly speech: boolean };
  /** Seconds to wait for (more) input. */
  readonly timeout: number;
  /** Seconds of silence ending speech, or 'auto'. */
  readonly speechTimeout: number | 'auto';
  /** '' disables the finish key. */
  readonly finishOnKey: string;
  /** Null = unlimited. */
  readonly numDigits: number | null;
  readonly actionOnEmptyResult: boolean;
  readonly language: string;
  readonly hints: string | null;
  readonly partialResultCallback: string | null;
  readonly partialResultCallbackMethod: HttpMethod;
  readonly profanityFilter: boolean;
  readonly speechModel: string;
  readonly enhanced: boolean;
  readonly bargeIn: boolean;
  readonly maxSpeechTime: number | null;
  readonly prompts: readonly GatherPrompt[];
}

export type RecordTrim = 'trim-silence' | 'do-not-trim';

export interface RecordVerb {
  readonly verb: 'Record';
  readonly action: string | null;
  readonly method: HttpMethod;
  /** Seconds of silence that end the recording; 0 disables. */
  readonly timeout: number;
  /** Any of `0-9 # *`; '' = no key ends it. */
  readonly finishOnKey: string;
  /** Seconds. */
  readonly maxLength: number;
  readonly playBeep: boolean;
  readonly trim: RecordTrim;
  readonly recordingStatusCallback: string | null;
  readonly recordingStatusCallbackMethod: HttpMethod;
  readonly recordingStatusCallbackEvent: readonly RecordingStatusEvent[];
  readonly transcribe: boolean;
  readonly transcribeCallback: string | null;
}

export interface RedirectVerb {
  readonly verb: 'Redirect';
  readonly url: string;
  readonly method: HttpMethod;
}

export interface HangupVerb {
  readonly verb: 'Hangup';
}

export interface RejectVerb {
  readonly verb: 'Reject';
  readonly reason: 'rejected' | 'busy';
}

/** `<Parameter name value/>` children (Client, Stream, Hangup, …). */
export interface TwimlParameter {
  readonly name: string;
  readonly value: string;
}

interface CallLegCallbacks {
  readonly url: string | null;
  readonly method: HttpMethod;
  readonly statusCallback: string | null;
  readonly statusCallbackMethod: HttpMethod;
  readonly statusCallbackEvent: readonly CallProgressEvent[];
}

export interface MachineDetectionOptions {
  readonly machineDetection: 'Enable' | 'DetectMessageEnd' | null;
  readonly machineDetectionTimeout: number;
  readonly machineDetectionSpeechThreshold: number;
  readonly machineDetectionSpeechEndThreshold: number;
  readonly machineDetectionSilenceTimeout: number;
  readonly amdStatusCallback: string | null;
  readonly amdStatusCallbackMethod: HttpMethod;
}

export interface NumberNoun extends CallLegCallbacks, MachineDetectionOptions {
  readonly noun: 'Number';
  readonly number: string;
  readonly sendDigits: string | null;
  readonly byoc: string | null;
}

export interface ClientNoun extends CallLegCallbacks {
  readonly noun: 'Client';
  readonly identity: string;
  readonly parameters: readonly TwimlParameter[];
}

export interface SipUri {
  readonly uri: string;
  readonly priority: number | null;
  readonly weight: number | null;
  readonly username: string | null;
  readonly password: string | null;
}

export interface SipNoun extends CallLegCallbacks, MachineDetectionOptions {
  readonly noun: 'Sip';
  readonly uris: readonly SipUri[];
  readonly username: string | null;
  readonly password: string | null;
  readonly headers: readonly TwimlParameter[];
}

export interface ConferenceNoun {
  readonly noun: 'Conference';
  readonly name: string;
  readonly muted: boolean;
  readonly beep: 'true' | 'false' | 'onEnter' | 'onExit';
  readonly startConferenceOnEnter: boolean;
  readonly endConferenceOnExit: boolean;
  readonly participantLabel: string | null;
  readonly jitterBufferSize: 'small' | 'medium' | 'large' | 'off';
  /** Null = Twilio's hold playlist; '' = silence. */
  readonly waitUrl: string | null;
  readonly waitMethod: HttpMethod;
  readonly maxParticipants: number;
  readonly record: 'do-not-record' | 'record-from-start';
  readonly region: string | null;
  readonly trim: RecordTrim;
  readonly coach: string | null;
  readonly statusCallback: string | null;
  readonly statusCallbackMethod: HttpMethod;
  readonly statusCallbackEvent: readonly string[];
  readonly recordingStatusCallback: string | null;
  readonly recordingStatusCallbackMethod: HttpMethod;
  readonly recordingStatusCallbackEvent: readonly RecordingStatusEvent[];
}

export interface QueueNoun {
  readonly noun: 'Queue';
  readonly name: string;
  readonly url: string | null;
  readonly method: HttpMethod;
  readonly reservationSid: string | null;
  readonly postWorkActivitySid: string | null;
}

export type DialNoun = NumberNoun | ClientNoun | SipNoun | ConferenceNoun | QueueNoun;

export type DialRecord = 'do-not-record' | 'record-from-answer' | 'record-from-ringing' | 'record-from-answer-dual' | 'record-from-ringing-dual';

export interface DialVerb {
  readonly verb: 'Dial';
  readonly action: string | null;
  readonly method: HttpMethod;
  readonly timeout: number;
  readonly timeLimit: number;
  readonly callerId: string | null;
  readonly hangupOnStar: boolean;
  readonly record: DialRecord;
  readonly recordingStatusCallback: string | null;
  readonly recordingStatusCallbackMethod: HttpMethod;
  readonly recordingStatusCallbackEvent: readonly RecordingStatusEvent[];
  readonly recordingTrack: 'inbound' | 'outbound' | 'both';
  readonly trim: RecordTrim | null;
  readonly answerOnBridge: boolean;
  readonly ringTone: string | null;
  readonly sequential: boolean;
  readonly callReason: string | null;
  readonly referUrl: string | null;
  readonly referMethod: HttpMethod;
  readonly nouns: readonly DialNoun[];
}

export interface EnqueueTask {
  readonly attributes: string;
  readonly priority: number | null;
  readonly timeout: number | null;
}

export interface EnqueueVerb {
  readonly verb: 'Enqueue';
  readonly name: string;
  readonly action: string | null;
  readonly method: HttpMethod;
  /** Null = Twilio's default playlist; '' = silence. */
  readonly waitUrl: string | null;
  readonly waitUrlMethod: HttpMethod;
  readonly workflowSid: string | null;
  readonly maxQueueSize: number | null;
  readonly task: EnqueueTask | null;
}

export interface LeaveVerb {
  readonly verb: 'Leave';
}

export interface StreamNoun {
  readonly noun: 'Stream';
  readonly url: string;
  readonly name: string | null;
  readonly track: 'inbound_track' | 'outbound_track' | 'both_tracks';
  readonly statusCallback: string | null;
  readonly statusCallbackMethod: HttpMethod;
  readonly connectorName: string | null;
  readonly parameters: readonly TwimlParameter[];
}

/** A noun of Start/Stop/Connect that Patchbay parses by name only (Siprec, Transcription, Room, …). */
export interface OtherNoun {
  readonly noun: 'Other';
  readonly name: string;
  readonly attributes: Readonly<Record<string, string>>;
}

export interface StartVerb {
  readonly verb: 'Start';
  readonly action: string | null;
  readonly method: HttpMethod;
  readonly nouns: readonly (StreamNoun | OtherNoun)[];
}

export interface StopVerb {
  readonly verb: 'Stop';
  readonly nouns: readonly (StreamNoun | OtherNoun)[];
}

export interface ConnectVerb {
  readonly verb: 'Connect';
  readonly action: string | null;
  readonly method: HttpMethod;
  readonly nouns: readonly (StreamNoun | OtherNoun)[];
}

/** Valid TwiML that Patchbay does not implement (Echo, Pay, Refer, Sms): kept so the interpreter can say so. */
export interface UnsupportedVerb {
  readonly verb: 'Unsupported';
  readonly name: string;
}

export type Verb =
  | SayVerb | PlayVerb | PauseVerb | GatherVerb | RecordVerb | RedirectVerb | HangupVerb | RejectVerb
  | DialVerb | EnqueueVerb | LeaveVerb | StartVerb | StopVerb | ConnectVerb | UnsupportedVerb;

export type VerbName = Verb['verb'];

/**
 * A scripted `CallControl`: records what was played and done, delivers DTMF when a Gather starts listening, returns
 * scripted recordings. No sockets, no media.
 */
import type { FakeClock } from '../../../src/core/index.js';
import type {
  AudioSource, CallControl, CallState, PlayResult, RecordOptions, RecordResult,
} from '../../../src/voice/twiml/call-control.js';
import type { DocumentLoader, DocumentRequest, DocumentResult } from '../../../src/voice/webhook/document-fetcher.js';
import { parseTwiml } from '../../../src/voice/twiml/parser.js';
import type { CallNotifier } from '../../../src/voice/notifications.js';

export type PlayBehaviour = 'finish' | 'block' | PlayResult;

export interface ScriptedRecording {
  durationSeconds: number;
  endedBy: RecordResult['endedBy'] | 'block';
  /** Hang the caller up while recording. */
  hangupDuring?: boolean;
}

export function describe(source: AudioSource): string {
  switch (source.kind) {
    case 'say': return `say:${source.text}`;
    case 'url': return `url:${source.url}`;
    case 'digits': return `digits:${source.digits}`;
    case 'silence': return `silence:${source.ms}`;
    case 'beep': return 'beep';
  }
}

export class FakeCall implements CallControl {
  state: CallState = 'ringing';
  readonly log: string[] = [];
  /** How a play behaves; default: finishes at once. */
  onPlay: (source: AudioSource) => PlayBehaviour = () => 'finish';
  /** One entry per DTMF subscription (each Gather): keys to press, delivered after subscribing. */
  readonly dtmfScript: Array<string | ((call: FakeCall) => void)> = [];
  readonly recordings: ScriptedRecording[] = [];
  private readonly end = new AbortController();
  private readonly listeners = new Set<(key: string) => void>();
  private recordingCount = 0;

  constructor(private readonly clock?: FakeClock) {}

  get ended(): AbortSignal {
    return this.end.signal;
  }

  async answer(): Promise<void> {
    if (this.state === 'in-progress') return;
    this.log.push('answer');
    this.state = 'in-progress';
  }

  async ringing(): Promise<void> {
    this.log.push('ringing');
  }

  async reject(reason: 'busy' | 'rejected'): Promise<void> {
    this.log.push(`reject:${reason}`);
    this.finish();
  }

  async hangup(): Promise<void> {
    if (this.state === 'ended') return;
    this.log.push('hangup');
    this.finish();
  }

  /** The caller hangs up. */
  remoteHangup(): void {
    this.log.push('remote-hangup');
    this.finish();
  }

  private finish(): void {
    this.state = 'ended';
    this.end.abort(new Error('call ended'));
  }

  async play(source: AudioSource, options: { signal: AbortSignal }): Promise<PlayResult> {
    this.log.push(describe(source));
    const behaviour = this.onPlay(source);
    if (behaviour === 'finish') return { kind: 'finished' };
    if (behaviour !== 'block') return behaviour;
    if (options.signal.aborted) return { kind: 'interrupted' };
    return new Promise((resolve) => options.signal.addEventListener('abort', () => resolve({ kind: 'interrupted' }), { once: true }));
  }

  onDtmf(listener: (key: string) => void): () => void {
    this.listeners.add(listener);
    const next = this.dtmfScript.shift();
    if (next !== undefined) {
      queueMicrotask(() => (typeof next === 'string' ? this.press(next) : next(this)));
    }
    return () => this.listeners.delete(listener);
  }

  /** The caller presses keys (delivered at once, in order). */
  press(keys: string): void {
    for (const key of keys) for (const l of [...this.listeners]) l(key);
  }

  get listening(): number {
    return this.listeners.size;
  }

  async record(options: RecordOptions): Promise<RecordResult> {
    const n = ++this.recordingCount;
    this.log.push('record');
    const script = this.recordings.shift() ?? { durationSeconds: 3, endedBy: { kind: 'silence' } };
    const base = {
      recordingSid: `RE${String(n).padStart(32, '0')}`,
      url: `https://api.example.com/2010-04-01/Accounts/AC1/Recordings/RE${String(n).padStart(32, '0')}`,
      startTime: this.clock?.now() ?? 0,
    };
    options.onStarted?.(base);
    if (script.hangupDuring) {
      queueMicrotask(() => this.remoteHangup());
    }
    if (script.endedBy === 'block' || script.hangupDuring) {
      await new Promise<void>((resolve) => {
        if (options.signal.aborted) resolve();
        else options.signal.addEventListener('abort', () => resolve(), { once: true });
      });
      return { ...base, durationSeconds: script.durationSeconds, endedBy: this.state === 'ended' ? { kind: 'hangup' } : { kind: 'aborted' } };
    }
    return { ...base, durationSeconds: script.durationSeconds, endedBy: script.endedBy };
  }
}

export interface LoaderRequest {
  url: string;
  method: string;
  params: Record<string, string>;
}

/** Serves TwiML from a map of URL → TwiML text (or a function of the request); records every request. */
export class FakeLoader implements DocumentLoader {
  readonly requests: LoaderRequest[] = [];
  readonly documents = new Map<string, string | ((req: LoaderRequest) => string | DocumentResult)>();

  constructor(private readonly notifier?: CallNotifier) {}

  async fetch(request: DocumentRequest): Promise<DocumentResult> {
    const req = { url: request.url, method: request.method, params: { ...request.params } };
    this.requests.push(req);
    const doc = this.documents.get(request.url);
    if (doc === undefined) return { kind: 'application-error', code: 11200 };
    const body = typeof doc === 'function' ? doc(req) : doc;
    if (typeof body !== 'string') return body;
    const parsed = parseTwiml(body, { documentUrl: request.url, method: request.method });
    if (!parsed.ok) return { kind: 'application-error', code: parsed.error.code };
    for (const w of parsed.warnings) this.notifier?.notify(w);
    return { kind: 'twiml', document: parsed.document };
  }
}

/** Lets async work run, advancing fake time only when nothing else can happen, until `promise` settles. */
export async function drive<T>(promise: Promise<T>, clock: FakeClock, stepMs = 250, maxRealMs = 10_000): Promise<T> {
  let settled = false;
  void promise.then(
    () => (settled = true),
    () => (settled = true),
  );
  // Real time bounds the loop only so that a hung test fails instead of spinning forever; no assertion uses it.
  const giveUpAt = Date.now() + maxRealMs;
  while (!settled && Date.now() < giveUpAt) {
    await new Promise((resolve) => setImmediate(resolve));
    if (!settled && clock.pendingCount > 0) clock.advance(stepMs);
  }
  if (!settled) throw new Error('drive: the promise did not settle');
  return promise;
}

/**
 * Runs a call's TwiML (reference §3.1): fetch a document, run its verbs top to bottom, follow `action` and
 * `<Redirect>` requests into new documents, hang up when a document runs out of verbs. Each verb runs with an
 * AbortSignal that fires on hangup or on a live redirect (`redirect()`, the REST `Url`/`Twiml` update), which stops
 * the verb at once and runs the new document instead.
 *
 * The call is reached only through `CallControl`; documents only through `DocumentFetcher`.
 */
import { type Clock, ErrorCode, type Logger, silentLogger } from '../../core/index.js';
import type { CallNotifier } from '../notifications.js';
import { APPLICATION_ERROR_MESSAGE, type DocumentLoader, type DocumentResult, type WebhookTarget } from '../webhook/document-fetcher.js';
import { type StandardCallParameters, type WebhookParams, standardParams } from '../webhook/params.js';
import type { CallbackQueue } from '../webhook/status-callback-sender.js';
import type { CallControl, SpeechRecognizer } from './call-control.js';
import { parseTwiml } from './parser.js';
import type { TwimlDocument, Verb } from './types.js';
import type { VerbContext, VerbDefinition, VerbOutcome, VerbRegistry } from './verb.js';
import { defaultVerbs } from './verbs/index.js';

/** Where the next document comes from: a URL to request, or TwiML given inline (REST `Twiml`). */
export type DocumentSource =
  | { kind: 'url'; url: string; method: WebhookTarget['method']; params?: WebhookParams }
  | { kind: 'twiml'; twiml: string };

export type InterpreterResult =
  /** Patchbay hung up: a `<Hangup>`, the end of a document, an audio/text response played, or an application error. */
  | { kind: 'hangup'; reason: 'hangup-verb' | 'end-of-document' | 'played-response' | 'application-error' }
  /** The call ended from outside (caller hangup, REST `Status=completed`) while TwiML ran. */
  | { kind: 'call-ended' }
  /** `<Reject>` before answering: `busy` ends the call `busy`, `rejected` ends it `no-answer` (reference §3.2). */
  | { kind: 'rejected'; reason: 'busy' | 'rejected'; callStatus: 'busy' | 'no-answer' };

export interface TwimlInterpreterOptions {
  call: CallControl;
  fetcher: DocumentLoader;
  notifier: CallNotifier;
  clock: Clock;
  accountSid: string;
  callSid: string;
  /** The standard request parameters as they are now (reference §2.1); read before every request. */
  parameters: () => StandardCallParameters;
  registry?: VerbRegistry;
  speech?: SpeechRecognizer | null;
  /** Recording status callbacks are queued here (never awaited). */
  statusCallbacks?: { sender: CallbackQueue; authToken: string } | null;
  logger?: Logger;
}

type DocumentOutcome =
  | { kind: 'request'; target: WebhookTarget; params: WebhookParams }
  | { kind: 'redirected' }
  | InterpreterResult;

export class TwimlInterpreter {
  private readonly registry: VerbRegistry;
  private readonly logger: Logger;
  private pending: DocumentSource | null = null;
  private step: AbortController | null = null;
  private started = false;

  constructor(private readonly options: TwimlInterpreterOptions) {
    this.registry = options.registry ?? defaultVerbs;
    this.logger = (options.logger ?? silentLogger()).child({ callSid: options.callSid });
  }

  /**
   * Live control: stop whatever runs now (a verb, or a document request) and run `source` instead.
   * Takes effect at once; the last call wins if several arrive together.
   */
  redirect(source: DocumentSource): void {
    this.pending = source;
    this.step?.abort(new Error('redirected'));
  }

  /** Runs the call's TwiML from `start` until the call ends. Call once. */
  async run(start: DocumentSource): Promise<InterpreterResult> {
    if (this.started) throw new Error('TwimlInterpreter.run() may be called once');
    this.started = true;
    const { call } = this.options;
    let source: DocumentSource = start;
    for (;;) {
      if (call.ended.aborted) return { kind: 'call-ended' };
      if (this.pending) source = this.takePending();
      const loaded = await this.load(source);
      if (this.pending) {
        source = this.takePending();
        continue;
      }
      if (call.ended.aborted) return { kind: 'call-ended' };
      const outcome = await this.runLoaded(loaded);
      if (outcome.kind === 'redirected') {
        source = this.takePending();
        continue;
      }
      if (outcome.kind === 'request') {
        source = { kind: 'url', url: outcome.target.url, method: outcome.target.method, params: outcome.params };
        continue;
      }
      return outcome;
    }
  }

  private takePending(): DocumentSource {
    const next = this.pending!;
    this.pending = null;
    return next;
  }

  /** A fresh AbortController for one step, also aborted when the call ends. */
  private newStep(): AbortController {
    const step = new AbortController();
    const { ended } = this.options.call;
    if (ended.aborted) step.abort(ended.reason);
    else {
      const onEnd = () => step.abort(ended.reason);
      ended.addEventListener('abort', onEnd, { once: true });
      step.signal.addEventListener('abort', () => ended.removeEventListener('abort', onEnd), { once: true });
    }
    this.step = step;
    return step;
  }

  private releaseStep(step: AbortController): void {
    if (this.step === step) this.step = null;
    if (!step.signal.aborted) step.abort(new Error('step finished')); // detaches the `ended` listener
  }

  private requestParams(extra: WebhookParams | undefined): WebhookParams {
    return { ...standardParams(this.options.parameters()), ...(extra ?? {}) };
  }

  private async load(source: DocumentSource): Promise<DocumentResult> {
    if (source.kind === 'twiml') {
      const parsed = parseTwiml(source.twiml, { documentUrl: null });
      if (!parsed.ok) {
        this.options.notifier.notify(parsed.error);
        return { kind: 'application-error', code: parsed.error.code };
      }
      for (const w of parsed.warnings) this.options.notifier.notify(w);
      return { kind: 'twiml', document: parsed.document };
    }
    const step = this.newStep();
    try {
      return await this.options.fetcher.fetch({ url: source.url, method: source.method, params: this.requestParams(source.params), signal: step.signal });
    } finally {
      this.releaseStep(step);
    }
  }

  private async runLoaded(loaded: DocumentResult): Promise<DocumentOutcome> {
    switch (loaded.kind) {
      case 'twiml':
        return this.runDocument(loaded.document);
      case 'play':
        return this.playAndHangUp({ kind: 'url', url: loaded.url });
      case 'say':
        return this.playAndHangUp({ kind: 'say', text: loaded.text, voice: 'man', language: 'en-US' });
      case 'application-error':
        await this.playAndHangUp({ kind: 'say', text: APPLICATION_ERROR_MESSAGE, voice: 'man', language: 'en-US' });
        return { kind: 'hangup', reason: 'application-error' };
      case 'aborted':
        return this.pending ? { kind: 'redirected' } : { kind: 'call-ended' };
      default: {
        const never: never = loaded;
        throw new Error(`unknown document result ${JSON.stringify(never)}`);
      }
    }
  }

  /** Reference §3.1 "Response MIME": audio is played and text read aloud, then the call hangs up. */
  private async playAndHangUp(source: Parameters<CallControl['play']>[0]): Promise<DocumentOutcome> {
    const { call } = this.options;
    const step = this.newStep();
    try {
      if (call.state !== 'in-progress') await call.answer();
      if (!step.signal.aborted) await call.play(source, { signal: step.signal });
    } finally {
      this.releaseStep(step);
    }
    if (this.pending) return { kind: 'redirected' };
    if (call.ended.aborted) return { kind: 'call-ended' };
    await call.hangup();
    return { kind: 'hangup', reason: 'played-response' };
  }

  private async runDocument(document: TwimlDocument): Promise<DocumentOutcome> {
    const { call, notifier } = this.options;
    for (const verb of document.verbs) {
      const definition = this.registry[verb.verb] as VerbDefinition<Verb> | undefined;
      if (!definition) {
        const name = verb.verb === 'Unsupported' ? verb.name : verb.verb;
        notifier.warn(ErrorCode.SchemaValidationWarning, `<${name}> is valid TwiML that this server does not run yet; skipped`, { requestUrl: document.url });
        continue;
      }
      if (call.ended.aborted) return { kind: 'call-ended' };
      const step = this.newStep();
      let outcome: VerbOutcome;
      try {
        if (definition.needs === 'answered' && call.state !== 'in-progress') await call.answer();
        outcome = step.signal.aborted ? { kind: 'aborted' } : await definition.run(verb, this.context(step.signal, document));
      } catch (err) {
        this.logger.error({ err, verb: verb.verb }, 'verb failed');
        if (this.pending) return { kind: 'redirected' };
        if (call.ended.aborted) return { kind: 'call-ended' };
        await call.hangup();
        return { kind: 'hangup', reason: 'application-error' };
      } finally {
        this.releaseStep(step);
      }

      if (this.pending) return { kind: 'redirected' };
      if (call.ended.aborted) {
        // Record's action is requested even after hangup (reference §2.5 `Digits=hangup`); its answer is not run.
        if (outcome.kind === 'request' && outcome.evenAfterHangup) {
          await this.options.fetcher.fetch({ ...outcome.target, params: this.requestParams(outcome.params) });
        }
        return { kind: 'call-ended' };
      }
      switch (outcome.kind) {
        case 'next':
        case 'aborted':
          continue;
        case 'request':
          return { kind: 'request', target: outcome.target, params: outcome.params };
        case 'hangup':
          await call.hangup();
          return { kind: 'hangup', reason: 'hangup-verb' };
        case 'reject':
          if (call.state === 'ringing' || call.state === 'early-media') {
            await call.reject(outcome.reason);
            return { kind: 'rejected', reason: outcome.reason, callStatus: outcome.reason === 'busy' ? 'busy' : 'no-answer' };
          }
          // Reference §3.2 Reject: only the first verb prevents answering; later it can only end the call.
          await call.hangup();
          return { kind: 'hangup', reason: 'hangup-verb' };
        default: {
          const never: never = outcome;
          throw new Error(`unknown verb outcome ${JSON.stringify(never)}`);
        }
      }
    }
    // Reference §3.1: when the document runs out of verbs the call hangs up.
    await call.hangup();
    return { kind: 'hangup', reason: 'end-of-document' };
  }

  private context(signal: AbortSignal, document: TwimlDocument): VerbContext {
    const o = this.options;
    return {
      call: o.call,
      signal,
      clock: o.clock,
      document,
      notifier: o.notifier,
      speech: o.speech ?? null,
      accountSid: o.accountSid,
      callSid: o.callSid,
      recordingStatus: (target, params) => {
        if (!o.statusCallbacks) {
          this.logger.warn({ url: target.url }, 'no status callback sender configured; recording status callback not sent');
          return;
        }
        o.statusCallbacks.sender.enqueue({ ...target, accountSid: o.accountSid, callSid: o.callSid, authToken: o.statusCallbacks.authToken }, params);
      },
    };
  }
}

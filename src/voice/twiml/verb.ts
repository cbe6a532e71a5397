/**
 * The contract between the interpreter and the verbs (STYLE item 11): each verb declares what it `needs`, receives
 * a narrow `VerbContext`, and returns a discriminated-union `VerbOutcome`. Verbs never fetch documents, answer,
 * reject or hang up themselves: they say so in their outcome and the interpreter does it.
 */
import type { Clock } from '../../core/index.js';
import type { CallNotifier } from '../notifications.js';
import type { WebhookParams } from '../webhook/params.js';
import type { WebhookTarget } from '../webhook/document-fetcher.js';
import type { CallControl, SpeechRecognizer } from './call-control.js';
import type { TwimlDocument, Verb, VerbName } from './types.js';

/**
 * - `nothing`: runs whatever the call state (Pause, Redirect, Hangup).
 * - `answered`: the interpreter answers first (Say, Play, Gather, Record).
 * - `unanswered`: the interpreter must not answer first (Reject).
 */
export type VerbNeeds = 'nothing' | 'answered' | 'unanswered';

export interface VerbContext {
  readonly call: CallControl;
  /** Fires on hangup or a live redirect: stop at once. */
  readonly signal: AbortSignal;
  readonly clock: Clock;
  /** The document being run: the default `action` of Gather and Record is its URL. */
  readonly document: TwimlDocument;
  readonly notifier: CallNotifier;
  /** Null when no speech-to-text provider is configured. */
  readonly speech: SpeechRecognizer | null;
  readonly accountSid: string;
  readonly callSid: string;
  /** Queues a recording status callback (reference §2.4); never waits. */
  recordingStatus(target: WebhookTarget, params: WebhookParams): void;
}

export type VerbOutcome =
  | { kind: 'next' }
  /**
   * Request a new document (an `action` or `<Redirect>`); `params` are the verb's own (reference §2.5) and the
   * interpreter adds the standard ones. With `evenAfterHangup`, the request is made even when the call has ended
   * (Record's action on hangup), but its document is not run.
   */
  | { kind: 'request'; target: WebhookTarget; params: WebhookParams; evenAfterHangup?: boolean }
  | { kind: 'hangup' }
  | { kind: 'reject'; reason: 'busy' | 'rejected' }
  /** The signal fired before the verb completed. */
  | { kind: 'aborted' };

export interface VerbDefinition<V extends Verb = Verb> {
  readonly needs: VerbNeeds;
  run(verb: V, ctx: VerbContext): Promise<VerbOutcome>;
}

/** Verb name → definition; a name without an entry is valid TwiML that this interpreter does not run (yet). */
export type VerbRegistry = { readonly [K in VerbName]?: VerbDefinition<Extract<Verb, { verb: K }>> };

/** Resolves after `ms` on `clock`, or early (with false) when `signal` fires. */
export function sleep(clock: Clock, ms: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const onAbort = () => {
      clock.clearTimeout(timer);
      resolve(false);
    };
    const timer = clock.setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** The URL an `action` goes to: the attribute, else the current document (reference §3.1 fall-through rules). */
export function actionTarget(action: string | null, method: WebhookTarget['method'], ctx: VerbContext): WebhookTarget | null {
  const url = action ?? ctx.document.url;
  return url === null ? null : { url, method };
}

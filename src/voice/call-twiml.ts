/**
 * Wiring for one call's TwiML: the per-call cookie jar, the Notifications scope, the document fetcher with the
 * application's fallback URL, and the interpreter — so the router only supplies the call and its application.
 */
import type { Clock, Logger } from '../core/index.js';
import { CallNotifier, type NotificationSink } from './notifications.js';
import { type InterpreterResult, TwimlInterpreter } from './twiml/interpreter.js';
import type { CallControl, SpeechRecognizer } from './twiml/call-control.js';
import type { VerbRegistry } from './twiml/verb.js';
import { CookieJar } from './webhook/cookie-jar.js';
import { DocumentFetcher, type WebhookTarget } from './webhook/document-fetcher.js';
import type { StandardCallParameters } from './webhook/params.js';
import type { CallbackQueue } from './webhook/status-callback-sender.js';
import type { WebhookClient } from './webhook/webhook-client.js';

/** Process-wide services, built once by the composition root. */
export interface VoiceWebhookServices {
  client: WebhookClient;
  notifications: NotificationSink;
  /** Usually the `StatusCallbackSender`. */
  callbacks: CallbackQueue;
  clock: Clock;
  logger?: Logger;
  speech?: SpeechRecognizer | null;
  registry?: VerbRegistry;
}

/** One call and the application that answers it (VoiceUrl / VoiceFallbackUrl of the number or Application). */
export interface CallTwimlOptions {
  call: CallControl;
  accountSid: string;
  callSid: string;
  /** The account's Auth Token: signs every request of the call. */
  authToken: string;
  parameters: () => StandardCallParameters;
  voice: WebhookTarget;
  fallback?: WebhookTarget | null;
}

export interface CallTwiml {
  readonly interpreter: TwimlInterpreter;
  readonly cookies: CookieJar;
  readonly notifier: CallNotifier;
  /** Starts the call's TwiML at its voice URL; resolves when the call is over for the interpreter. */
  run(): Promise<InterpreterResult>;
}

export function createCallTwiml(services: VoiceWebhookServices, options: CallTwimlOptions): CallTwiml {
  const cookies = new CookieJar();
  const notifier = new CallNotifier(services.notifications, { accountSid: options.accountSid, callSid: options.callSid }, services.clock, (err) =>
    services.logger?.error({ err, callSid: options.callSid }, 'notification sink failed'),
  );
  const fetcher = new DocumentFetcher({ client: services.client, notifier, authToken: options.authToken, cookies, fallback: options.fallback ?? null });
  const interpreter = new TwimlInterpreter({
    call: options.call,
    fetcher,
    notifier,
    clock: services.clock,
    accountSid: options.accountSid,
    callSid: options.callSid,
    parameters: options.parameters,
    registry: services.registry,
    speech: services.speech ?? null,
    statusCallbacks: { sender: services.callbacks, authToken: options.authToken },
    logger: services.logger,
  });
  return {
    interpreter,
    cookies,
    notifier,
    run: () => interpreter.run({ kind: 'url', url: options.voice.url, method: options.voice.method }),
  };
}

/**
 * Notifications raised while a call runs: webhook failures and TwiML warnings (reference §1.2 Notifications, §9).
 * Voice code builds complete `Notification` rows and hands them to a `NotificationSink`; the composition root
 * implements the sink over `store.notifications`, tests over an array.
 */
import { type Clock, ErrorCode, newSid } from '../core/index.js';
import type { Notification } from '../store/index.js';

/**
 * TwiML verb codes that `core/`'s catalogue does not (yet) hold. Each was read on its page under
 * https://www.twilio.com/docs/api/errors/<code>; all are warnings there except 13338, which the page logs as an error.
 */
export const TwimlErrorCode = {
  DialInvalidTimeout: 13212,
  DialInvalidRecord: 13217,
  DialInvalidPhoneNumber: 13223,
  DialUnsupportedNumber: 13224,
  GatherInvalidFinishOnKey: 13310,
  GatherInvalidTimeout: 13313,
  GatherInvalidNumDigits: 13314,
  GatherSayInvalidLoop: 13322,
  GatherInvalidSpeechTimeout: 13327,
  GatherInvalidHints: 13330,
  GatherInvalidActionOnEmptyResult: 13338,
  PlayInvalidLoop: 13410,
  SayInvalidLoop: 13510,
  RecordInvalidTimeout: 13611,
  RecordInvalidFinishOnKey: 13613,
  RecordInvalidRecordingStatusCallbackEvent: 13621,
  PauseInvalidLength: 13910,
  /** "Invalid Answering Machine Detection Parameters": the Calls API's `AsyncAmd*` on `<Dial><Number>` or `<Sip>`. */
  InvalidAmdParameters: 21263,
} as const;

/** Every code a voice Notification may carry. */
export const VoiceErrorCode = {
  InvalidUrl: ErrorCode.InvalidUrl,
  HttpRetrievalFailure: ErrorCode.HttpRetrievalFailure,
  HttpConnectionFailure: ErrorCode.HttpConnectionFailure,
  HttpProtocolViolation: ErrorCode.HttpProtocolViolation,
  HttpBadHostName: ErrorCode.HttpBadHostName,
  HttpTooManyRedirects: ErrorCode.HttpTooManyRedirects,
  DocumentParseFailure: ErrorCode.DocumentParseFailure,
  SchemaValidationWarning: ErrorCode.SchemaValidationWarning,
  InvalidContentType: ErrorCode.InvalidContentType,
  ...TwimlErrorCode,
} as const;

export type VoiceErrorCodeValue = (typeof VoiceErrorCode)[keyof typeof VoiceErrorCode];

/** Notification `log` values: 0 = error, 1 = warning (reference §1.2 Notifications). */
export type NotificationLogLevel = 'error' | 'warning';

/** Where voice code writes Notifications. `record` must not throw into the call; implementations log their own failures. */
export interface NotificationSink {
  record(notification: Notification): void | Promise<void>;
}

/** An array-backed sink for tests and for collecting the warnings of one parse. */
export class MemoryNotificationSink implements NotificationSink {
  readonly notifications: Notification[] = [];
  record(notification: Notification): void {
    this.notifications.push(notification);
  }
  codes(): number[] {
    return this.notifications.map((n) => Number(n.errorCode));
  }
}

/** What went wrong, before it is bound to an account, a call and a time. */
export interface NotificationDraft {
  code: number;
  level: NotificationLogLevel;
  message: string;
  requestUrl?: string | null;
  requestMethod?: string | null;
  /** Form-encoded request parameters (as Twilio's debugger shows them). */
  requestVariables?: string | null;
  responseBody?: string | null;
  /** Form-encoded response headers, e.g. `Content-Type=text%2Fplain`. */
  responseHeaders?: string | null;
}

/** The account and call a Notification belongs to. */
export interface NotificationScope {
  accountSid: string;
  callSid: string | null;
}

/** Turns a draft into the stored row shape. */
export function toNotification(draft: NotificationDraft, scope: NotificationScope, clock: Clock): Notification {
  const now = clock.now();
  return {
    sid: newSid('NO'),
    accountSid: scope.accountSid,
    callSid: scope.callSid,
    apiVersion: '2010-04-01',
    errorCode: String(draft.code),
    log: draft.level === 'error' ? '0' : '1',
    messageDate: now,
    messageText: draft.message,
    moreInfo: `https://www.twilio.com/docs/errors/${draft.code}`,
    requestMethod: draft.requestMethod ?? null,
    requestUrl: draft.requestUrl ?? null,
    requestVariables: draft.requestVariables ?? null,
    responseBody: draft.responseBody ?? null,
    responseHeaders: draft.responseHeaders ?? null,
    dateCreated: now,
    dateUpdated: now,
  };
}

/** A sink bound to one call: what verbs and fetchers use, so they never handle SIDs or clocks. */
export class CallNotifier {
  constructor(
    private readonly sink: NotificationSink,
    private readonly scope: NotificationScope,
    private readonly clock: Clock,
    private readonly onSinkError: (err: unknown) => void = () => {},
  ) {}

  notify(draft: NotificationDraft): void {
    try {
      const result = this.sink.record(toNotification(draft, this.scope, this.clock));
      if (result instanceof Promise) result.catch(this.onSinkError);
    } catch (err) {
      this.onSinkError(err);
    }
  }

  warn(code: number, message: string, extra: Omit<NotificationDraft, 'code' | 'level' | 'message'> = {}): void {
    this.notify({ code, level: 'warning', message, ...extra });
  }

  error(code: number, message: string, extra: Omit<NotificationDraft, 'code' | 'level' | 'message'> = {}): void {
    this.notify({ code, level: 'error', message, ...extra });
  }
}

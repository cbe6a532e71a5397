/**
 * Fetching the TwiML that drives a call (reference §3.1): one request through the `WebhookClient`, the response
 * classified by Content-Type, parsed, and — when the primary URL fails (connection error, timeout, non-2xx, bad
 * Content-Type, invalid TwiML) — the fallback URL requested with `ErrorCode` and `ErrorUrl` added. When that fails
 * too the result is an application error, which the caller announces before hanging up. Every failure and every
 * schema warning becomes a Notification of the call.
 */
import { ErrorCode } from '../../core/index.js';
import type { CallNotifier, NotificationDraft } from '../notifications.js';
import { parseTwiml } from '../twiml/parser.js';
import type { TwimlDocument } from '../twiml/types.js';
import type { CookieJar } from './cookie-jar.js';
import { type HttpMethod, type WebhookParams, formEncode } from './params.js';
import type { WebhookClient, WebhookResponse } from './webhook-client.js';

export interface WebhookTarget {
  url: string;
  method: HttpMethod;
}

export interface DocumentRequest extends WebhookTarget {
  /** Standard parameters (reference §2.1) plus the verb's own (§2.5). */
  params: WebhookParams;
  signal?: AbortSignal;
}

export type DocumentResult =
  | { kind: 'twiml'; document: TwimlDocument }
  /** `audio/*`: play the URL, then hang up (reference §3.1 "Response MIME"). */
  | { kind: 'play'; url: string }
  /** `text/plain` that is not TwiML: read it aloud, then hang up. */
  | { kind: 'say'; text: string }
  /** Primary and fallback both failed: "an application error has occurred", then hang up. */
  | { kind: 'application-error'; code: number }
  /** The caller aborted (hangup or live redirect): nothing to do, nothing recorded. */
  | { kind: 'aborted' };

export interface DocumentFetcherOptions {
  client: WebhookClient;
  notifier: CallNotifier;
  authToken: string;
  cookies: CookieJar;
  /** The application's fallback (VoiceFallbackUrl / FallbackUrl); none → a failure is an application error. */
  fallback?: WebhookTarget | null;
}

type Attempt = { ok: true; result: Exclude<DocumentResult, { kind: 'application-error' }> } | { ok: false; code: number; url: string };

/** The Twilio error message the caller hears when nothing usable came back. */
export const APPLICATION_ERROR_MESSAGE = 'We are sorry, an application error has occurred. Goodbye.';

const TWIML_TYPES = new Set(['text/xml', 'application/xml', 'text/html']);

/** What the interpreter needs from a fetcher: one document per request, fallback and Notifications included. */
export interface DocumentLoader {
  fetch(request: DocumentRequest): Promise<DocumentResult>;
}

export class DocumentFetcher implements DocumentLoader {
  constructor(private readonly options: DocumentFetcherOptions) {}

  get cookies(): CookieJar {
    return this.options.cookies;
  }

  async fetch(request: DocumentRequest): Promise<DocumentResult> {
    const first = await this.attempt(request, request.params);
    if (first.ok) return first.result;
    const fallback = this.options.fallback;
    if (!fallback) return { kind: 'application-error', code: first.code };
    // The fallback request carries what went wrong (Twilio's VoiceFallbackUrl request: ErrorCode, ErrorUrl).
    const second = await this.attempt({ ...fallback, signal: request.signal }, { ...request.params, ErrorCode: String(first.code), ErrorUrl: first.url });
    if (second.ok) return second.result;
    return { kind: 'application-error', code: second.code };
  }

  private async attempt(target: WebhookTarget & { signal?: AbortSignal }, params: WebhookParams): Promise<Attempt> {
    const { client, notifier, authToken, cookies } = this.options;
    const res = await client.send({ url: target.url, method: target.method, params, authToken, cookies, signal: target.signal });
    const request = { requestUrl: target.url, requestMethod: target.method, requestVariables: formEncode(params) };
    if (!res.ok) {
      if (res.code === null) return { ok: true, result: { kind: 'aborted' } };
      notifier.error(res.code, res.message, {
        ...request,
        requestUrl: res.url,
        requestMethod: res.method,
        responseBody: res.body ?? null,
        responseHeaders: res.headers ? formEncode(res.headers) : null,
      });
      return { ok: false, code: res.code, url: target.url };
    }
    const response = { responseBody: res.body, responseHeaders: formEncode(res.headers), requestUrl: res.requestUrl, requestMethod: res.method };
    const fail = (code: number, message: string): Attempt => {
      notifier.error(code, message, { ...request, ...response });
      return { ok: false, code, url: target.url };
    };
    const type = mediaType(res.contentType);
    if (type === null) return fail(ErrorCode.InvalidContentType, `${res.method} ${res.url} answered without a Content-Type`);
    if (type.startsWith('audio/')) return { ok: true, result: { kind: 'play', url: res.url } };
    if (TWIML_TYPES.has(type)) {
      const parsed = this.parse(res);
      if (!parsed.ok) return fail(parsed.error.code, parsed.error.message);
      this.warn(parsed.warnings, request, response);
      return { ok: true, result: { kind: 'twiml', document: parsed.document } };
    }
    if (type === 'text/plain') {
      // Reference §3.1: text/plain runs as TwiML when it is TwiML, else it is read aloud.
      const parsed = this.parse(res);
      if (parsed.ok) {
        this.warn(parsed.warnings, request, response);
        return { ok: true, result: { kind: 'twiml', document: parsed.document } };
      }
      return { ok: true, result: { kind: 'say', text: res.body.trim() } };
    }
    return fail(ErrorCode.InvalidContentType, `${res.method} ${res.url} answered with Content-Type '${type}', which is neither TwiML nor audio`);
  }

  private parse(res: WebhookResponse) {
    if (res.truncated) {
      return { ok: false as const, error: { code: ErrorCode.DocumentParseFailure, level: 'error' as const, message: 'document is larger than 65536 bytes' } };
    }
    return parseTwiml(res.body, { documentUrl: res.url, method: res.method });
  }

  private warn(warnings: readonly NotificationDraft[], request: Partial<NotificationDraft>, response: Partial<NotificationDraft>): void {
    for (const w of warnings) this.options.notifier.notify({ ...request, ...response, ...w, requestUrl: response.requestUrl ?? null });
  }
}

/** `type/subtype` of a Content-Type value, lowercased, without parameters (RFC 9110 §8.3.1); null if absent. */
function mediaType(contentType: string | null): string | null {
  if (contentType === null) return null;
  const type = contentType.split(';')[0].trim().toLowerCase();
  return /^[!#$%&'*+.^_`|~0-9a-z-]+\/[!#$%&'*+.^_`|~0-9a-z-]+$/.test(type) ? type : null;
}

/**
 * One webhook request as Twilio makes it (reference §3.1 "HTTP client", §5): form POST or GET with the parameters in
 * the query string, `X-Twilio-Signature`, the call's cookies, redirects followed by hand (so every hop is signed and
 * carries cookies), one total deadline, and every failure classified to a Twilio error code. Keep-alive comes from
 * the undici dispatcher the caller passes in (see `createWebhookAgent`).
 */
import { Agent, type Dispatcher, request } from 'undici';
import { type Clock, systemClock } from '../../core/index.js';
import type { CookieJar } from './cookie-jar.js';
import { type HttpMethod, type WebhookParams, formEncode, withQuery } from './params.js';
import { twilioSignature } from './signature.js';

/** Twilio's limits (reference §3.1, error 11205): connect 10 s, 15 s in all, at most 10 redirects. */
export const WEBHOOK_TOTAL_TIMEOUT_MS = 15_000;
export const WEBHOOK_CONNECT_TIMEOUT_MS = 10_000;
export const WEBHOOK_MAX_REDIRECTS = 10;
/** TwiML documents are limited to 64 KB; one byte more is enough to know a response is too large. */
export const WEBHOOK_MAX_BODY_BYTES = 64 * 1024 + 1;

/** A keep-alive undici Agent with Twilio's connect timeout; one per process is enough. */
export function createWebhookAgent(options: { connectTimeoutMs?: number; keepAliveTimeoutMs?: number } = {}): Agent {
  return new Agent({
    connect: { timeout: options.connectTimeoutMs ?? WEBHOOK_CONNECT_TIMEOUT_MS },
    keepAliveTimeout: options.keepAliveTimeoutMs ?? 30_000,
  });
}

export interface WebhookClientOptions {
  dispatcher: Dispatcher;
  clock?: Clock;
  /** Total time for one request including its redirects (default 15 s). */
  timeoutMs?: number;
  maxRedirects?: number;
  maxBodyBytes?: number;
  userAgent?: string;
}

export interface WebhookRequest {
  url: string;
  method: HttpMethod;
  params: WebhookParams;
  /** The owning account's Auth Token: the signing key (reference §5). */
  authToken: string;
  /** The call's jar: cookies are sent from it and responses' `Set-Cookie` stored in it. */
  cookies?: CookieJar;
  /** Aborts the request without a failure code (the call ended or was redirected). */
  signal?: AbortSignal;
}

export interface WebhookResponse {
  ok: true;
  status: number;
  /**
   * The document URL: the URL that finally answered (after redirects) without the parameters a GET added to it —
   * the base for relative URLs and the default Gather/Record action.
   */
  url: string;
  /** The URL exactly as requested on the last hop (GET parameters included). */
  requestUrl: string;
  /** The method of the final hop (301/302/303 turn POST into GET). */
  method: HttpMethod;
  headers: Readonly<Record<string, string>>;
  contentType: string | null;
  body: string;
  /** True when the body was longer than `maxBodyBytes` and was cut there. */
  truncated: boolean;
}

export type WebhookFailureCode = 11100 | 11200 | 11205 | 11206 | 11210 | 11215;

export interface WebhookFailure {
  ok: false;
  /** Twilio's code; `null` when the caller aborted (no Notification is due). */
  code: WebhookFailureCode | null;
  message: string;
  /** The URL and method of the hop that failed. */
  url: string;
  method: HttpMethod;
  status?: number;
  headers?: Readonly<Record<string, string>>;
  body?: string;
}

export type WebhookResult = WebhookResponse | WebhookFailure;

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

export class WebhookClient {
  private readonly dispatcher: Dispatcher;
  private readonly clock: Clock;
  private readonly timeoutMs: number;
  private readonly maxRedirects: number;
  private readonly maxBodyBytes: number;
  private readonly userAgent: string;

  constructor(options: WebhookClientOptions) {
    this.dispatcher = options.dispatcher;
    this.clock = options.clock ?? systemClock;
    this.timeoutMs = options.timeoutMs ?? WEBHOOK_TOTAL_TIMEOUT_MS;
    this.maxRedirects = options.maxRedirects ?? WEBHOOK_MAX_REDIRECTS;
    this.maxBodyBytes = options.maxBodyBytes ?? WEBHOOK_MAX_BODY_BYTES;
    this.userAgent = options.userAgent ?? 'TwilioProxy/1.1 (Patchbay)';
  }

  async send(req: WebhookRequest): Promise<WebhookResult> {
    const controller = new AbortController();
    let timedOut = false;
    const timer = this.clock.setTimeout(() => {
      timedOut = true;
      controller.abort(new Error('webhook deadline'));
    }, this.timeoutMs);
    const onCallerAbort = () => controller.abort(req.signal?.reason);
    if (req.signal?.aborted) onCallerAbort();
    else req.signal?.addEventListener('abort', onCallerAbort, { once: true });

    let url = req.url;
    let method = req.method;
    let params: WebhookParams | null = req.params;
    try {
      for (let hop = 0; ; hop++) {
        // The string we send is the string we sign (reference §5: "the full URL Twilio requested").
        const requestUrl = method === 'GET' && params ? withQuery(url, params) : url;
        let target: URL;
        try {
          target = new URL(requestUrl);
        } catch {
          return this.fail(11100, `invalid URL '${url}'`, url, method);
        }
        if (target.protocol !== 'http:' && target.protocol !== 'https:') {
          return this.fail(11100, `unsupported URL scheme in '${url}'`, url, method);
        }
        const signedParams = method === 'POST' && params ? params : {};
        const headers: Record<string, string> = {
          'user-agent': this.userAgent,
          accept: '*/*',
          'x-twilio-signature': twilioSignature(req.authToken, requestUrl, signedParams),
        };
        const cookie = req.cookies?.cookieHeader(target, this.clock.now());
        if (cookie) headers.cookie = cookie;
        let body: string | undefined;
        if (method === 'POST') {
          headers['content-type'] = 'application/x-www-form-urlencoded; charset=utf-8';
          body = params ? formEncode(params) : '';
        }

        let res: Dispatcher.ResponseData;
        try {
          res = await request(requestUrl, { method, headers, body, dispatcher: this.dispatcher, signal: controller.signal });
        } catch (err) {
          return this.classify(err, timedOut, req.signal, requestUrl, method);
        }
        const flat = flattenHeaders(res.headers);
        const setCookie = res.headers['set-cookie'];
        if (req.cookies && setCookie !== undefined) {
          req.cookies.setCookies(Array.isArray(setCookie) ? setCookie : [setCookie], target, this.clock.now());
        }

        if (REDIRECT_STATUSES.has(res.statusCode) && flat.location !== undefined) {
          await res.body.dump().catch(() => {});
          if (hop >= this.maxRedirects) {
            return this.fail(11215, `more than ${this.maxRedirects} redirects, last to ${flat.location}`, requestUrl, method, {
              status: res.statusCode,
              headers: flat,
            });
          }
          try {
            url = new URL(flat.location, target).toString();
          } catch {
            return this.fail(11100, `invalid redirect location '${flat.location}'`, requestUrl, method, { status: res.statusCode, headers: flat });
          }
          // Fetch semantics (WHATWG Fetch "HTTP-redirect fetch" step 12): 301/302 after POST and every 303 except
          // after HEAD become GET without a body; 307/308 repeat the method and the body.
          if (res.statusCode === 303 || ((res.statusCode === 301 || res.statusCode === 302) && method === 'POST')) {
            method = 'GET';
            params = null;
          } else if (method === 'GET') {
            params = null; // the parameters are already in the query string of the URL we followed from
          }
          continue;
        }

        let text: string;
        let truncated: boolean;
        try {
          ({ text, truncated } = await readBody(res.body, this.maxBodyBytes));
        } catch (err) {
          return this.classify(err, timedOut, req.signal, requestUrl, method);
        }
        if (res.statusCode < 200 || res.statusCode > 299) {
          return this.fail(11200, `${method} ${requestUrl} answered HTTP ${res.statusCode}`, requestUrl, method, {
            status: res.statusCode,
            headers: flat,
            body: text,
          });
        }
        return {
          ok: true,
          status: res.statusCode,
          url,
          requestUrl,
          method,
          headers: flat,
          contentType: flat['content-type'] ?? null,
          body: text,
          truncated,
        };
      }
    } finally {
      this.clock.clearTimeout(timer);
      req.signal?.removeEventListener('abort', onCallerAbort);
    }
  }

  private fail(
    code: WebhookFailureCode | null,
    message: string,
    url: string,
    method: HttpMethod,
    extra: { status?: number; headers?: Readonly<Record<string, string>>; body?: string } = {},
  ): WebhookFailure {
    return { ok: false, code, message, url, method, ...extra };
  }

  private classify(err: unknown, timedOut: boolean, callerSignal: AbortSignal | undefined, url: string, method: HttpMethod): WebhookFailure {
    if (timedOut) return this.fail(11205, `${method} ${url} did not complete within ${this.timeoutMs} ms`, url, method);
    if (callerSignal?.aborted) return this.fail(null, `${method} ${url} aborted`, url, method);
    const code = errorCode(err);
    const message = err instanceof Error ? err.message : String(err);
    // Error pages 11205 (connection refused / timed out) and 11210 (DNS) — reference §9.
    if (code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'EAI_NONAME') {
      return this.fail(11210, `${method} ${url}: bad host name (${code})`, url, method);
    }
    if (code === 'ERR_INVALID_URL' || code === 'UND_ERR_INVALID_ARG') return this.fail(11100, `${method} ${url}: ${message}`, url, method);
    if (code?.startsWith('HPE_')) return this.fail(11206, `${method} ${url}: HTTP protocol violation (${code})`, url, method);
    return this.fail(11205, `${method} ${url}: connection failed (${code ?? message})`, url, method);
  }
}

function errorCode(err: unknown): string | undefined {
  for (let e: unknown = err, depth = 0; e && depth < 4; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && code !== 'UND_ERR_SOCKET') return code;
  }
  return undefined;
}

function flattenHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) {
    if (v === undefined) continue;
    out[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
  }
  return out;
}

async function readBody(body: Dispatcher.ResponseData['body'], max: number): Promise<{ text: string; truncated: boolean }> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    const b = chunk as Buffer;
    if (size + b.length > max) {
      chunks.push(b.subarray(0, max - size));
      body.destroy();
      return { text: Buffer.concat(chunks).toString('utf-8'), truncated: true };
    }
    size += b.length;
    chunks.push(b);
  }
  return { text: Buffer.concat(chunks).toString('utf-8'), truncated: false };
}

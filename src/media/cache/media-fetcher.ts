/**
 * One GET of a media URL with undici: optional validators for revalidation, a size limit enforced while reading,
 * and every failure turned into a `MediaError`.
 */
import { type Dispatcher, request } from 'undici';
import { MediaError } from './media-error.js';
import { type ResponseCacheHeaders } from './cache-policy.js';

export interface Validators {
  etag: string | null;
  lastModified: string | null;
}

export interface FetchedHeaders extends ResponseCacheHeaders {
  etag: string | null;
  contentType: string | null;
}

export type FetchOutcome =
  | { status: 304; headers: FetchedHeaders }
  | { status: 200; headers: FetchedHeaders; body: Buffer };

export interface FetchOptions {
  dispatcher: Dispatcher;
  maxBytes: number;
  validators?: Validators | null;
  signal?: AbortSignal;
}

function header(h: Record<string, string | string[] | undefined>, name: string): string | null {
  const v = h[name];
  if (v === undefined) return null;
  return Array.isArray(v) ? v.join(', ') : v;
}

export async function fetchMedia(url: string, opts: FetchOptions): Promise<FetchOutcome> {
  const headers: Record<string, string> = { accept: 'audio/*;q=1, */*;q=0.1', 'user-agent': 'Patchbay-Media/1.0' };
  // RFC 9110 §13.1: send both validators we have; a server that honours If-None-Match ignores the date.
  if (opts.validators?.etag) headers['if-none-match'] = opts.validators.etag;
  if (opts.validators?.lastModified) headers['if-modified-since'] = opts.validators.lastModified;
  let res: Dispatcher.ResponseData;
  try {
    res = await request(url, { method: 'GET', headers, dispatcher: opts.dispatcher, signal: opts.signal });
  } catch (err) {
    throw classify(err, url);
  }
  const h = res.headers;
  const fetched: FetchedHeaders = {
    cacheControl: header(h, 'cache-control'),
    expires: header(h, 'expires'),
    date: header(h, 'date'),
    lastModified: header(h, 'last-modified'),
    etag: header(h, 'etag'),
    contentType: header(h, 'content-type'),
  };
  if (res.statusCode === 304 && opts.validators) {
    await res.body.dump();
    return { status: 304, headers: fetched };
  }
  if (res.statusCode !== 200) {
    await res.body.dump();
    throw new MediaError('http-status', `GET ${url} answered ${res.statusCode}`, { status: res.statusCode, url });
  }
  const declared = Number(header(h, 'content-length') ?? NaN);
  if (declared > opts.maxBytes) {
    res.body.destroy();
    throw new MediaError('too-large', `${url} is ${declared} bytes, over the ${opts.maxBytes}-byte limit`, { status: 200, url });
  }
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of res.body) {
      const b = chunk as Buffer;
      size += b.length;
      if (size > opts.maxBytes) {
        res.body.destroy();
        throw new MediaError('too-large', `${url} exceeds the ${opts.maxBytes}-byte limit`, { status: 200, url });
      }
      chunks.push(b);
    }
  } catch (err) {
    if (err instanceof MediaError) throw err;
    throw classify(err, url);
  }
  return { status: 200, headers: fetched, body: Buffer.concat(chunks) };
}

function classify(err: unknown, url: string): MediaError {
  const code = (err as { code?: unknown }).code;
  const message = err instanceof Error ? err.message : String(err);
  if (code === 'UND_ERR_CONNECT_TIMEOUT' || code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT') {
    return new MediaError('timeout', `GET ${url} timed out: ${message}`, { url, cause: err });
  }
  if (code === 'ERR_INVALID_URL' || code === 'UND_ERR_INVALID_ARG') {
    return new MediaError('invalid-url', `bad media URL ${url}: ${message}`, { url, cause: err });
  }
  return new MediaError('connection-failed', `GET ${url} failed: ${message}`, { url, cause: err });
}

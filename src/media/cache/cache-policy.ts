/**
 * HTTP caching rules for fetched media, after RFC 9111 (HTTP Caching). Patchbay's media layer is a private cache
 * of the media it plays: it stores responses to GET, honours `no-store`, `no-cache`, `max-age` (and `Expires`
 * when there is no `max-age`), and revalidates stale entries with their validators (§4.3.1: `If-None-Match` from
 * `ETag`, `If-Modified-Since` from `Last-Modified`).
 */

export interface CacheDirectives {
  noStore: boolean;
  noCache: boolean;
  maxAgeSeconds: number | null;
}

/** Parse `Cache-Control` (RFC 9111 §5.2): comma-separated directives, optional `=value`, names case-insensitive. */
export function parseCacheControl(header: string | null): CacheDirectives {
  const d: CacheDirectives = { noStore: false, noCache: false, maxAgeSeconds: null };
  if (!header) return d;
  for (const part of header.split(',')) {
    const [rawName, rawValue] = part.split('=', 2);
    const name = rawName.trim().toLowerCase();
    const value = rawValue?.trim().replace(/^"(.*)"$/, '$1');
    if (name === 'no-store') d.noStore = true;
    // `no-cache` with a field list only restricts those fields; we store no headers, so treat it as plain no-cache.
    else if (name === 'no-cache') d.noCache = true;
    else if (name === 'max-age' && value !== undefined && /^\d+$/.test(value)) {
      // §5.2.2.1: a duplicate or invalid max-age makes the response stale; take the first valid value.
      d.maxAgeSeconds ??= Number(value);
    }
  }
  return d;
}

export interface Freshness {
  /** May be stored at all. */
  storable: boolean;
  /** Must be revalidated before every reuse (`no-cache`). */
  revalidateAlways: boolean;
  /** Epoch ms until which the stored result may be reused without asking the origin. */
  freshUntil: number;
}

export interface ResponseCacheHeaders {
  cacheControl: string | null;
  expires: string | null;
  date: string | null;
  lastModified: string | null;
}

/**
 * Freshness lifetime (RFC 9111 §4.2.1): max-age, else Expires − Date, else a heuristic (§4.2.2): 10 % of the time
 * since Last-Modified, or `heuristicTtlMs` when there is nothing to go on, both capped at `heuristicTtlMs` · 12.
 * A media file without caching headers is thus played from the cache for a few minutes, then revalidated.
 */
export function freshness(h: ResponseCacheHeaders, now: number, heuristicTtlMs: number): Freshness {
  const cc = parseCacheControl(h.cacheControl);
  if (cc.noStore) return { storable: false, revalidateAlways: true, freshUntil: now };
  if (cc.noCache) return { storable: true, revalidateAlways: true, freshUntil: now };
  if (cc.maxAgeSeconds !== null) return { storable: true, revalidateAlways: false, freshUntil: now + cc.maxAgeSeconds * 1000 };
  if (h.expires !== null) {
    const expires = Date.parse(h.expires);
    const date = h.date === null ? now : Date.parse(h.date);
    // §5.3: an invalid Expires (e.g. "0") means already expired.
    const lifetime = Number.isNaN(expires) || Number.isNaN(date) ? 0 : Math.max(0, expires - date);
    return { storable: true, revalidateAlways: false, freshUntil: now + lifetime };
  }
  const cap = heuristicTtlMs * 12;
  if (h.lastModified !== null) {
    const lm = Date.parse(h.lastModified);
    const date = h.date === null ? now : Date.parse(h.date);
    if (!Number.isNaN(lm) && !Number.isNaN(date) && date > lm) {
      return { storable: true, revalidateAlways: false, freshUntil: now + Math.min(cap, (date - lm) / 10) };
    }
  }
  return { storable: true, revalidateAlways: false, freshUntil: now + heuristicTtlMs };
}

/**
 * A per-call cookie jar: the subset of RFC 6265 a webhook client needs. Twilio keeps the cookies an application
 * sets and sends them back on every later request of the same call (reference §3.1).
 *
 * Implemented: `Set-Cookie` parsing (§5.2), `Expires` / `Max-Age` (§5.2.1, §5.2.2; Max-Age wins, §5.3 step 3),
 * `Domain` with host-only cookies and domain-match (§5.1.3, §5.3 steps 4–6), `Path` with default-path and
 * path-match (§5.1.4), `Secure` (§5.4 step 1), replacement of an existing cookie keeping its creation time
 * (§5.3 step 11), and the §5.4 send order (longer paths first, then earlier creation).
 * Left out: the public-suffix check (§5.3 step 5; a call only talks to its own application), `HttpOnly` and
 * `SameSite` (meaningless without a browser), and the §5.1.1 date grammar (we accept what `Date.parse` accepts).
 */

export interface Cookie {
  name: string;
  value: string;
  /** Lowercased domain without a leading dot. */
  domain: string;
  hostOnly: boolean;
  path: string;
  secure: boolean;
  /** Epoch ms, or null for a session cookie (lives as long as the call). */
  expiresAt: number | null;
  createdAt: number;
}

/** Limits in the spirit of RFC 6265 §6.1 (at least 50 cookies per domain, 4096 bytes each). */
const MAX_COOKIES = 50;
const MAX_COOKIE_BYTES = 4096;

export class CookieJar {
  private cookies: Cookie[] = [];
  private creationCounter = 0;

  /** Stores what one `Set-Cookie` header field says, for a response to `requestUrl`. Returns whether it was kept. */
  setCookie(header: string, requestUrl: string | URL, now: number): boolean {
    const url = typeof requestUrl === 'string' ? new URL(requestUrl) : requestUrl;
    const parsed = parseSetCookie(header);
    if (!parsed || Buffer.byteLength(header) > MAX_COOKIE_BYTES) return false;
    const host = url.hostname.toLowerCase();

    // §5.3 step 3: Max-Age has precedence over Expires.
    let expiresAt: number | null = null;
    if (parsed.maxAge !== undefined) expiresAt = parsed.maxAge <= 0 ? Number.NEGATIVE_INFINITY : now + parsed.maxAge * 1000;
    else if (parsed.expires !== undefined) expiresAt = parsed.expires;

    // §5.3 steps 4–6.
    let domain = host;
    let hostOnly = true;
    if (parsed.domain !== undefined && parsed.domain !== '') {
      if (!domainMatch(host, parsed.domain)) return false;
      domain = parsed.domain;
      hostOnly = false;
    }
    const path = parsed.path !== undefined && parsed.path.startsWith('/') ? parsed.path : defaultPath(url.pathname);

    const existing = this.cookies.findIndex((c) => c.name === parsed.name && c.domain === domain && c.path === path);
    const createdAt = existing >= 0 ? this.cookies[existing].createdAt : this.creationCounter++;
    if (existing >= 0) this.cookies.splice(existing, 1);
    // An expiry in the past deletes the cookie (§5.3 step 11 then §5.3 "evict expired").
    if (expiresAt !== null && expiresAt <= now) return false;

    this.cookies.push({ name: parsed.name, value: parsed.value, domain, hostOnly, path, secure: parsed.secure, expiresAt, createdAt });
    if (this.cookies.length > MAX_COOKIES) {
      this.cookies.sort((a, b) => a.createdAt - b.createdAt);
      this.cookies.shift();
    }
    return true;
  }

  /** Every `Set-Cookie` field of one response. */
  setCookies(headers: readonly string[], requestUrl: string | URL, now: number): void {
    for (const h of headers) this.setCookie(h, requestUrl, now);
  }

  /** The `Cookie` header value for a request to `url` (RFC 6265 §5.4), or null when nothing matches. */
  cookieHeader(requestUrl: string | URL, now: number): string | null {
    const url = typeof requestUrl === 'string' ? new URL(requestUrl) : requestUrl;
    this.cookies = this.cookies.filter((c) => c.expiresAt === null || c.expiresAt > now);
    const host = url.hostname.toLowerCase();
    const secureChannel = url.protocol === 'https:';
    const matching = this.cookies
      .filter((c) => (c.hostOnly ? host === c.domain : domainMatch(host, c.domain)))
      .filter((c) => pathMatch(url.pathname || '/', c.path))
      .filter((c) => !c.secure || secureChannel)
      .sort((a, b) => b.path.length - a.path.length || a.createdAt - b.createdAt);
    if (matching.length === 0) return null;
    return matching.map((c) => `${c.name}=${c.value}`).join('; ');
  }

  /** A snapshot, for the call inspector and tests. */
  list(): readonly Cookie[] {
    return this.cookies.map((c) => ({ ...c }));
  }

  get size(): number {
    return this.cookies.length;
  }
}

interface ParsedSetCookie {
  name: string;
  value: string;
  expires?: number;
  maxAge?: number;
  domain?: string;
  path?: string;
  secure: boolean;
}

/** RFC 6265 §5.2: the parsing algorithm, lenient as the RFC asks. Returns null when the header is ignored. */
export function parseSetCookie(header: string): ParsedSetCookie | null {
  const [pair, ...attrs] = header.split(';');
  const eq = pair.indexOf('=');
  if (eq === -1) return null; // §5.2 step 2: no '=' → ignore the whole header
  const name = pair.slice(0, eq).trim();
  const value = pair.slice(eq + 1).trim();
  if (name === '') return null; // §5.2 step 5
  if (/[\x00-\x1f\x7f]/.test(name + value)) return null;
  const out: ParsedSetCookie = { name, value, secure: false };
  for (const raw of attrs) {
    const i = raw.indexOf('=');
    const key = (i === -1 ? raw : raw.slice(0, i)).trim().toLowerCase();
    const val = i === -1 ? '' : raw.slice(i + 1).trim();
    switch (key) {
      case 'expires': {
        const t = Date.parse(val);
        if (!Number.isNaN(t)) out.expires = t; // §5.2.1: an unparseable date is ignored
        break;
      }
      case 'max-age':
        // §5.2.2: first char a digit or '-', the rest digits; otherwise ignore the attribute.
        if (/^-?\d+$/.test(val)) out.maxAge = Number(val);
        break;
      case 'domain':
        // §5.2.3: a leading dot is ignored; the value is lowercased.
        out.domain = (val.startsWith('.') ? val.slice(1) : val).toLowerCase();
        break;
      case 'path':
        out.path = val; // §5.2.4: non-'/'-leading paths fall back to the default path at storage time
        break;
      case 'secure':
        out.secure = true;
        break;
      default:
        break; // HttpOnly, SameSite and unknown attributes: ignored
    }
  }
  return out;
}

/** RFC 6265 §5.1.3. */
export function domainMatch(host: string, domain: string): boolean {
  if (host === domain) return true;
  const isIp = /^\d+\.\d+\.\d+\.\d+$/.test(host) || host.includes(':') || host.startsWith('[');
  return !isIp && host.endsWith(domain) && host.charAt(host.length - domain.length - 1) === '.';
}

/** RFC 6265 §5.1.4 default-path: the request path up to, not including, its right-most '/'. */
export function defaultPath(requestPath: string): string {
  if (!requestPath.startsWith('/')) return '/';
  const last = requestPath.lastIndexOf('/');
  return last <= 0 ? '/' : requestPath.slice(0, last);
}

/** RFC 6265 §5.1.4 path-match. */
export function pathMatch(requestPath: string, cookiePath: string): boolean {
  if (requestPath === cookiePath) return true;
  if (!requestPath.startsWith(cookiePath)) return false;
  return cookiePath.endsWith('/') || requestPath.charAt(cookiePath.length) === '/';
}

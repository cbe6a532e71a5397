import { type ParseResult, ok, fail } from './grammar.js';
import { SipUri } from './sip-uri.js';
import { GenericUri } from './generic-uri.js';

export type Uri = SipUri | GenericUri;

/**
 * Parses any absolute URI. sip:/sips: become {@link SipUri}; other schemes are kept as {@link GenericUri}
 * (RFC 3261 §19.1; §8.2.2.1 leaves it to the UAS to answer 416 for schemes it does not support).
 * Fails on a missing or malformed scheme and on whitespace, which is never part of a URI (RFC 4475 §3.1.2.8).
 */
export function parseUri(text: string): ParseResult<Uri> {
  if (text.length === 0) return fail('empty URI');
  const colon = text.indexOf(':');
  if (colon <= 0) return fail('URI without scheme');
  // RFC 3986 §3.1 scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." )
  const c0 = text.charCodeAt(0) | 0x20;
  if (c0 < 97 || c0 > 122) return fail('invalid URI scheme');
  for (let i = 1; i < colon; i++) {
    const c = text.charCodeAt(i);
    const okc = (c >= 48 && c <= 57) || ((c | 0x20) >= 97 && (c | 0x20) <= 122) || c === 43 || c === 45 || c === 46;
    if (!okc) return fail('invalid URI scheme');
  }
  for (let i = colon + 1; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c <= 32 || c === 127 || c === 60 || c === 62 || c === 34) return fail('invalid character in URI');
  }
  const scheme = text.slice(0, colon).toLowerCase();
  if (scheme === 'sip' || scheme === 'sips') return SipUri.parse(text);
  if (colon === text.length - 1) return fail('empty URI');
  return ok(new GenericUri(scheme, text.slice(colon + 1)));
}

/** URI equivalence: §19.1.4 for SIP/SIPS URIs; other schemes compare scheme case-insensitively and the rest exactly. */
export function uriEquals(a: Uri, b: Uri): boolean {
  if (a.kind === 'sip' && b.kind === 'sip') return a.equals(b);
  if (a.kind === 'generic' && b.kind === 'generic') return a.scheme === b.scheme && a.opaque === b.opaque;
  return false;
}

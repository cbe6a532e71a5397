import { createHash } from 'node:crypto';

/**
 * Digest algorithms we speak. RFC 2617 §3.2.1 defines MD5 and MD5-sess; RFC 8760 §2 adds SHA-256 (and SHA-512-256,
 * which we do not offer) to SIP, reusing the RFC 7616 computation.
 */
export type DigestAlgorithm = 'MD5' | 'MD5-sess' | 'SHA-256' | 'SHA-256-sess';

export const DIGEST_ALGORITHMS: readonly DigestAlgorithm[] = ['SHA-256', 'SHA-256-sess', 'MD5', 'MD5-sess'];

/** Case-insensitive lookup of an algorithm token (RFC 2617 §3.2.1: absent means MD5). */
export function parseAlgorithm(token: string | undefined): DigestAlgorithm | undefined {
  if (token === undefined || token === '') return 'MD5';
  const upper = token.toUpperCase();
  return DIGEST_ALGORITHMS.find((a) => a.toUpperCase() === upper);
}

function hashName(algorithm: DigestAlgorithm): 'md5' | 'sha256' {
  return algorithm.startsWith('SHA-256') ? 'sha256' : 'md5';
}

/** H(data) of RFC 2617 §3.2.1 / RFC 7616 §3.4.1, as lower-case hex. */
export function digestHash(algorithm: DigestAlgorithm, data: string | Uint8Array): string {
  return createHash(hashName(algorithm)).update(data).digest('hex');
}

/**
 * HA1 = H(username ":" realm ":" password) (RFC 2617 §3.2.2.2). For the "-sess" variants the stored HA1 is this
 * value; the session key H(HA1 ":" nonce ":" cnonce) is derived per request by {@link sessionHa1}.
 */
export function computeHa1(algorithm: DigestAlgorithm, username: string, realm: string, password: string): string {
  return digestHash(algorithm, `${username}:${realm}:${password}`);
}

/** RFC 2617 §3.2.2.2: for "-sess" algorithms A1 = H(user:realm:pass) ":" nonce ":" cnonce. */
export function sessionHa1(algorithm: DigestAlgorithm, ha1: string, nonce: string, cnonce: string | undefined): string {
  if (!algorithm.endsWith('-sess')) return ha1;
  return digestHash(algorithm, `${ha1}:${nonce}:${cnonce ?? ''}`);
}

export interface DigestResponseInput {
  readonly algorithm: DigestAlgorithm;
  /** HA1 as stored (before the "-sess" derivation). */
  readonly ha1: string;
  readonly nonce: string;
  readonly method: string;
  readonly uri: string;
  /** 'auth', 'auth-int', or undefined for the RFC 2069 legacy computation. */
  readonly qop?: 'auth' | 'auth-int';
  readonly nc?: string;
  readonly cnonce?: string;
  /** Message body for qop=auth-int (RFC 2617 §3.2.2.3). */
  readonly body?: string | Uint8Array;
}

/** The request-digest of RFC 2617 §3.2.2.1 (with qop) or the RFC 2069 form (without qop). */
export function computeDigestResponse(input: DigestResponseInput): string {
  const { algorithm, nonce, method, uri, qop } = input;
  const ha1 = sessionHa1(algorithm, input.ha1, nonce, input.cnonce);
  // RFC 2617 §3.2.2.3: A2 = Method ":" digest-uri-value [":" H(entity-body)] for auth-int.
  const a2 = qop === 'auth-int' ? `${method}:${uri}:${digestHash(algorithm, input.body ?? '')}` : `${method}:${uri}`;
  const ha2 = digestHash(algorithm, a2);
  if (qop === undefined) return digestHash(algorithm, `${ha1}:${nonce}:${ha2}`);
  return digestHash(algorithm, `${ha1}:${nonce}:${input.nc ?? ''}:${input.cnonce ?? ''}:${qop}:${ha2}`);
}

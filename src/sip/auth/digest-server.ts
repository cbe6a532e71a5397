import { timingSafeEqual } from 'node:crypto';
import { systemClock, type Clock } from '../../core/index.js';
import { formatAuthHeader, parseAuthHeader, type AuthParam } from './auth-header.js';
import { computeDigestResponse, computeHa1, parseAlgorithm, type DigestAlgorithm } from './digest-hash.js';
import { NonceFactory } from './nonce-factory.js';

export interface DigestServerOptions {
  readonly realm: string;
  /** Server secret for the stateless nonces; at least 16 bytes. Share it between cluster nodes. */
  readonly secret: string | Uint8Array;
  /** Nonce lifetime; an older but authentic nonce is answered with stale=true. Default 300 000 ms. */
  readonly nonceTtlMs?: number;
  /** Algorithms offered, most preferred first (RFC 8760 §2.4: SHA-256 before MD5). Default SHA-256 then MD5. */
  readonly algorithms?: readonly DigestAlgorithm[];
  /** Offer qop="auth" (default true). Credentials without qop (RFC 2069) are still accepted. */
  readonly qop?: boolean;
  readonly opaque?: string;
  readonly clock?: Clock;
}

/** Digest credentials from an Authorization / Proxy-Authorization value (RFC 2617 §3.2.2, RFC 3261 §22.4). */
export interface DigestCredentials {
  readonly username: string;
  readonly realm: string;
  readonly nonce: string;
  readonly uri: string;
  readonly response: string;
  readonly algorithm: DigestAlgorithm;
  readonly qop?: 'auth' | 'auth-int';
  readonly nc?: string;
  readonly cnonce?: string;
  readonly opaque?: string;
}

export type CredentialsParse =
  | { ok: true; credentials: DigestCredentials }
  /** 'not-digest' covers unknown schemes (RFC 4475 §3.1.2.? regaut01): the caller challenges again. */
  | { ok: false; reason: 'not-digest' | 'malformed' | 'unsupported-algorithm' | 'unsupported-qop'; detail: string };

/** The secret to verify against: the plain password, or HA1 as stored by a registrar that never keeps passwords. */
export type DigestSecret = { readonly password: string } | { readonly ha1: string };

export type DigestVerification =
  | { ok: true; username: string }
  | {
      ok: false;
      /** 'stale': authentic but expired nonce — challenge again with stale=true. Every other reason: plain 401/407. */
      reason: 'stale' | 'bad-nonce' | 'realm-mismatch' | 'uri-mismatch' | 'bad-response' | 'algorithm-not-offered';
    };

export interface VerifyInput {
  readonly credentials: DigestCredentials;
  readonly method: string;
  /** The Request-URI; when given it must equal the credentials' uri (RFC 2617 §3.2.2.5). */
  readonly requestUri?: string;
  readonly body?: string | Uint8Array;
  readonly secret: DigestSecret;
}

/** Parse one Authorization value into Digest credentials; other schemes are reported, not thrown. */
export function parseDigestCredentials(value: string): CredentialsParse {
  const parsed = parseAuthHeader(value);
  if (!parsed.ok) {
    // A value that does not even start with a token is not ours either.
    return { ok: false, reason: 'malformed', detail: parsed.reason };
  }
  const { scheme, params } = parsed.value;
  if (scheme.toLowerCase() !== 'digest') return { ok: false, reason: 'not-digest', detail: `scheme ${scheme}` };
  for (const required of ['username', 'realm', 'nonce', 'uri', 'response']) {
    if (!params.has(required)) return { ok: false, reason: 'malformed', detail: `missing ${required}` };
  }
  const algorithm = parseAlgorithm(params.get('algorithm'));
  if (!algorithm) return { ok: false, reason: 'unsupported-algorithm', detail: `algorithm ${params.get('algorithm')}` };
  const qopRaw = params.get('qop')?.toLowerCase();
  let qop: 'auth' | 'auth-int' | undefined;
  if (qopRaw !== undefined) {
    if (qopRaw !== 'auth' && qopRaw !== 'auth-int') return { ok: false, reason: 'unsupported-qop', detail: `qop ${qopRaw}` };
    qop = qopRaw;
    // RFC 2617 §3.2.2: cnonce and nc MUST be present when qop is.
    if (!params.has('cnonce') || !params.has('nc')) return { ok: false, reason: 'malformed', detail: 'qop without cnonce/nc' };
    if (!/^[0-9a-fA-F]{8}$/.test(params.get('nc')!)) return { ok: false, reason: 'malformed', detail: 'nc is not 8LHEX' };
  }
  const credentials: DigestCredentials = {
    username: params.get('username')!,
    realm: params.get('realm')!,
    nonce: params.get('nonce')!,
    uri: params.get('uri')!,
    response: params.get('response')!.toLowerCase(),
    algorithm,
    ...(qop !== undefined ? { qop, nc: params.get('nc')!.toLowerCase(), cnonce: params.get('cnonce')! } : {}),
    ...(params.has('opaque') ? { opaque: params.get('opaque')! } : {}),
  };
  return { ok: true, credentials };
}

/**
 * Server side of Digest (RFC 3261 §22.2 / §22.3, RFC 2617, RFC 8760): issues challenges for WWW-Authenticate (UAS,
 * registrar: 401) or Proxy-Authenticate (proxy: 407) and verifies credentials. Stateless: nonces carry their own
 * issue time under an HMAC, so nothing is stored per challenge.
 *
 * Not done: nonce-count replay tracking (it needs per-nonce state); a caller wanting it can keep the last nc per nonce.
 */
export class DigestServer {
  readonly realm: string;
  private readonly nonces: NonceFactory;
  private readonly algorithms: readonly DigestAlgorithm[];
  private readonly qop: boolean;
  private readonly opaque: string | undefined;

  constructor(options: DigestServerOptions) {
    this.realm = options.realm;
    this.nonces = new NonceFactory(options.secret, options.realm, options.clock ?? systemClock, options.nonceTtlMs ?? 300_000);
    this.algorithms = options.algorithms ?? ['SHA-256', 'MD5'];
    if (this.algorithms.length === 0) throw new RangeError('at least one digest algorithm is required');
    this.qop = options.qop ?? true;
    this.opaque = options.opaque;
  }

  /**
   * One challenge value per offered algorithm, most preferred first (RFC 8760 §2.4: one WWW-Authenticate header field
   * per algorithm). All share one nonce.
   */
  challenges(options: { stale?: boolean } = {}): string[] {
    const nonce = this.nonces.create();
    return this.algorithms.map((algorithm) => {
      const params: AuthParam[] = [
        { name: 'realm', value: this.realm, quoted: true },
        { name: 'nonce', value: nonce, quoted: true },
      ];
      if (this.opaque !== undefined) params.push({ name: 'opaque', value: this.opaque, quoted: true });
      if (options.stale) params.push({ name: 'stale', value: 'true', quoted: false });
      params.push({ name: 'algorithm', value: algorithm, quoted: false });
      if (this.qop) params.push({ name: 'qop', value: 'auth', quoted: true });
      return formatAuthHeader('Digest', params);
    });
  }

  /** The single most preferred challenge. */
  challenge(options: { stale?: boolean } = {}): string {
    return this.challenges(options)[0]!;
  }

  verify(input: VerifyInput): DigestVerification {
    const { credentials: c } = input;
    if (c.realm !== this.realm) return { ok: false, reason: 'realm-mismatch' };
    if (!this.algorithms.includes(c.algorithm)) return { ok: false, reason: 'algorithm-not-offered' };
    if (input.requestUri !== undefined && input.requestUri !== c.uri) return { ok: false, reason: 'uri-mismatch' };
    const nonce = this.nonces.check(c.nonce);
    if (!nonce.ok && nonce.reason !== 'expired') return { ok: false, reason: 'bad-nonce' };
    const ha1 = 'ha1' in input.secret ? input.secret.ha1.toLowerCase() : computeHa1(c.algorithm, c.username, c.realm, input.secret.password);
    const expected = computeDigestResponse({
      algorithm: c.algorithm,
      ha1,
      nonce: c.nonce,
      method: input.method,
      uri: c.uri,
      ...(c.qop !== undefined ? { qop: c.qop, nc: c.nc, cnonce: c.cnonce } : {}),
      ...(input.body !== undefined ? { body: input.body } : {}),
    });
    const a = Buffer.from(expected);
    const b = Buffer.from(c.response);
    if (a.length !== b.length || !timingSafeEqual(a, b)) return { ok: false, reason: 'bad-response' };
    // RFC 2617 §3.2.1 stale: the response is right for an expired nonce, so the password is right — no re-prompt.
    if (!nonce.ok) return { ok: false, reason: 'stale' };
    return { ok: true, username: c.username };
  }
}

import { type Clock, systemClock } from '../../core/index.js';
import { type DigestAlgorithm, DigestServer, type DigestSecret, type DigestVerification, parseDigestCredentials } from '../auth/index.js';
import type { SipRequest } from '../message/index.js';

export interface DigestRealmsOptions {
  /** Secret for stateless nonces (≥16 bytes); share it between cluster nodes. */
  readonly secret: string | Uint8Array;
  readonly clock?: Clock;
  readonly nonceTtlMs?: number;
  /** Offered algorithms, most preferred first; default SHA-256 then MD5 (RFC 8760 §2.4). */
  readonly algorithms?: readonly DigestAlgorithm[];
}

/** The result of checking a request's credentials for one realm. */
export type DigestCheck =
  | { readonly kind: 'ok'; readonly username: string }
  /** No usable credentials for this realm, wrong ones, or an unknown user: challenge (again). */
  | { readonly kind: 'challenge'; readonly stale: boolean }
  /** Credentials that cannot be parsed: 400 (RFC 3261 §8.2 leaves malformed header fields to a 400). */
  | { readonly kind: 'malformed' };

/**
 * One {@link DigestServer} per realm (each SIP domain is its own protection domain, RFC 3261 §22.1), created on
 * demand and sharing one nonce secret, so a node can challenge for any domain and verify answers for it.
 */
export class DigestRealms {
  private readonly servers = new Map<string, DigestServer>();

  constructor(private readonly options: DigestRealmsOptions) {}

  server(realm: string): DigestServer {
    let server = this.servers.get(realm);
    if (!server) {
      server = new DigestServer({
        realm,
        secret: this.options.secret,
        clock: this.options.clock ?? systemClock,
        ...(this.options.nonceTtlMs !== undefined ? { nonceTtlMs: this.options.nonceTtlMs } : {}),
        ...(this.options.algorithms !== undefined ? { algorithms: this.options.algorithms } : {}),
      });
      // Realms come from configured domains; bound the cache anyway so renamed domains do not accumulate.
      if (this.servers.size >= 10_000) this.servers.clear();
      this.servers.set(realm, server);
    }
    return server;
  }

  /** One challenge value per offered algorithm (RFC 8760 §2.4: one header field each, preferred first). */
  challenges(realm: string, stale = false): string[] {
    return this.server(realm).challenges({ stale });
  }

  /**
   * Checks the request's `Authorization` (registrar, RFC 3261 §22.2) or `Proxy-Authorization` (proxy-style INVITE
   * authentication, §22.3) credentials for `realm`. Credentials for other realms are ignored (§22.4: a request may
   * carry several).
   */
  async check(
    request: SipRequest,
    header: 'authorization' | 'proxy-authorization',
    realm: string,
    secretFor: (username: string) => Promise<DigestSecret | undefined>,
  ): Promise<DigestCheck> {
    for (const value of request.headers.getAll(header)) {
      const parsed = parseDigestCredentials(value);
      if (!parsed.ok) {
        if (parsed.reason === 'malformed') return { kind: 'malformed' };
        continue;
      }
      const credentials = parsed.credentials;
      if (credentials.realm !== realm) continue;
      const secret = await secretFor(credentials.username);
      if (!secret) return { kind: 'challenge', stale: false };
      const result: DigestVerification = this.server(realm).verify({
        credentials,
        method: request.method,
        requestUri: request.uri.toString(),
        secret,
        ...(credentials.qop === 'auth-int' ? { body: request.body } : {}),
      });
      if (result.ok) return { kind: 'ok', username: result.username };
      return { kind: 'challenge', stale: result.reason === 'stale' };
    }
    return { kind: 'challenge', stale: false };
  }
}

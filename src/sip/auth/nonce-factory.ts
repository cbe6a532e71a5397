import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Clock } from '../../core/index.js';

export type NonceCheck = { ok: true; issuedAt: number } | { ok: false; reason: 'malformed' | 'forged' | 'expired' };

/**
 * Stateless nonces (RFC 2617 §3.2.1 suggests "time-stamp H(time-stamp ":" ETag ":" private-key)"):
 *
 *   nonce = hex(issued-at ms, 12) hex(random, 16) hex(HMAC-SHA256(secret, issued-at random realm))[0..32]
 *
 * Any node holding the secret verifies a nonce without shared state; an authentic but old nonce is "expired", which
 * the server turns into stale=true (RFC 2617 §3.2.1) so the client retries without prompting for a password.
 */
export class NonceFactory {
  private readonly secret: Buffer;

  constructor(
    secret: string | Uint8Array,
    private readonly realm: string,
    private readonly clock: Clock,
    private readonly ttlMs: number,
  ) {
    this.secret = Buffer.from(secret);
    if (this.secret.length < 16) throw new RangeError('digest nonce secret must be at least 16 bytes');
  }

  create(): string {
    const ts = Math.floor(this.clock.now()).toString(16).padStart(12, '0');
    const rand = randomBytes(8).toString('hex');
    return ts + rand + this.mac(ts + rand);
  }

  check(nonce: string): NonceCheck {
    if (!/^[0-9a-f]{60}$/.test(nonce)) return { ok: false, reason: 'malformed' };
    const head = nonce.slice(0, 28);
    const expected = Buffer.from(this.mac(head));
    const given = Buffer.from(nonce.slice(28));
    if (!timingSafeEqual(expected, given)) return { ok: false, reason: 'forged' };
    const issuedAt = parseInt(nonce.slice(0, 12), 16);
    const age = this.clock.now() - issuedAt;
    if (age < -1000 || age > this.ttlMs) return { ok: false, reason: 'expired' };
    return { ok: true, issuedAt };
  }

  private mac(head: string): string {
    return createHmac('sha256', this.secret).update(`${head}:${this.realm}`).digest('hex').slice(0, 32);
  }
}

import { timingSafeEqual } from 'node:crypto';
import { TwilioError, authenticationFailed, isSid } from '../core/index.js';
import type { Account, Store } from '../store/index.js';

/** Who made a request: the account whose credentials were used, and the API key if one was. */
export interface Principal {
  account: Account;
  apiKeySid: string | null;
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * HTTP Basic with `AccountSid:AuthToken` or `ApiKeySid:ApiKeySecret` (reference §1.1). Every failure, malformed
 * headers included, is 401 / 20003 so that nothing distinguishes an unknown SID from a wrong secret.
 */
export async function authenticate(header: string | undefined, store: Store): Promise<Principal> {
  const match = header ? /^Basic ([A-Za-z0-9+/=]+)$/i.exec(header.trim()) : null;
  if (!match) throw authenticationFailed(header ? 'malformed Authorization header' : 'no credentials provided');
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) throw authenticationFailed('malformed Authorization header');
  const username = decoded.slice(0, colon);
  const password = decoded.slice(colon + 1);

  let account: Account | undefined;
  let apiKeySid: string | null = null;
  if (isSid(username, 'AC')) {
    account = await store.accounts.get(username);
    if (account && !safeEqual(account.authToken, password)) account = undefined;
  } else if (isSid(username, 'SK')) {
    const key = await store.keys.verify(username, password);
    if (key) {
      account = await store.accounts.get(key.accountSid);
      apiKeySid = key.sid;
    }
  }
  if (!account) throw authenticationFailed('invalid username');
  if (account.status !== 'active') throw authenticationFailed(`account is ${account.status}`);
  return { account, apiKeySid };
}

/**
 * The account a URL names, as the principal may act on it: itself, or one of its own subaccounts. Anything else
 * (a parent, a sibling, a stranger) is refused with 20003 as Twilio does. `allowInactive` lets a parent reach a
 * suspended subaccount's own Account resource so that it can reactivate it.
 */
export async function resolveAccount(
  principal: Principal,
  accountSid: string,
  store: Store,
  options: { allowInactive?: boolean } = {},
): Promise<Account> {
  if (accountSid === principal.account.sid) return principal.account;
  const target = isSid(accountSid, 'AC') ? await store.accounts.get(accountSid) : undefined;
  if (!target || target.parentAccountSid !== principal.account.sid) {
    throw authenticationFailed('credentials do not grant access to this account');
  }
  if (target.status !== 'active' && !options.allowInactive) {
    throw new TwilioError(20003, 401, `Authentication Error - account ${accountSid} is ${target.status}`);
  }
  return target;
}

/**
 * Remembers successful authentications for a moment so a busy client does not cost a database read (and an HMAC
 * for API keys) per request. Any change to an account or key clears it, so on this node a revoked credential stops
 * working at once; on other cluster nodes within `ttlMs`.
 */
export class CredentialCache {
  private readonly entries = new Map<string, { principal: Principal; expiresAt: number }>();

  constructor(
    private readonly now: () => number,
    private readonly ttlMs = 2_000,
    private readonly maxEntries = 10_000,
  ) {}

  async authenticate(header: string | undefined, store: Store): Promise<Principal> {
    if (header !== undefined) {
      const hit = this.entries.get(header);
      if (hit && hit.expiresAt > this.now()) return hit.principal;
    }
    const principal = await authenticate(header, store);
    if (this.entries.size >= this.maxEntries) this.entries.clear();
    this.entries.set(header!, { principal, expiresAt: this.now() + this.ttlMs });
    return principal;
  }

  invalidate(): void {
    this.entries.clear();
  }
}

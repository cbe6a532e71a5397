import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { newSid } from '../../core/index.js';
import type { KeyTable } from '../schema.js';
import { type Page, type PageRequest, keysetPage } from '../paging.js';
import type { StoreDatabase } from '../database.js';
import { SidRepository } from './sid-repository.js';

export type ApiKey = Omit<KeyTable, 'secretSalt' | 'secretHash'>;

function hashSecret(salt: string, secret: string): string {
  // Secrets are 32 random alphanumerics (~190 bits), so a keyed hash is enough; a slow KDF would only tax every request.
  return createHmac('sha256', salt).update(secret).digest('hex');
}

const publicColumns = ['sid', 'accountSid', 'friendlyName', 'dateCreated', 'dateUpdated'] as const;

export class KeyRepository extends SidRepository<'keys'> {
  constructor(database: StoreDatabase) {
    super(database, 'keys');
  }

  /** Creates a key; the secret is returned here once and only its salted hash is stored. */
  async create(input: { accountSid: string; friendlyName: string; now: number }): Promise<{ key: ApiKey; secret: string }> {
    const secret = randomBytes(24).toString('base64url').slice(0, 32);
    const salt = randomBytes(16).toString('hex');
    const row = await this.insertRow({
      sid: newSid('SK'),
      accountSid: input.accountSid,
      friendlyName: input.friendlyName,
      secretSalt: salt,
      secretHash: hashSecret(salt, secret),
      dateCreated: input.now,
      dateUpdated: input.now,
    });
    return { key: strip(row), secret };
  }

  async find(accountSid: string, sid: string): Promise<ApiKey | undefined> {
    const row = await this.getOwned(accountSid, sid);
    return row && strip(row);
  }

  /** The key when `secret` is its secret; undefined otherwise. Constant-time comparison. */
  async verify(sid: string, secret: string): Promise<ApiKey | undefined> {
    const row = await this.get(sid);
    if (!row) return undefined;
    const expected = Buffer.from(row.secretHash, 'hex');
    const actual = Buffer.from(hashSecret(row.secretSalt, secret), 'hex');
    return expected.length === actual.length && timingSafeEqual(expected, actual) ? strip(row) : undefined;
  }

  async list(accountSid: string, page: PageRequest): Promise<Page<ApiKey>> {
    const q = this.db.selectFrom('keys').select(publicColumns).where('accountSid', '=', accountSid);
    return keysetPage(q, page, { timeColumn: 'dateCreated', order: 'asc' });
  }

  async rename(sid: string, friendlyName: string, now: number): Promise<ApiKey | undefined> {
    const row = await this.update(sid, { friendlyName, dateUpdated: now });
    return row && strip(row);
  }
}

function strip(row: KeyTable): ApiKey {
  return { sid: row.sid, accountSid: row.accountSid, friendlyName: row.friendlyName, dateCreated: row.dateCreated, dateUpdated: row.dateUpdated };
}

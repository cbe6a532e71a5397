import type { SipCredentialTable } from '../schema.js';
import { type Page, type PageRequest, keysetPage } from '../paging.js';
import type { CredentialCipher } from './sip-credential-cipher.js';
import type { StoreDatabase } from '../database.js';
import { SidRepository } from './sid-repository.js';

/** A credential as the API shows it: the password never leaves the store except to verify a digest. */
export type SipCredential = Omit<SipCredentialTable, 'sealedPassword'>;

export class UsernameTakenError extends Error {
  constructor(readonly username: string) {
    super(`username ${username} already exists in this credential list`);
    this.name = 'UsernameTakenError';
  }
}

const publicColumns = ['sid', 'accountSid', 'credentialListSid', 'username', 'dateCreated', 'dateUpdated'] as const;

export class SipCredentialRepository extends SidRepository<'sipCredentials'> {
  /** The cipher is built on first use, so a store that never touches SIP credentials never creates a key. */
  constructor(
    database: StoreDatabase,
    private readonly cipher: () => CredentialCipher,
  ) {
    super(database, 'sipCredentials');
  }

  async create(input: SipCredential & { password: string }): Promise<SipCredential> {
    const { password, ...credential } = input;
    if (await this.findByUsername(credential.credentialListSid, credential.username)) throw new UsernameTakenError(credential.username);
    try {
      await this.insertRow({ ...credential, sealedPassword: this.cipher().seal(password, credential.sid) });
    } catch (err) {
      if (await this.findByUsername(credential.credentialListSid, credential.username)) throw new UsernameTakenError(credential.username);
      throw err;
    }
    return credential;
  }

  /** The credential only if it is in that list and belongs to that account. */
  findInList(accountSid: string, listSid: string, sid: string): Promise<SipCredential | undefined> {
    return this.db
      .selectFrom('sipCredentials')
      .select(publicColumns)
      .where('sid', '=', sid)
      .where('accountSid', '=', accountSid)
      .where('credentialListSid', '=', listSid)
      .executeTakeFirst();
  }

  list(listSid: string, page: PageRequest): Promise<Page<SipCredential>> {
    const q = this.db.selectFrom('sipCredentials').select(publicColumns).where('credentialListSid', '=', listSid);
    return keysetPage(q, page, { timeColumn: 'dateCreated', order: 'asc' });
  }

  async changePassword(sid: string, password: string, now: number): Promise<SipCredential | undefined> {
    const row = await this.update(sid, { sealedPassword: this.cipher().seal(password, sid), dateUpdated: now });
    return row && strip(row);
  }

  /**
   * The password of `username` in the first of `listSids` that has it (in the order given), for digest
   * verification; undefined when none does or the sealed value does not open under this server's key.
   */
  async passwordFor(listSids: readonly string[], username: string): Promise<string | undefined> {
    if (listSids.length === 0) return undefined;
    const rows = await this.db
      .selectFrom('sipCredentials')
      .select(['sid', 'credentialListSid', 'sealedPassword'])
      .where('credentialListSid', 'in', listSids)
      .where('username', '=', username)
      .execute();
    rows.sort((a, b) => listSids.indexOf(a.credentialListSid) - listSids.indexOf(b.credentialListSid));
    for (const row of rows) {
      const password = this.cipher().open(row.sealedPassword, row.sid);
      if (password !== undefined) return password;
    }
    return undefined;
  }

  private findByUsername(listSid: string, username: string) {
    return this.db
      .selectFrom('sipCredentials')
      .select('sid')
      .where('credentialListSid', '=', listSid)
      .where('username', '=', username)
      .executeTakeFirst();
  }
}

function strip(row: SipCredentialTable): SipCredential {
  const { sealedPassword: _sealed, ...rest } = row;
  return rest;
}

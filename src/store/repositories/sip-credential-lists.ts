import type { SipCredentialListTable } from '../schema.js';
import { type Page, type PageRequest, keysetPage } from '../paging.js';
import type { StoreDatabase } from '../database.js';
import { SidRepository } from './sid-repository.js';

export type SipCredentialList = SipCredentialListTable;

export class SipCredentialListRepository extends SidRepository<'sipCredentialLists'> {
  constructor(database: StoreDatabase) {
    super(database, 'sipCredentialLists');
  }

  create(row: SipCredentialList): Promise<SipCredentialList> {
    return this.insertRow(row);
  }

  list(accountSid: string, page: PageRequest): Promise<Page<SipCredentialList>> {
    const q = this.db.selectFrom('sipCredentialLists').selectAll().where('accountSid', '=', accountSid);
    return keysetPage(q, page, { timeColumn: 'dateCreated', order: 'asc' });
  }

  /** Deletes the list, its credentials and every domain mapping of it. */
  async remove(sid: string): Promise<boolean> {
    return this.db.transaction().execute(async (tx) => {
      await tx.deleteFrom('sipCredentials').where('credentialListSid', '=', sid).execute();
      await tx.deleteFrom('sipDomainMappings').where('sid', '=', sid).execute();
      const result = await tx.deleteFrom('sipCredentialLists').where('sid', '=', sid).executeTakeFirst();
      return Number(result.numDeletedRows) > 0;
    });
  }
}

import type { SipIpAccessControlListTable } from '../schema.js';
import { type Page, type PageRequest, keysetPage } from '../paging.js';
import type { StoreDatabase } from '../database.js';
import { SidRepository } from './sid-repository.js';

export type SipIpAccessControlList = SipIpAccessControlListTable;

export class SipIpAccessControlListRepository extends SidRepository<'sipIpAccessControlLists'> {
  constructor(database: StoreDatabase) {
    super(database, 'sipIpAccessControlLists');
  }

  create(row: SipIpAccessControlList): Promise<SipIpAccessControlList> {
    return this.insertRow(row);
  }

  list(accountSid: string, page: PageRequest): Promise<Page<SipIpAccessControlList>> {
    const q = this.db.selectFrom('sipIpAccessControlLists').selectAll().where('accountSid', '=', accountSid);
    return keysetPage(q, page, { timeColumn: 'dateCreated', order: 'asc' });
  }

  /** Deletes the list, its addresses and every domain mapping of it. */
  async remove(sid: string): Promise<boolean> {
    return this.db.transaction().execute(async (tx) => {
      await tx.deleteFrom('sipIpAddresses').where('ipAccessControlListSid', '=', sid).execute();
      await tx.deleteFrom('sipDomainMappings').where('sid', '=', sid).execute();
      const result = await tx.deleteFrom('sipIpAccessControlLists').where('sid', '=', sid).executeTakeFirst();
      return Number(result.numDeletedRows) > 0;
    });
  }
}

import type { SipIpAddressTable } from '../schema.js';
import { type Page, type PageRequest, keysetPage } from '../paging.js';
import type { StoreDatabase } from '../database.js';
import { SidRepository } from './sid-repository.js';

export type SipIpAddress = SipIpAddressTable;

export class SipIpAddressRepository extends SidRepository<'sipIpAddresses'> {
  constructor(database: StoreDatabase) {
    super(database, 'sipIpAddresses');
  }

  create(row: SipIpAddress): Promise<SipIpAddress> {
    return this.insertRow(row);
  }

  /** The address only if it is in that list and belongs to that account. */
  findInList(accountSid: string, listSid: string, sid: string): Promise<SipIpAddress | undefined> {
    return this.db
      .selectFrom('sipIpAddresses')
      .selectAll()
      .where('sid', '=', sid)
      .where('accountSid', '=', accountSid)
      .where('ipAccessControlListSid', '=', listSid)
      .executeTakeFirst();
  }

  list(listSid: string, page: PageRequest): Promise<Page<SipIpAddress>> {
    const q = this.db.selectFrom('sipIpAddresses').selectAll().where('ipAccessControlListSid', '=', listSid);
    return keysetPage(q, page, { timeColumn: 'dateCreated', order: 'asc' });
  }

  /** Every address of the given lists, for access checks. */
  async inLists(listSids: readonly string[]): Promise<SipIpAddress[]> {
    if (listSids.length === 0) return [];
    return this.db.selectFrom('sipIpAddresses').selectAll().where('ipAccessControlListSid', 'in', listSids).execute();
  }
}

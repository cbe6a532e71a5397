import type { ApplicationTable } from '../schema.js';
import { type Page, type PageRequest, keysetPage } from '../paging.js';
import type { StoreDatabase } from '../database.js';
import { SidRepository } from './sid-repository.js';

export type Application = ApplicationTable;

export class ApplicationRepository extends SidRepository<'applications'> {
  constructor(database: StoreDatabase) {
    super(database, 'applications');
  }

  create(row: Application): Promise<Application> {
    return this.insertRow(row);
  }

  list(accountSid: string, filters: { friendlyName?: string }, page: PageRequest): Promise<Page<Application>> {
    let q = this.db.selectFrom('applications').selectAll().where('accountSid', '=', accountSid);
    if (filters.friendlyName !== undefined) q = q.where('friendlyName', '=', filters.friendlyName);
    return keysetPage(q, page, { timeColumn: 'dateCreated', order: 'asc' });
  }
}

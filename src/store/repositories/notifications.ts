import type { NotificationTable } from '../schema.js';
import { type Page, type PageRequest, keysetPage } from '../paging.js';
import type { TimeRange } from './range.js';
import type { StoreDatabase } from '../database.js';
import { SidRepository } from './sid-repository.js';

export type Notification = NotificationTable;

export interface NotificationFilters {
  callSid?: string;
  log?: string;
  messageDate?: TimeRange;
}

export class NotificationRepository extends SidRepository<'notifications'> {
  constructor(database: StoreDatabase) {
    super(database, 'notifications');
  }

  create(row: Notification): Promise<Notification> {
    return this.insertRow(row);
  }

  list(accountSid: string, filters: NotificationFilters, page: PageRequest): Promise<Page<Notification>> {
    let q = this.db.selectFrom('notifications').selectAll().where('accountSid', '=', accountSid);
    if (filters.callSid !== undefined) q = q.where('callSid', '=', filters.callSid);
    if (filters.log !== undefined) q = q.where('log', '=', filters.log);
    const range = filters.messageDate;
    if (range?.on) q = q.where('messageDate', '>=', range.on.from).where('messageDate', '<=', range.on.to);
    if (range?.after !== undefined) q = q.where('messageDate', '>=', range.after);
    if (range?.before !== undefined) q = q.where('messageDate', '<=', range.before);
    return keysetPage(q, page, { timeColumn: 'dateCreated', order: 'desc' });
  }
}

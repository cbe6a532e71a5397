import type { RecordingTable } from '../schema.js';
import { type Page, type PageRequest, keysetPage } from '../paging.js';
import type { TimeRange } from './range.js';
import type { StoreDatabase } from '../database.js';
import { SidRepository } from './sid-repository.js';

export type Recording = RecordingTable;

export interface RecordingFilters {
  callSid?: string;
  conferenceSid?: string;
  dateCreated?: TimeRange;
}

export class RecordingRepository extends SidRepository<'recordings'> {
  constructor(database: StoreDatabase) {
    super(database, 'recordings');
  }

  create(row: Recording): Promise<Recording> {
    return this.insertRow(row);
  }

  list(accountSid: string, filters: RecordingFilters, page: PageRequest): Promise<Page<Recording>> {
    let q = this.db.selectFrom('recordings').selectAll().where('accountSid', '=', accountSid);
    if (filters.callSid !== undefined) q = q.where('callSid', '=', filters.callSid);
    if (filters.conferenceSid !== undefined) q = q.where('conferenceSid', '=', filters.conferenceSid);
    const range = filters.dateCreated;
    if (range?.on) q = q.where('dateCreated', '>=', range.on.from).where('dateCreated', '<=', range.on.to);
    if (range?.after !== undefined) q = q.where('dateCreated', '>=', range.after);
    if (range?.before !== undefined) q = q.where('dateCreated', '<=', range.before);
    return keysetPage(q, page, { timeColumn: 'dateCreated', order: 'desc' });
  }
}

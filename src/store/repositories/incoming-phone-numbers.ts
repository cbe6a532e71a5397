import type { IncomingPhoneNumberTable } from '../schema.js';
import { type Page, type PageRequest, keysetPage } from '../paging.js';
import type { StoreDatabase } from '../database.js';
import { SidRepository } from './sid-repository.js';

export type IncomingPhoneNumber = IncomingPhoneNumberTable;

export interface IncomingPhoneNumberFilters {
  friendlyName?: string;
  /** Partial number; `*` matches any one digit (Twilio's filter semantics). */
  phoneNumber?: string;
  origin?: string;
  numberType?: IncomingPhoneNumber['numberType'];
}

export class IncomingPhoneNumberRepository extends SidRepository<'incomingPhoneNumbers'> {
  constructor(database: StoreDatabase) {
    super(database, 'incomingPhoneNumbers');
  }

  create(row: IncomingPhoneNumber): Promise<IncomingPhoneNumber> {
    return this.insertRow(row);
  }

  /** The number as the call router looks it up: exact E.164 match, across every account. */
  async findByPhoneNumber(phoneNumber: string): Promise<IncomingPhoneNumber | undefined> {
    const statement = this.compiled('findByPhoneNumber', ['phoneNumber'], (p) =>
      this.db.selectFrom('incomingPhoneNumbers').selectAll().where('phoneNumber', '=', p.phoneNumber).compile(),
    );
    const [row] = await statement.run<IncomingPhoneNumber>({ phoneNumber });
    return row;
  }

  list(accountSid: string, filters: IncomingPhoneNumberFilters, page: PageRequest): Promise<Page<IncomingPhoneNumber>> {
    let q = this.db.selectFrom('incomingPhoneNumbers').selectAll().where('accountSid', '=', accountSid);
    if (filters.friendlyName !== undefined) q = q.where('friendlyName', '=', filters.friendlyName);
    if (filters.origin !== undefined) q = q.where('origin', '=', filters.origin);
    if (filters.numberType !== undefined) q = q.where('numberType', '=', filters.numberType);
    if (filters.phoneNumber !== undefined) {
      const pattern = '%' + filters.phoneNumber.replace(/[%_\\]/g, '').replace(/\*/g, '_') + '%';
      q = q.where('phoneNumber', 'like', pattern);
    }
    return keysetPage(q, page, { timeColumn: 'dateCreated', order: 'asc' });
  }
}

import type { Kysely } from 'kysely';
import type { Database, IncomingPhoneNumberTable } from '../schema.js';
import { type Page, type PageRequest, keysetPage } from '../paging.js';
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
  constructor(db: Kysely<Database>) {
    super(db, 'incomingPhoneNumbers');
  }

  create(row: IncomingPhoneNumber): Promise<IncomingPhoneNumber> {
    return this.insertRow(row);
  }

  /** The number as the call router looks it up: exact E.164 match, across every account. */
  findByPhoneNumber(phoneNumber: string): Promise<IncomingPhoneNumber | undefined> {
    return this.db.selectFrom('incomingPhoneNumbers').selectAll().where('phoneNumber', '=', phoneNumber).executeTakeFirst();
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

import { randomBytes } from 'node:crypto';
import { newSid } from '../../core/index.js';
import type { AccountTable } from '../schema.js';
import { type Page, type PageRequest, keysetPage } from '../paging.js';
import type { StoreDatabase } from '../database.js';
import { SidRepository } from './sid-repository.js';

export type Account = AccountTable;

export interface NewAccount {
  friendlyName: string;
  parentAccountSid: string | null;
  sid?: string;
  authToken?: string;
  now: number;
}

export function newAuthToken(): string {
  return randomBytes(16).toString('hex');
}

export class AccountRepository extends SidRepository<'accounts'> {
  constructor(database: StoreDatabase) {
    super(database, 'accounts');
  }

  create(input: NewAccount): Promise<Account> {
    return this.insertRow({
      sid: input.sid ?? newSid('AC'),
      parentAccountSid: input.parentAccountSid,
      friendlyName: input.friendlyName,
      status: 'active',
      type: 'Full',
      authToken: input.authToken ?? newAuthToken(),
      dateCreated: input.now,
      dateUpdated: input.now,
    });
  }

  /** The owner account: the one account without a parent, created at first start. */
  findOwner(): Promise<Account | undefined> {
    return this.db.selectFrom('accounts').selectAll().where('parentAccountSid', 'is', null).orderBy('dateCreated').executeTakeFirst();
  }

  /** An account and its direct subaccounts, as `GET /Accounts.json` shows them to that account. */
  list(
    viewerSid: string,
    filters: { friendlyName?: string; status?: string },
    page: PageRequest,
  ): Promise<Page<Account>> {
    let q = this.db
      .selectFrom('accounts')
      .selectAll()
      .where((eb) => eb.or([eb('sid', '=', viewerSid), eb('parentAccountSid', '=', viewerSid)]));
    if (filters.friendlyName !== undefined) q = q.where('friendlyName', '=', filters.friendlyName);
    if (filters.status !== undefined) q = q.where('status', '=', filters.status as Account['status']);
    return keysetPage(q, page, { timeColumn: 'dateCreated', order: 'asc' });
  }
}

import type { Kysely } from 'kysely';
import type { ConnectionPolicyTargetTable, Database } from '../schema.js';
import { type Page, type PageRequest, keysetPage } from '../paging.js';
import { SidRepository } from './sid-repository.js';

export type ConnectionPolicyTarget = ConnectionPolicyTargetTable;

export class ConnectionPolicyTargetRepository extends SidRepository<'connectionPolicyTargets'> {
  constructor(db: Kysely<Database>) {
    super(db, 'connectionPolicyTargets');
  }

  create(row: ConnectionPolicyTarget): Promise<ConnectionPolicyTarget> {
    return this.insertRow(row);
  }

  /** The target only if it is in that policy and belongs to that account. */
  findInPolicy(accountSid: string, policySid: string, sid: string): Promise<ConnectionPolicyTarget | undefined> {
    return this.db
      .selectFrom('connectionPolicyTargets')
      .selectAll()
      .where('sid', '=', sid)
      .where('accountSid', '=', accountSid)
      .where('connectionPolicySid', '=', policySid)
      .executeTakeFirst();
  }

  list(policySid: string, page: PageRequest): Promise<Page<ConnectionPolicyTarget>> {
    const q = this.db.selectFrom('connectionPolicyTargets').selectAll().where('connectionPolicySid', '=', policySid);
    return keysetPage(q, page, { timeColumn: 'dateCreated', order: 'asc' });
  }

  /** Every target of a policy, enabled or not, in creation order: the input of a route plan. */
  all(policySid: string): Promise<ConnectionPolicyTarget[]> {
    return this.db
      .selectFrom('connectionPolicyTargets')
      .selectAll()
      .where('connectionPolicySid', '=', policySid)
      .orderBy('dateCreated')
      .orderBy('sid')
      .execute();
  }
}

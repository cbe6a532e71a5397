import type { ConnectionPolicyTargetTable } from '../schema.js';
import { type Page, type PageRequest, keysetPage } from '../paging.js';
import type { StoreDatabase } from '../database.js';
import { SidRepository } from './sid-repository.js';

export type ConnectionPolicyTarget = ConnectionPolicyTargetTable;

export class ConnectionPolicyTargetRepository extends SidRepository<'connectionPolicyTargets'> {
  constructor(database: StoreDatabase) {
    super(database, 'connectionPolicyTargets');
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
  async all(policySid: string): Promise<ConnectionPolicyTarget[]> {
    const statement = this.compiled('all', ['policySid'], (p) =>
      this.db.selectFrom('connectionPolicyTargets').selectAll().where('connectionPolicySid', '=', p.policySid).orderBy('dateCreated').orderBy('sid').compile(),
    );
    return statement.run<ConnectionPolicyTarget>({ policySid });
  }
}

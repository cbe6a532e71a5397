import type { ConnectionPolicyTable } from '../schema.js';
import { type Page, type PageRequest, keysetPage } from '../paging.js';
import type { StoreDatabase } from '../database.js';
import { SidRepository } from './sid-repository.js';

export type ConnectionPolicy = ConnectionPolicyTable;

export class ConnectionPolicyRepository extends SidRepository<'connectionPolicies'> {
  constructor(database: StoreDatabase) {
    super(database, 'connectionPolicies');
  }

  create(row: ConnectionPolicy): Promise<ConnectionPolicy> {
    return this.insertRow(row);
  }

  list(accountSid: string, page: PageRequest): Promise<Page<ConnectionPolicy>> {
    const q = this.db.selectFrom('connectionPolicies').selectAll().where('accountSid', '=', accountSid);
    return keysetPage(q, page, { timeColumn: 'dateCreated', order: 'asc' });
  }

  /** Deletes the policy with its targets in one transaction, and detaches the trunks that used it. */
  async deleteWithTargets(sid: string, now: number): Promise<boolean> {
    return this.db.transaction().execute(async (trx) => {
      await trx.deleteFrom('connectionPolicyTargets').where('connectionPolicySid', '=', sid).execute();
      await trx.updateTable('byocTrunks').set({ connectionPolicySid: null, dateUpdated: now }).where('connectionPolicySid', '=', sid).execute();
      const result = await trx.deleteFrom('connectionPolicies').where('sid', '=', sid).executeTakeFirst();
      return Number(result.numDeletedRows) > 0;
    });
  }
}

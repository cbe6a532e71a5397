import type { Kysely } from 'kysely';
import type { AccountCallLimitsTable, Database } from '../schema.js';

export type AccountCallLimits = AccountCallLimitsTable;

/** A change of limits: undefined leaves a limit as it is, null returns it to the server default. */
export interface CallLimitsPatch {
  callsPerSecond?: number | null;
  maxConcurrentCalls?: number | null;
}

/** Per-account outbound call limits (a Patchbay extension); one row per account that has any set. */
export class AccountCallLimitsRepository {
  constructor(private readonly db: Kysely<Database>) {}

  get(accountSid: string): Promise<AccountCallLimits | undefined> {
    return this.db.selectFrom('accountCallLimits').selectAll().where('accountSid', '=', accountSid).executeTakeFirst();
  }

  async set(accountSid: string, patch: CallLimitsPatch, now: number): Promise<AccountCallLimits> {
    const changes = {
      ...(patch.callsPerSecond !== undefined ? { callsPerSecond: patch.callsPerSecond } : {}),
      ...(patch.maxConcurrentCalls !== undefined ? { maxConcurrentCalls: patch.maxConcurrentCalls } : {}),
      dateUpdated: now,
    };
    await this.db
      .insertInto('accountCallLimits')
      .values({ accountSid, callsPerSecond: null, maxConcurrentCalls: null, ...changes })
      .onConflict((oc) => oc.column('accountSid').doUpdateSet(changes))
      .execute();
    return (await this.get(accountSid))!;
  }
}

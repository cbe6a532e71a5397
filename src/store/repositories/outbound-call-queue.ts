import type { Expression, ExpressionBuilder, Kysely, SqlBool } from 'kysely';
import type { Database, OutboundCallQueueTable } from '../schema.js';

export type QueuedCallRow = OutboundCallQueueTable;

/** A row to store; without `owner` and `leaseExpiresAt` it is no node's, and the next node to look takes it. */
export type NewQueuedCallRow = Omit<QueuedCallRow, 'owner' | 'leaseExpiresAt'> & Partial<Pick<QueuedCallRow, 'owner' | 'leaseExpiresAt'>>;

type RowCondition = (eb: ExpressionBuilder<Database, 'outboundCallQueue'>) => Expression<SqlBool>;

/** The rows a starting node takes: its own, whatever their lease, and those whose lease ran out. */
const claimable = (owner: string, now: number): RowCondition => (eb) => eb.or([eb('owner', '=', owner), eb('leaseExpiresAt', '<=', now)]);
/** The rows a running node takes: those whose lease ran out. */
const adoptable = (now: number): RowCondition => (eb) => eb('leaseExpiresAt', '<=', now);

/**
 * The durable part of the outbound call queue: a row per waiting call, so the queue survives a restart. In a
 * cluster every node sees every row, so each row is leased to one node (`owner` until `leaseExpiresAt`): a node
 * places only the calls it holds, keeps its leases fresh while it runs, and takes over rows whose lease ran out.
 *
 * Every change of owner is one conditional UPDATE whose WHERE clause re-checks the lease, and only the rows it
 * changed (RETURNING) are the caller's. Two nodes racing for one expired row cannot both get it: SQLite runs one
 * writer at a time, and PostgreSQL (READ COMMITTED) makes the second UPDATE wait for the first's row lock and then
 * re-evaluate its WHERE clause against the row as the first left it, which no longer matches.
 */
export class OutboundCallQueueRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async insert(row: NewQueuedCallRow): Promise<void> {
    await this.db.insertInto('outboundCallQueue').values({ owner: null, leaseExpiresAt: 0, ...row }).execute();
  }

  async remove(callSid: string): Promise<boolean> {
    const result = await this.db.deleteFrom('outboundCallQueue').where('callSid', '=', callSid).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  /** Every waiting call, of every node, in release order. */
  all(): Promise<QueuedCallRow[]> {
    return this.db.selectFrom('outboundCallQueue').selectAll().orderBy('seq').orderBy('callSid').execute();
  }

  /**
   * At a node's start: takes the rows it owned before (at once, whatever their lease) and the rows whose lease has
   * run out (`leaseExpiresAt <= now`), leasing them all to `owner` until `leaseExpiresAt`. Returns the rows taken,
   * in release order.
   */
  claim(owner: string, now: number, leaseExpiresAt: number): Promise<QueuedCallRow[]> {
    return this.take(owner, leaseExpiresAt, claimable(owner, now));
  }

  /**
   * While a node runs: takes the rows whose lease has run out (another node's that stopped renewing, or rows no node
   * holds). Its own rows are included only if it let their lease run out; returns the rows taken, in release order.
   */
  adopt(owner: string, now: number, leaseExpiresAt: number): Promise<QueuedCallRow[]> {
    return this.take(owner, leaseExpiresAt, adoptable(now));
  }

  /**
   * Deletes, among the rows that `claim` (`mode` claim) or `adopt` would take now, those whose call has left
   * `queued`: placed by a node that died after its call's record became `initiated` and before it deleted the row.
   * Taking such a row would dial the callee a second time. Rows without a Call record are left to the queue's user.
   * Returns their call SIDs.
   */
  async dropPlaced(owner: string, now: number, mode: 'claim' | 'adopt'): Promise<string[]> {
    const rows = await this.db
      .deleteFrom('outboundCallQueue')
      .where(mode === 'claim' ? claimable(owner, now) : adoptable(now))
      .where((eb) => eb.exists(
        eb.selectFrom('calls').select('calls.sid').whereRef('calls.sid', '=', 'outboundCallQueue.callSid').where('calls.status', '<>', 'queued'),
      ))
      .returning('callSid')
      .execute();
    return rows.map((r) => r.callSid);
  }

  /**
   * Extends the lease of every row `owner` holds, in one statement. Returns their call SIDs: a row the node thought
   * it held and that is missing was taken by another node after its lease ran out (or deleted).
   */
  async renew(owner: string, leaseExpiresAt: number): Promise<string[]> {
    const rows = await this.db
      .updateTable('outboundCallQueue')
      .set({ leaseExpiresAt })
      .where('owner', '=', owner)
      .returning('callSid')
      .execute();
    return rows.map((r) => r.callSid);
  }

  private async take(owner: string, leaseExpiresAt: number, condition: RowCondition): Promise<QueuedCallRow[]> {
    const rows = await this.db.updateTable('outboundCallQueue').set({ owner, leaseExpiresAt }).where(condition).returningAll().execute();
    // RETURNING gives rows in no particular order.
    return rows.sort((a, b) => a.seq - b.seq || (a.callSid < b.callSid ? -1 : a.callSid > b.callSid ? 1 : 0));
  }
}

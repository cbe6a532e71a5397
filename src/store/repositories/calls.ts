import { type Kysely, sql } from 'kysely';
import type { PreparedQuery, StoreDatabase } from '../database.js';
import type { CallStatus, CallTable, Database } from '../schema.js';
import { type Page, type PageRequest, keysetPage } from '../paging.js';
import type { TimeRange } from './range.js';
import { SidRepository } from './sid-repository.js';

export type Call = CallTable;

export interface CallFilters {
  to?: string;
  from?: string;
  parentCallSid?: string;
  status?: CallStatus;
  startTime?: TimeRange;
  endTime?: TimeRange;
}

const LIVE: CallStatus[] = ['queued', 'initiated', 'ringing', 'in-progress'];

/** Every column of a Call, in the order `toCall` reads a row. */
const COLUMNS = [
  'sid', 'accountSid', 'parentCallSid', 'to', 'from', 'phoneNumberSid', 'status', 'startTime', 'endTime', 'duration', 'price',
  'priceUnit', 'direction', 'answeredBy', 'apiVersion', 'forwardedFrom', 'groupSid', 'callerName', 'queueTime', 'trunkSid',
  'dateCreated', 'dateUpdated',
] as const satisfies readonly (keyof Call)[];
type Row<C extends readonly (keyof Call)[]> = { -readonly [I in keyof C]: Call[C[I] & keyof Call] };
type CallRow = Row<typeof COLUMNS>;

function toCall(row: CallRow): Call {
  const [
    sid, accountSid, parentCallSid, to, from, phoneNumberSid, status, startTime, endTime, duration, price,
    priceUnit, direction, answeredBy, apiVersion, forwardedFrom, groupSid, callerName, queueTime, trunkSid,
    dateCreated, dateUpdated,
  ] = row;
  return {
    sid, accountSid, parentCallSid, to, from, phoneNumberSid, status, startTime, endTime, duration, price,
    priceUnit, direction, answeredBy, apiVersion, forwardedFrom, groupSid, callerName, queueTime, trunkSid,
    dateCreated, dateUpdated,
  };
}

export class CallRepository extends SidRepository<'calls'> {
  private readonly owned: PreparedQuery;

  constructor(database: StoreDatabase) {
    super(database, 'calls');
    this.owned = database.prepare(compileOwned(database.db));
  }

  /**
   * The call, only if it belongs to `accountSid`. `GET Calls/{Sid}.json` is the API's busiest read and is never
   * cached (a live call's status changes all the time, and another node may write it), so it runs as a query
   * compiled once, with rows mapped here rather than by the CamelCasePlugin.
   */
  override async getOwned(accountSid: string, sid: string): Promise<Call | undefined> {
    const row = await this.owned.first([sid, accountSid]);
    return row && toCall(row as unknown as CallRow);
  }

  create(row: Call): Promise<Call> {
    return this.insertRow(row);
  }

  list(accountSid: string, filters: CallFilters, page: PageRequest): Promise<Page<Call>> {
    let q = this.db.selectFrom('calls').selectAll().where('accountSid', '=', accountSid);
    if (filters.to !== undefined) q = q.where('to', '=', filters.to);
    if (filters.from !== undefined) q = q.where('from', '=', filters.from);
    if (filters.parentCallSid !== undefined) q = q.where('parentCallSid', '=', filters.parentCallSid);
    if (filters.status !== undefined) q = q.where('status', '=', filters.status);
    for (const [column, range] of [['startTime', filters.startTime], ['endTime', filters.endTime]] as const) {
      if (!range) continue;
      if (range.on) q = q.where(column, '>=', range.on.from).where(column, '<=', range.on.to);
      if (range.after !== undefined) q = q.where(column, '>=', range.after);
      if (range.before !== undefined) q = q.where(column, '<=', range.before);
    }
    // Twilio lists calls newest first.
    return keysetPage(q, page, { timeColumn: 'dateCreated', order: 'desc' });
  }

  /**
   * Closes calls left live by a process that died: they end now, `completed` if they had been answered and
   * `failed` otherwise. A `queued` call still waiting in the durable outbound queue is not an orphan: the queue
   * releases it after the restart. Returns how many were closed.
   */
  async closeOrphans(now: number): Promise<number> {
    const answered = await this.db
      .updateTable('calls')
      .set({
        status: 'completed',
        endTime: now,
        // Whole seconds, as Twilio reports duration; integer division works alike in SQLite and PostgreSQL.
        duration: sql<number>`(${now} - coalesce(start_time, ${now})) / 1000`,
        dateUpdated: now,
      })
      .where('status', '=', 'in-progress')
      .executeTakeFirst();
    const unanswered = await this.db
      .updateTable('calls')
      .set({ status: 'failed', endTime: now, duration: 0, dateUpdated: now })
      .where('status', 'in', LIVE)
      .where((eb) => eb.not(eb.exists(eb.selectFrom('outboundCallQueue').select('outboundCallQueue.callSid').whereRef('outboundCallQueue.callSid', '=', 'calls.sid'))))
      .executeTakeFirst();
    return Number(answered.numUpdatedRows) + Number(unanswered.numUpdatedRows);
  }
}

/** `getOwned`'s query; its parameters are the call SID, then the account SID. */
function compileOwned(db: Kysely<Database>) {
  return db.selectFrom('calls').select(COLUMNS).where('sid', '=', '').where('accountSid', '=', '').compile();
}

import { type Expression, type ExpressionBuilder, type Kysely, type SqlBool, sql } from 'kysely';
import type { PreparedQuery, StoreDatabase } from '../database.js';
import type { CallStatus, CallTable, Database } from '../schema.js';
import { type Page, type PageRequest, keysetPage } from '../paging.js';
import type { TimeRange } from './range.js';
import { SidRepository } from './sid-repository.js';

export type Call = CallTable;
/** A call record to store; the repository sets `nodeId` to its own node's. */
export type NewCall = Omit<Call, 'nodeId'>;

export interface CallRepositoryOptions {
  /**
   * This node's id in a cluster (`loadOrCreateNodeId`): stamped on every call it creates or places, so that its
   * start-up closes only its own orphans and other nodes know whose calls die with it. Without one, calls are
   * stored without a node, as a single node did before.
   */
  nodeId?: string;
}

export interface CallFilters {
  to?: string;
  from?: string;
  parentCallSid?: string;
  status?: CallStatus;
  startTime?: TimeRange;
  endTime?: TimeRange;
}

const LIVE: CallStatus[] = ['queued', 'initiated', 'ringing', 'in-progress'];
const UNANSWERED: CallStatus[] = ['queued', 'initiated', 'ringing'];

type CallCondition = (eb: ExpressionBuilder<Database, 'calls'>) => Expression<SqlBool>;

/** Every column of a Call, in the order `toCall` reads a row. */
const COLUMNS = [
  'sid', 'accountSid', 'parentCallSid', 'to', 'from', 'phoneNumberSid', 'status', 'startTime', 'endTime', 'duration', 'price',
  'priceUnit', 'direction', 'answeredBy', 'apiVersion', 'forwardedFrom', 'groupSid', 'callerName', 'queueTime', 'trunkSid',
  'dateCreated', 'dateUpdated', 'nodeId',
] as const satisfies readonly (keyof Call)[];
type Row<C extends readonly (keyof Call)[]> = { -readonly [I in keyof C]: Call[C[I] & keyof Call] };
type CallRow = Row<typeof COLUMNS>;

function toCall(row: CallRow): Call {
  const [
    sid, accountSid, parentCallSid, to, from, phoneNumberSid, status, startTime, endTime, duration, price,
    priceUnit, direction, answeredBy, apiVersion, forwardedFrom, groupSid, callerName, queueTime, trunkSid,
    dateCreated, dateUpdated, nodeId,
  ] = row;
  return {
    sid, accountSid, parentCallSid, to, from, phoneNumberSid, status, startTime, endTime, duration, price,
    priceUnit, direction, answeredBy, apiVersion, forwardedFrom, groupSid, callerName, queueTime, trunkSid,
    dateCreated, dateUpdated, nodeId,
  };
}

export class CallRepository extends SidRepository<'calls'> {
  private readonly owned: PreparedQuery;
  private readonly nodeId: string | null;

  constructor(database: StoreDatabase, options: CallRepositoryOptions = {}) {
    super(database, 'calls');
    this.owned = database.prepare(compileOwned(database.db));
    this.nodeId = options.nodeId ?? null;
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

  /** Stores a new call as this node's. */
  create(row: NewCall): Promise<Call> {
    return this.insertRow({ ...row, nodeId: this.nodeId });
  }

  /**
   * A call released by the outbound queue becomes this node's and `initiated`, only if its record still says
   * `queued`; false when it does not (another node placed it already, or it was canceled). Awaited before the
   * INVITE goes: a queue row that outlives the node that placed its call (dead between the two) must find the call
   * placed, or the callee is dialed twice. One conditional UPDATE, so of two nodes only one gets true.
   */
  async initiateQueued(sid: string, change: { queueTime: number; now: number }): Promise<boolean> {
    const statement = this.compiled('initiateQueued', ['sid', 'from', 'status', 'nodeId', 'queueTime', 'dateUpdated'], (p) =>
      this.untyped.updateTable('calls')
        .set({ status: p.status, nodeId: p.nodeId, queueTime: p.queueTime, dateUpdated: p.dateUpdated })
        .where('sid', '=', p.sid)
        .where('status', '=', p.from)
        .returning('sid')
        .compile(),
    );
    const rows = await statement.run({ sid, from: 'queued', status: 'initiated', nodeId: this.nodeId, queueTime: change.queueTime, dateUpdated: change.now });
    return rows.length > 0;
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
   * Closes calls left live by this node's previous run (it died): they end now, `completed` if they had been
   * answered and `failed` otherwise. Only this node's calls and calls stored without a node (from before nodes were
   * recorded, when one node held them all): in a cluster the other nodes' live calls are theirs, and
   * `closeAbandoned` closes those of a node that died. A `queued` call still waiting in the durable outbound queue
   * is not an orphan: a queue releases it. Returns how many were closed.
   */
  async closeOrphans(now: number): Promise<number> {
    const nodeId = this.nodeId;
    const mine: CallCondition = (eb) => (nodeId === null ? eb('nodeId', 'is', null) : eb.or([eb('nodeId', '=', nodeId), eb('nodeId', 'is', null)]));
    const answered = await this.closeAnswered(now, mine).executeTakeFirst();
    const unanswered = await this.closeUnanswered(now, mine).executeTakeFirst();
    return Number(answered.numUpdatedRows) + Number(unanswered.numUpdatedRows);
  }

  /**
   * Closes the live calls of nodes that are gone: another node's calls whose node has no heartbeat at `staleBefore`
   * or later in `cluster_nodes` (`ClusterNodeRepository`), exactly as `closeOrphans` closes a node's own. Each call
   * is closed by one conditional UPDATE of its own that re-checks its status and its node's heartbeat, so two nodes
   * sweeping at once close it once (PostgreSQL re-evaluates the WHERE clause of the second on the row the first
   * left), and unlike one UPDATE over many rows, two sweeps can never deadlock on each other's row locks. Returns
   * the SIDs closed.
   */
  async closeAbandoned(now: number, staleBefore: number): Promise<string[]> {
    const own = this.nodeId;
    const abandoned: CallCondition = (eb) => eb.and([
      eb('nodeId', 'is not', null),
      ...(own === null ? [] : [eb('nodeId', '<>', own)]),
      eb.not(eb.exists(eb.selectFrom('clusterNodes').select('clusterNodes.nodeId').whereRef('clusterNodes.nodeId', '=', 'calls.nodeId').where('clusterNodes.seenAt', '>=', staleBefore))),
    ]);
    const candidates = await this.db.selectFrom('calls').select(['sid', 'status']).where('status', 'in', LIVE).where(abandoned).execute();
    const closed: string[] = [];
    for (const { sid, status } of candidates) {
      const one: CallCondition = (eb) => eb.and([eb('sid', '=', sid), abandoned(eb)]);
      const query = status === 'in-progress' ? this.closeAnswered(now, one) : this.closeUnanswered(now, one);
      if (Number((await query.executeTakeFirst()).numUpdatedRows) > 0) closed.push(sid);
    }
    return closed;
  }

  /** Answered live calls matching `which` end `completed`, their duration counted from the answer. */
  private closeAnswered(now: number, which: CallCondition) {
    return this.db
      .updateTable('calls')
      .set({
        status: 'completed',
        endTime: now,
        // Whole seconds, as Twilio reports duration; integer division works alike in SQLite and PostgreSQL.
        duration: sql<number>`(${now} - coalesce(start_time, ${now})) / 1000`,
        dateUpdated: now,
      })
      .where('status', '=', 'in-progress')
      .where(which);
  }

  /** Unanswered live calls matching `which`, other than those waiting in the outbound queue, end `failed`. */
  private closeUnanswered(now: number, which: CallCondition) {
    return this.db
      .updateTable('calls')
      .set({ status: 'failed', endTime: now, duration: 0, dateUpdated: now })
      .where('status', 'in', UNANSWERED)
      .where((eb) => eb.not(eb.exists(eb.selectFrom('outboundCallQueue').select('outboundCallQueue.callSid').whereRef('outboundCallQueue.callSid', '=', 'calls.sid'))))
      .where(which);
  }
}

/** `getOwned`'s query; its parameters are the call SID, then the account SID. */
function compileOwned(db: Kysely<Database>) {
  return db.selectFrom('calls').select(COLUMNS).where('sid', '=', '').where('accountSid', '=', '').compile();
}

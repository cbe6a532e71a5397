import type { Kysely } from 'kysely';
import type { ClusterNodeTable, Database } from '../schema.js';

export type ClusterNode = ClusterNodeTable;

/**
 * Cluster membership: a row per running node with its last heartbeat. A node writes its row before it takes any call
 * and refreshes it while it runs; a node with no row, or a row older than the grace period, is dead to the others
 * (`CallRepository.closeAbandoned`), so pruning a dead node's row changes nothing for its calls.
 */
export class ClusterNodeRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /** This node is alive at `now` (an upsert: the first heartbeat inserts the row). */
  async heartbeat(nodeId: string, now: number): Promise<void> {
    await this.db
      .insertInto('clusterNodes')
      .values({ nodeId, seenAt: now })
      .onConflict((oc) => oc.column('nodeId').doUpdateSet({ seenAt: now }))
      .execute();
  }

  /** A clean stop: the node is gone, and has ended its calls. */
  async remove(nodeId: string): Promise<boolean> {
    const result = await this.db.deleteFrom('clusterNodes').where('nodeId', '=', nodeId).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  /**
   * Forgets nodes last seen before `staleBefore` that hold no live call any more (their calls were closed), so the
   * table does not grow with every data directory ever started. Conditional on the heartbeat, so a node that comes
   * back meanwhile keeps its row. Returns the node ids removed.
   */
  async prune(staleBefore: number): Promise<string[]> {
    const rows = await this.db
      .deleteFrom('clusterNodes')
      .where('seenAt', '<', staleBefore)
      .where((eb) => eb.not(eb.exists(
        eb.selectFrom('calls').select('calls.sid').whereRef('calls.nodeId', '=', 'clusterNodes.nodeId').where('calls.status', 'in', ['queued', 'initiated', 'ringing', 'in-progress']),
      )))
      .returning('nodeId')
      .execute();
    return rows.map((r) => r.nodeId);
  }

  /** Every node with a row, by node id. */
  all(): Promise<ClusterNode[]> {
    return this.db.selectFrom('clusterNodes').selectAll().orderBy('nodeId').execute();
  }
}

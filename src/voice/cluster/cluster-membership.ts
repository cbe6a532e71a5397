import type { Clock, Logger, TimerHandle } from '../../core/index.js';
import type { Store } from '../../store/index.js';

export interface ClusterMembershipOptions {
  store: Pick<Store, 'calls' | 'clusterNodes'>;
  /** This node's id (`loadOrCreateNodeId`); the store's calls repository stamps the same one on its calls. */
  nodeId: string;
  clock: Clock;
  logger: Logger;
  /** How often this node refreshes its heartbeat and sweeps for dead nodes' calls (default 10 s). */
  heartbeatMs?: number;
  /**
   * How long a node may go without a heartbeat before the others close its live calls (default 60 s); more than
   * twice `heartbeatMs`, so one late or failed heartbeat does not kill a node. It also absorbs clock skew between
   * nodes, as each node stamps its heartbeat with its own clock.
   */
  graceMs?: number;
}

/**
 * This node's membership of the cluster, and the clean-up of call records whose node is gone (DESIGN Scale-out: each
 * node owns the calls whose SIP dialogs it holds, so no other node can end them; their records are all that is left
 * to close).
 *
 * - `start()` writes this node's heartbeat before it takes any call, then closes the calls its own previous run left
 *   live (`CallRepository.closeOrphans`: its own and legacy rows only, never another node's), then sweeps.
 * - Every `heartbeatMs` it refreshes its heartbeat and sweeps: another node's live calls whose node has not beaten
 *   for `graceMs` are closed (`closeAbandoned`; completed if answered, failed otherwise), and such nodes without
 *   live calls are forgotten. Every node sweeps; each call is closed once.
 * - `close()`, after this node's calls have ended, removes its row: it left, it did not die.
 */
export class ClusterMembership {
  private readonly heartbeatMs: number;
  private readonly graceMs: number;
  private timer: TimerHandle | undefined;
  private round: Promise<void> = Promise.resolve();
  private started = false;
  private closed = false;

  constructor(private readonly options: ClusterMembershipOptions) {
    this.heartbeatMs = options.heartbeatMs ?? 10_000;
    this.graceMs = options.graceMs ?? 60_000;
    if (!(this.heartbeatMs > 0) || !Number.isFinite(this.heartbeatMs)) throw new RangeError('heartbeatMs must be positive and finite');
    if (!(this.graceMs > 2 * this.heartbeatMs)) throw new RangeError('graceMs must be more than twice heartbeatMs');
    if (!options.nodeId) throw new RangeError('nodeId must not be empty');
  }

  /** Joins the cluster (the first heartbeat must succeed), closes this node's own orphans, and begins the rounds. */
  async start(): Promise<void> {
    if (this.started) throw new Error('cluster membership already started');
    this.started = true;
    const { store, nodeId, clock, logger } = this.options;
    await store.clusterNodes.heartbeat(nodeId, clock.now());
    const orphans = await store.calls.closeOrphans(clock.now());
    if (orphans > 0) logger.warn({ calls: orphans }, 'closed calls left live by the previous run');
    this.round = this.sweep();
    await this.round;
    this.arm();
  }

  /** Stops the rounds and leaves the cluster. Call once this node's calls have ended. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.options.clock.clearTimeout(this.timer);
    this.timer = undefined;
    await this.round;
    if (!this.started) return;
    try {
      await this.options.store.clusterNodes.remove(this.options.nodeId);
    } catch (err) {
      // Left behind, the row only goes stale: the other nodes then treat this node as dead, which it is.
      this.options.logger.error({ err }, 'cluster: could not remove this node’s heartbeat');
    }
  }

  /** Resolves when the round in progress, if any, has settled (tests on a fake clock). */
  idle(): Promise<void> {
    return this.round;
  }

  private arm(): void {
    if (this.closed) return;
    this.timer = this.options.clock.setTimeout(() => {
      this.timer = undefined;
      this.round = this.beat().then(() => this.sweep());
      void this.round.finally(() => this.arm());
    }, this.heartbeatMs);
  }

  private async beat(): Promise<void> {
    try {
      await this.options.store.clusterNodes.heartbeat(this.options.nodeId, this.options.clock.now());
    } catch (err) {
      // Tried again next round; after `graceMs` of failures the other nodes close this node's calls.
      this.options.logger.error({ err }, 'cluster: heartbeat failed');
    }
  }

  /** Closes the live calls of nodes silent for longer than the grace period, then forgets those nodes. */
  private async sweep(): Promise<void> {
    const { store, clock, logger } = this.options;
    try {
      const now = clock.now();
      const closed = await store.calls.closeAbandoned(now, now - this.graceMs);
      if (closed.length > 0) logger.warn({ calls: closed }, 'cluster: closed live calls of a node that stopped sending heartbeats');
      const gone = await store.clusterNodes.prune(now - this.graceMs);
      if (gone.length > 0) logger.info({ nodes: gone }, 'cluster: forgot nodes that stopped sending heartbeats');
    } catch (err) {
      logger.error({ err }, 'cluster: sweep for dead nodes’ calls failed');
    }
  }
}

import type { Kysely } from 'kysely';

// Migrations see the database untyped: they describe SQL as it was at the time they were written.
type Db = Kysely<unknown>;

/**
 * Which node holds each call, and which nodes are alive (cluster mode). `calls.node_id` is the node id of the node
 * that took charge of the call (internal, never in Twilio's JSON); rows from before this migration have none and
 * come from a single node. `cluster_nodes` has a row per running node, its `seen_at` (epoch ms) refreshed by
 * heartbeats: a live call whose node stopped beating is closed by the others. Live calls are found through
 * `calls_status`, so `node_id` needs no index of its own.
 */
export async function up(db: Db): Promise<void> {
  await db.schema.alterTable('calls').addColumn('node_id', 'varchar(64)').execute();
  await db.schema
    .createTable('cluster_nodes')
    .addColumn('node_id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('seen_at', 'bigint', (c) => c.notNull())
    .execute();
}

export async function down(db: Db): Promise<void> {
  await db.schema.dropTable('cluster_nodes').execute();
  await db.schema.alterTable('calls').dropColumn('node_id').execute();
}

import type { Kysely } from 'kysely';

// Migrations see the database untyped: they describe SQL as it was at the time they were written.
type Db = Kysely<unknown>;

/**
 * Ownership of waiting outbound calls in a cluster: each row belongs to one node (`owner`, its node id) until
 * `lease_expires_at` (epoch ms), which the node keeps pushing forward while it runs; another node may take a row
 * only once its lease has run out. Rows from before this migration get no owner and a lease of 0, already expired,
 * so the first node to start takes them.
 */
export async function up(db: Db): Promise<void> {
  await db.schema.alterTable('outbound_call_queue').addColumn('owner', 'varchar(64)').execute();
  // SQLite adds a NOT NULL column only with a default; the default is also what marks old rows as expired.
  await db.schema.alterTable('outbound_call_queue').addColumn('lease_expires_at', 'bigint', (c) => c.notNull().defaultTo(0)).execute();
  // A node renews and reclaims by owner, and looks for other nodes' expired rows by lease.
  await db.schema.createIndex('outbound_call_queue_owner').on('outbound_call_queue').column('owner').execute();
  await db.schema.createIndex('outbound_call_queue_lease').on('outbound_call_queue').column('lease_expires_at').execute();
}

export async function down(db: Db): Promise<void> {
  // SQLite refuses to drop an indexed column: the indexes go first.
  await db.schema.dropIndex('outbound_call_queue_lease').execute();
  await db.schema.dropIndex('outbound_call_queue_owner').execute();
  await db.schema.alterTable('outbound_call_queue').dropColumn('lease_expires_at').execute();
  await db.schema.alterTable('outbound_call_queue').dropColumn('owner').execute();
}

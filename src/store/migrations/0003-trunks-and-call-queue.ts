import type { Kysely } from 'kysely';

// Migrations see the database untyped: they describe SQL as it was at the time they were written.
type Db = Kysely<unknown>;

const ms = 'bigint';

/**
 * Outbound routing: BYOC trunks, connection policies and their targets (Twilio Voice v1), the per-account call
 * limits and the durable outbound call queue (Patchbay extensions).
 */
export async function up(db: Db): Promise<void> {
  await db.schema
    .createTable('byoc_trunks')
    .addColumn('sid', 'varchar(34)', (c) => c.primaryKey())
    .addColumn('account_sid', 'varchar(34)', (c) => c.notNull())
    .addColumn('friendly_name', 'text')
    .addColumn('voice_url', 'text')
    .addColumn('voice_method', 'varchar(8)', (c) => c.notNull())
    .addColumn('voice_fallback_url', 'text')
    .addColumn('voice_fallback_method', 'varchar(8)', (c) => c.notNull())
    .addColumn('status_callback_url', 'text')
    .addColumn('status_callback_method', 'varchar(8)', (c) => c.notNull())
    .addColumn('cnam_lookup_enabled', 'integer', (c) => c.notNull())
    .addColumn('connection_policy_sid', 'varchar(34)')
    .addColumn('from_domain_sid', 'varchar(34)')
    .addColumn('sip_auth_username', 'text')
    .addColumn('sealed_sip_auth_password', 'text')
    .addColumn('date_created', ms, (c) => c.notNull())
    .addColumn('date_updated', ms, (c) => c.notNull())
    .execute();
  await db.schema.createIndex('byoc_trunks_account').on('byoc_trunks').columns(['account_sid', 'date_created', 'sid']).execute();
  await db.schema.createIndex('byoc_trunks_policy').on('byoc_trunks').column('connection_policy_sid').execute();

  await db.schema
    .createTable('connection_policies')
    .addColumn('sid', 'varchar(34)', (c) => c.primaryKey())
    .addColumn('account_sid', 'varchar(34)', (c) => c.notNull())
    .addColumn('friendly_name', 'text')
    .addColumn('date_created', ms, (c) => c.notNull())
    .addColumn('date_updated', ms, (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('connection_policies_account')
    .on('connection_policies')
    .columns(['account_sid', 'date_created', 'sid'])
    .execute();

  await db.schema
    .createTable('connection_policy_targets')
    .addColumn('sid', 'varchar(34)', (c) => c.primaryKey())
    .addColumn('account_sid', 'varchar(34)', (c) => c.notNull())
    .addColumn('connection_policy_sid', 'varchar(34)', (c) => c.notNull())
    .addColumn('friendly_name', 'text')
    .addColumn('target', 'text', (c) => c.notNull())
    .addColumn('priority', 'integer', (c) => c.notNull())
    .addColumn('weight', 'integer', (c) => c.notNull())
    .addColumn('enabled', 'integer', (c) => c.notNull())
    .addColumn('date_created', ms, (c) => c.notNull())
    .addColumn('date_updated', ms, (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('connection_policy_targets_policy')
    .on('connection_policy_targets')
    .columns(['connection_policy_sid', 'date_created', 'sid'])
    .execute();

  await db.schema
    .createTable('account_call_limits')
    .addColumn('account_sid', 'varchar(34)', (c) => c.primaryKey())
    .addColumn('calls_per_second', 'real')
    .addColumn('max_concurrent_calls', 'integer')
    .addColumn('date_updated', ms, (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('outbound_call_queue')
    .addColumn('call_sid', 'varchar(34)', (c) => c.primaryKey())
    .addColumn('account_sid', 'varchar(34)', (c) => c.notNull())
    .addColumn('seq', ms, (c) => c.notNull())
    .addColumn('enqueued_at', ms, (c) => c.notNull())
    .addColumn('data', 'text')
    .execute();
  await db.schema.createIndex('outbound_call_queue_order').on('outbound_call_queue').columns(['seq', 'call_sid']).execute();
}

export async function down(db: Db): Promise<void> {
  for (const table of ['outbound_call_queue', 'account_call_limits', 'connection_policy_targets', 'connection_policies', 'byoc_trunks']) {
    await db.schema.dropTable(table).execute();
  }
}

import type { Kysely } from 'kysely';

// Migrations see the database untyped: they describe SQL as it was at the time they were written.
type Db = Kysely<unknown>;

const ms = 'bigint';

/** SIP domains, credential lists, IP access control lists, their domain mappings, and registrar bindings. */
export async function up(db: Db): Promise<void> {
  await db.schema
    .createTable('sip_domains')
    .addColumn('sid', 'varchar(34)', (c) => c.primaryKey())
    .addColumn('account_sid', 'varchar(34)', (c) => c.notNull())
    .addColumn('domain_name', 'varchar(255)', (c) => c.notNull().unique())
    .addColumn('friendly_name', 'text', (c) => c.notNull())
    .addColumn('api_version', 'varchar(16)', (c) => c.notNull())
    .addColumn('voice_url', 'text')
    .addColumn('voice_method', 'varchar(8)', (c) => c.notNull())
    .addColumn('voice_fallback_url', 'text')
    .addColumn('voice_fallback_method', 'varchar(8)', (c) => c.notNull())
    .addColumn('voice_status_callback_url', 'text')
    .addColumn('voice_status_callback_method', 'varchar(8)', (c) => c.notNull())
    .addColumn('sip_registration', 'integer', (c) => c.notNull())
    .addColumn('emergency_calling_enabled', 'integer', (c) => c.notNull())
    .addColumn('secure', 'integer', (c) => c.notNull())
    .addColumn('byoc_trunk_sid', 'varchar(34)')
    .addColumn('emergency_caller_sid', 'varchar(34)')
    .addColumn('date_created', ms, (c) => c.notNull())
    .addColumn('date_updated', ms, (c) => c.notNull())
    .execute();
  await db.schema.createIndex('sip_domains_account').on('sip_domains').columns(['account_sid', 'date_created', 'sid']).execute();

  for (const table of ['sip_credential_lists', 'sip_ip_access_control_lists']) {
    await db.schema
      .createTable(table)
      .addColumn('sid', 'varchar(34)', (c) => c.primaryKey())
      .addColumn('account_sid', 'varchar(34)', (c) => c.notNull())
      .addColumn('friendly_name', 'text', (c) => c.notNull())
      .addColumn('date_created', ms, (c) => c.notNull())
      .addColumn('date_updated', ms, (c) => c.notNull())
      .execute();
    await db.schema.createIndex(`${table}_account`).on(table).columns(['account_sid', 'date_created', 'sid']).execute();
  }

  await db.schema
    .createTable('sip_credentials')
    .addColumn('sid', 'varchar(34)', (c) => c.primaryKey())
    .addColumn('account_sid', 'varchar(34)', (c) => c.notNull())
    .addColumn('credential_list_sid', 'varchar(34)', (c) => c.notNull())
    .addColumn('username', 'varchar(64)', (c) => c.notNull())
    .addColumn('sealed_password', 'text', (c) => c.notNull())
    .addColumn('date_created', ms, (c) => c.notNull())
    .addColumn('date_updated', ms, (c) => c.notNull())
    .addUniqueConstraint('sip_credentials_list_username', ['credential_list_sid', 'username'])
    .execute();
  await db.schema
    .createIndex('sip_credentials_list')
    .on('sip_credentials')
    .columns(['credential_list_sid', 'date_created', 'sid'])
    .execute();

  await db.schema
    .createTable('sip_ip_addresses')
    .addColumn('sid', 'varchar(34)', (c) => c.primaryKey())
    .addColumn('account_sid', 'varchar(34)', (c) => c.notNull())
    .addColumn('ip_access_control_list_sid', 'varchar(34)', (c) => c.notNull())
    .addColumn('friendly_name', 'text', (c) => c.notNull())
    .addColumn('ip_address', 'varchar(64)', (c) => c.notNull())
    .addColumn('cidr_prefix_length', 'integer', (c) => c.notNull())
    .addColumn('date_created', ms, (c) => c.notNull())
    .addColumn('date_updated', ms, (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('sip_ip_addresses_list')
    .on('sip_ip_addresses')
    .columns(['ip_access_control_list_sid', 'date_created', 'sid'])
    .execute();

  await db.schema
    .createTable('sip_domain_mappings')
    .addColumn('domain_sid', 'varchar(34)', (c) => c.notNull())
    .addColumn('kind', 'varchar(32)', (c) => c.notNull())
    .addColumn('sid', 'varchar(34)', (c) => c.notNull())
    .addColumn('account_sid', 'varchar(34)', (c) => c.notNull())
    .addColumn('date_created', ms, (c) => c.notNull())
    .addColumn('date_updated', ms, (c) => c.notNull())
    .addPrimaryKeyConstraint('sip_domain_mappings_pk', ['domain_sid', 'kind', 'sid'])
    .execute();
  await db.schema
    .createIndex('sip_domain_mappings_order')
    .on('sip_domain_mappings')
    .columns(['domain_sid', 'kind', 'date_created', 'sid'])
    .execute();
  await db.schema.createIndex('sip_domain_mappings_list').on('sip_domain_mappings').column('sid').execute();

  await db.schema
    .createTable('registrations')
    .addColumn('id', 'varchar(40)', (c) => c.primaryKey())
    .addColumn('domain_sid', 'varchar(34)', (c) => c.notNull())
    .addColumn('aor', 'varchar(255)', (c) => c.notNull())
    .addColumn('contact_uri', 'text', (c) => c.notNull())
    .addColumn('contact', 'text', (c) => c.notNull())
    .addColumn('q', 'real')
    .addColumn('expires_at', ms, (c) => c.notNull())
    .addColumn('call_id', 'text', (c) => c.notNull())
    .addColumn('cseq', 'integer', (c) => c.notNull())
    .addColumn('source_transport', 'varchar(8)', (c) => c.notNull())
    .addColumn('source_address', 'varchar(64)', (c) => c.notNull())
    .addColumn('source_port', 'integer', (c) => c.notNull())
    .addColumn('instance_id', 'text')
    .addColumn('reg_id', 'integer')
    .addColumn('date_created', ms, (c) => c.notNull())
    .addColumn('date_updated', ms, (c) => c.notNull())
    .execute();
  await db.schema.createIndex('registrations_aor').on('registrations').columns(['domain_sid', 'aor']).execute();
  await db.schema.createIndex('registrations_expiry').on('registrations').column('expires_at').execute();
}

export async function down(db: Db): Promise<void> {
  for (const table of [
    'registrations', 'sip_domain_mappings', 'sip_ip_addresses', 'sip_ip_access_control_lists', 'sip_credentials',
    'sip_credential_lists', 'sip_domains',
  ]) {
    await db.schema.dropTable(table).execute();
  }
}

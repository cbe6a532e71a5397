import type { Kysely } from 'kysely';

// Migrations see the database untyped: they describe SQL as it was at the time they were written.
type Db = Kysely<unknown>;

const ms = 'bigint';

export async function up(db: Db): Promise<void> {
  await db.schema
    .createTable('accounts')
    .addColumn('sid', 'varchar(34)', (c) => c.primaryKey())
    .addColumn('parent_account_sid', 'varchar(34)')
    .addColumn('friendly_name', 'text', (c) => c.notNull())
    .addColumn('status', 'varchar(16)', (c) => c.notNull())
    .addColumn('type', 'varchar(8)', (c) => c.notNull())
    .addColumn('auth_token', 'varchar(64)', (c) => c.notNull())
    .addColumn('date_created', ms, (c) => c.notNull())
    .addColumn('date_updated', ms, (c) => c.notNull())
    .execute();
  await db.schema.createIndex('accounts_parent').on('accounts').columns(['parent_account_sid', 'date_created', 'sid']).execute();

  await db.schema
    .createTable('keys')
    .addColumn('sid', 'varchar(34)', (c) => c.primaryKey())
    .addColumn('account_sid', 'varchar(34)', (c) => c.notNull())
    .addColumn('friendly_name', 'text', (c) => c.notNull())
    .addColumn('secret_salt', 'varchar(64)', (c) => c.notNull())
    .addColumn('secret_hash', 'varchar(128)', (c) => c.notNull())
    .addColumn('date_created', ms, (c) => c.notNull())
    .addColumn('date_updated', ms, (c) => c.notNull())
    .execute();
  await db.schema.createIndex('keys_account').on('keys').columns(['account_sid', 'date_created', 'sid']).execute();

  await db.schema
    .createTable('incoming_phone_numbers')
    .addColumn('sid', 'varchar(34)', (c) => c.primaryKey())
    .addColumn('account_sid', 'varchar(34)', (c) => c.notNull())
    .addColumn('phone_number', 'varchar(32)', (c) => c.notNull().unique())
    .addColumn('friendly_name', 'text', (c) => c.notNull())
    .addColumn('api_version', 'varchar(16)', (c) => c.notNull())
    .addColumn('voice_url', 'text')
    .addColumn('voice_method', 'varchar(8)', (c) => c.notNull())
    .addColumn('voice_fallback_url', 'text')
    .addColumn('voice_fallback_method', 'varchar(8)', (c) => c.notNull())
    .addColumn('voice_caller_id_lookup', 'integer', (c) => c.notNull())
    .addColumn('voice_application_sid', 'varchar(34)')
    .addColumn('voice_receive_mode', 'varchar(8)', (c) => c.notNull())
    .addColumn('sms_url', 'text')
    .addColumn('sms_method', 'varchar(8)', (c) => c.notNull())
    .addColumn('sms_fallback_url', 'text')
    .addColumn('sms_fallback_method', 'varchar(8)', (c) => c.notNull())
    .addColumn('sms_application_sid', 'varchar(34)')
    .addColumn('status_callback', 'text')
    .addColumn('status_callback_method', 'varchar(8)', (c) => c.notNull())
    .addColumn('trunk_sid', 'varchar(34)')
    .addColumn('emergency_status', 'varchar(16)', (c) => c.notNull())
    .addColumn('emergency_address_sid', 'varchar(34)')
    .addColumn('identity_sid', 'varchar(34)')
    .addColumn('address_sid', 'varchar(34)')
    .addColumn('bundle_sid', 'varchar(34)')
    .addColumn('origin', 'varchar(16)', (c) => c.notNull())
    .addColumn('number_type', 'varchar(16)', (c) => c.notNull())
    .addColumn('date_created', ms, (c) => c.notNull())
    .addColumn('date_updated', ms, (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('incoming_phone_numbers_account')
    .on('incoming_phone_numbers')
    .columns(['account_sid', 'date_created', 'sid'])
    .execute();

  await db.schema
    .createTable('applications')
    .addColumn('sid', 'varchar(34)', (c) => c.primaryKey())
    .addColumn('account_sid', 'varchar(34)', (c) => c.notNull())
    .addColumn('friendly_name', 'text', (c) => c.notNull())
    .addColumn('api_version', 'varchar(16)', (c) => c.notNull())
    .addColumn('voice_url', 'text')
    .addColumn('voice_method', 'varchar(8)', (c) => c.notNull())
    .addColumn('voice_fallback_url', 'text')
    .addColumn('voice_fallback_method', 'varchar(8)', (c) => c.notNull())
    .addColumn('status_callback', 'text')
    .addColumn('status_callback_method', 'varchar(8)', (c) => c.notNull())
    .addColumn('voice_caller_id_lookup', 'integer', (c) => c.notNull())
    .addColumn('sms_url', 'text')
    .addColumn('sms_method', 'varchar(8)', (c) => c.notNull())
    .addColumn('sms_fallback_url', 'text')
    .addColumn('sms_fallback_method', 'varchar(8)', (c) => c.notNull())
    .addColumn('sms_status_callback', 'text')
    .addColumn('message_status_callback', 'text')
    .addColumn('public_application_connect_enabled', 'integer', (c) => c.notNull())
    .addColumn('date_created', ms, (c) => c.notNull())
    .addColumn('date_updated', ms, (c) => c.notNull())
    .execute();
  await db.schema.createIndex('applications_account').on('applications').columns(['account_sid', 'date_created', 'sid']).execute();

  await db.schema
    .createTable('calls')
    .addColumn('sid', 'varchar(34)', (c) => c.primaryKey())
    .addColumn('account_sid', 'varchar(34)', (c) => c.notNull())
    .addColumn('parent_call_sid', 'varchar(34)')
    .addColumn('to', 'text', (c) => c.notNull())
    .addColumn('from', 'text', (c) => c.notNull())
    .addColumn('phone_number_sid', 'varchar(34)')
    .addColumn('status', 'varchar(16)', (c) => c.notNull())
    .addColumn('start_time', ms)
    .addColumn('end_time', ms)
    .addColumn('duration', 'integer')
    .addColumn('price', 'varchar(16)')
    .addColumn('price_unit', 'varchar(3)', (c) => c.notNull())
    .addColumn('direction', 'varchar(24)', (c) => c.notNull())
    .addColumn('answered_by', 'varchar(32)')
    .addColumn('api_version', 'varchar(16)', (c) => c.notNull())
    .addColumn('forwarded_from', 'text')
    .addColumn('group_sid', 'varchar(34)')
    .addColumn('caller_name', 'text')
    .addColumn('queue_time', 'integer', (c) => c.notNull())
    .addColumn('trunk_sid', 'varchar(34)')
    .addColumn('date_created', ms, (c) => c.notNull())
    .addColumn('date_updated', ms, (c) => c.notNull())
    .execute();
  await db.schema.createIndex('calls_account').on('calls').columns(['account_sid', 'date_created', 'sid']).execute();
  await db.schema.createIndex('calls_parent').on('calls').column('parent_call_sid').execute();
  await db.schema.createIndex('calls_status').on('calls').column('status').execute();

  await db.schema
    .createTable('recordings')
    .addColumn('sid', 'varchar(34)', (c) => c.primaryKey())
    .addColumn('account_sid', 'varchar(34)', (c) => c.notNull())
    .addColumn('call_sid', 'varchar(34)')
    .addColumn('conference_sid', 'varchar(34)')
    .addColumn('start_time', ms, (c) => c.notNull())
    .addColumn('duration', 'integer')
    .addColumn('status', 'varchar(16)', (c) => c.notNull())
    .addColumn('channels', 'integer', (c) => c.notNull())
    .addColumn('source', 'varchar(32)', (c) => c.notNull())
    .addColumn('error_code', 'integer')
    .addColumn('track', 'varchar(16)', (c) => c.notNull())
    .addColumn('price', 'varchar(16)')
    .addColumn('price_unit', 'varchar(3)', (c) => c.notNull())
    .addColumn('media_path', 'text')
    .addColumn('date_created', ms, (c) => c.notNull())
    .addColumn('date_updated', ms, (c) => c.notNull())
    .execute();
  await db.schema.createIndex('recordings_account').on('recordings').columns(['account_sid', 'date_created', 'sid']).execute();
  await db.schema.createIndex('recordings_call').on('recordings').column('call_sid').execute();

  await db.schema
    .createTable('notifications')
    .addColumn('sid', 'varchar(34)', (c) => c.primaryKey())
    .addColumn('account_sid', 'varchar(34)', (c) => c.notNull())
    .addColumn('call_sid', 'varchar(34)')
    .addColumn('api_version', 'varchar(16)', (c) => c.notNull())
    .addColumn('error_code', 'varchar(8)', (c) => c.notNull())
    .addColumn('log', 'varchar(2)', (c) => c.notNull())
    .addColumn('message_date', ms, (c) => c.notNull())
    .addColumn('message_text', 'text', (c) => c.notNull())
    .addColumn('more_info', 'text', (c) => c.notNull())
    .addColumn('request_method', 'varchar(8)')
    .addColumn('request_url', 'text')
    .addColumn('request_variables', 'text')
    .addColumn('response_body', 'text')
    .addColumn('response_headers', 'text')
    .addColumn('date_created', ms, (c) => c.notNull())
    .addColumn('date_updated', ms, (c) => c.notNull())
    .execute();
  await db.schema.createIndex('notifications_account').on('notifications').columns(['account_sid', 'date_created', 'sid']).execute();
  await db.schema.createIndex('notifications_call').on('notifications').column('call_sid').execute();
}

export async function down(db: Db): Promise<void> {
  for (const table of ['notifications', 'recordings', 'calls', 'applications', 'incoming_phone_numbers', 'keys', 'accounts']) {
    await db.schema.dropTable(table).execute();
  }
}

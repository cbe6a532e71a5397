import type { Kysely } from 'kysely';
import type { Database, OutboundCallQueueTable } from '../schema.js';

export type QueuedCallRow = OutboundCallQueueTable;

/** The durable part of the outbound call queue: a row per waiting call, so the queue survives a restart. */
export class OutboundCallQueueRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async insert(row: QueuedCallRow): Promise<void> {
    await this.db.insertInto('outboundCallQueue').values(row).execute();
  }

  async remove(callSid: string): Promise<boolean> {
    const result = await this.db.deleteFrom('outboundCallQueue').where('callSid', '=', callSid).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  /** Every waiting call in enqueue order. */
  all(): Promise<QueuedCallRow[]> {
    return this.db.selectFrom('outboundCallQueue').selectAll().orderBy('seq').orderBy('callSid').execute();
  }
}

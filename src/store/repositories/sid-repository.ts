import type { Insertable, Kysely, Selectable, Updateable } from 'kysely';
import type { Database } from '../schema.js';

/**
 * Shared row access by SID for one aggregate's table. Subclasses add the aggregate's own queries; only the
 * generic table name forces the untyped builder here, and it never leaves this class.
 */
export abstract class SidRepository<N extends keyof Database> {
  protected constructor(
    protected readonly db: Kysely<Database>,
    private readonly table: N,
  ) {}

  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  protected get untyped(): Kysely<any> {
    return this.db;
  }

  async get(sid: string): Promise<Selectable<Database[N]> | undefined> {
    const table: string = this.table;
    const row: unknown = await this.untyped.selectFrom(table).selectAll().where('sid', '=', sid).executeTakeFirst();
    return row as Selectable<Database[N]> | undefined;
  }

  /** The row, only if it belongs to `accountSid`: another account's SID is indistinguishable from a missing one. */
  async getOwned(accountSid: string, sid: string): Promise<Selectable<Database[N]> | undefined> {
    const table: string = this.table;
    const row: unknown = await this.untyped
      .selectFrom(table)
      .selectAll()
      .where('sid', '=', sid)
      .where('accountSid', '=', accountSid)
      .executeTakeFirst();
    return row as Selectable<Database[N]> | undefined;
  }

  protected async insertRow(row: Insertable<Database[N]>): Promise<Selectable<Database[N]>> {
    const table: string = this.table;
    await this.untyped.insertInto(table).values(row as Record<string, unknown>).execute();
    return row as Selectable<Database[N]>;
  }

  async update(sid: string, patch: Updateable<Database[N]>): Promise<Selectable<Database[N]> | undefined> {
    const table: string = this.table;
    const result = await this.untyped.updateTable(table).set(patch as Record<string, unknown>).where('sid', '=', sid).executeTakeFirst();
    if (Number(result.numUpdatedRows) === 0) return undefined;
    return this.get(sid);
  }

  async delete(sid: string): Promise<boolean> {
    const table: string = this.table;
    const result = await this.untyped.deleteFrom(table).where('sid', '=', sid).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }
}

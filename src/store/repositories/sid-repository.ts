import type { CompiledQuery, Insertable, Kysely, Selectable, Updateable } from 'kysely';
import type { PreparedQuery, StoreDatabase } from '../database.js';
import type { Database } from '../schema.js';

/**
 * Shared row access by SID for one aggregate's table. Subclasses add the aggregate's own queries; only the
 * generic table name forces the untyped builder here, and it never leaves this class.
 *
 * `get`, `update` and `insertRow` run on every call's hot path (a placed call is one insert and a handful of
 * status updates), so each compiles its query once per shape — per set of columns written — and runs it prepared.
 */
export abstract class SidRepository<N extends keyof Database> {
  protected readonly db: Kysely<Database>;
  private readonly prepare: StoreDatabase['prepare'];
  private readonly statements = new Map<string, CompiledStatement>();

  protected constructor(
    database: StoreDatabase,
    private readonly table: N,
  ) {
    this.db = database.db;
    this.prepare = database.prepare;
  }

  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  protected get untyped(): Kysely<any> {
    return this.db;
  }

  /** The table's name, untyped like the builder it goes to. */
  private get name(): string {
    return this.table;
  }

  async get(sid: string): Promise<Selectable<Database[N]> | undefined> {
    const statement = this.compiled('get', ['sid'], (p) => this.untyped.selectFrom(this.name).selectAll().where('sid', '=', p.sid).compile());
    const [row] = await statement.run<Selectable<Database[N]>>({ sid });
    return row;
  }

  /** The row, only if it belongs to `accountSid`: another account's SID is indistinguishable from a missing one. */
  async getOwned(accountSid: string, sid: string): Promise<Selectable<Database[N]> | undefined> {
    const statement = this.compiled('getOwned', ['sid', 'accountSid'], (p) =>
      this.untyped.selectFrom(this.name).selectAll().where('sid', '=', p.sid).where('accountSid', '=', p.accountSid).compile(),
    );
    const [row] = await statement.run<Selectable<Database[N]>>({ sid, accountSid });
    return row;
  }

  protected async insertRow(row: Insertable<Database[N]>): Promise<Selectable<Database[N]>> {
    const values = row as Record<string, unknown>;
    const columns = writtenColumns(values);
    const statement = this.compiled(`insert:${columns.join(',')}`, columns, (p) => this.untyped.insertInto(this.name).values(p).compile());
    await statement.run(values);
    return row as Selectable<Database[N]>;
  }

  async update(sid: string, patch: Updateable<Database[N]>): Promise<Selectable<Database[N]> | undefined> {
    const values = patch as Record<string, unknown>;
    const columns = writtenColumns(values);
    // RETURNING (SQLite ≥ 3.35, PostgreSQL) gives the updated row in the same statement instead of a second read.
    const statement = this.compiled(`update:${columns.join(',')}`, [...columns, 'sid'], (p) => {
      const { sid: where, ...set } = p;
      return this.untyped.updateTable(this.name).set(set).where('sid', '=', where).returningAll().compile();
    });
    const [row] = await statement.run<Selectable<Database[N]>>({ ...values, sid });
    return row;
  }

  async delete(sid: string): Promise<boolean> {
    const result = await this.untyped.deleteFrom(this.name).where('sid', '=', sid).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  /**
   * The statement for one query shape, compiled on first use: `build` gets a placeholder for each of `names` to
   * use as values; `run` then takes the values by name. For a subclass's own hot-path queries too.
   */
  protected compiled(key: string, names: readonly string[], build: (placeholders: Record<string, string>) => CompiledQuery): CompiledStatement {
    let statement = this.statements.get(key);
    if (!statement) {
      statement = compileWithPlaceholders(names, build, this.prepare);
      this.statements.set(key, statement);
    }
    return statement;
  }
}

export interface CompiledStatement {
  /** The rows, typed by the caller as the query it compiled selects them. */
  run<Row = Record<string, unknown>>(values: Record<string, unknown>): Promise<Row[]>;
}

/**
 * Compiles a query whose values are unique placeholder strings, then reads from the compiled parameters which
 * value goes where, so that the statement's parameters are filled by name whatever order kysely emits them in.
 */
function compileWithPlaceholders(
  names: readonly string[],
  build: (placeholders: Record<string, string>) => CompiledQuery,
  prepare: StoreDatabase['prepare'],
): CompiledStatement {
  const placeholders: Record<string, string> = {};
  const nameOf = new Map<unknown, string>();
  for (const [i, name] of names.entries()) {
    placeholders[name] = `\u0000patchbay-parameter-${i}`;
    nameOf.set(placeholders[name], name);
  }
  const query = build(placeholders);
  const order = query.parameters.map((p) => {
    const name = nameOf.get(p);
    if (name === undefined) throw new Error(`compiled query has a parameter that is not a placeholder: ${query.sql}`);
    return name;
  });
  const prepared: PreparedQuery = prepare(query);
  return { run: async <Row>(values: Record<string, unknown>) => (await prepared.rows(order.map((name) => values[name]))) as Row[] };
}

/** The columns a row or patch writes, in order, leaving out `undefined` values as kysely does. */
function writtenColumns(values: Record<string, unknown>): string[] {
  return Object.keys(values).filter((column) => values[column] !== undefined);
}

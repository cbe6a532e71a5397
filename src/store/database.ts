import { mkdirSync } from 'node:fs';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import pg from 'pg';
import {
  CamelCasePlugin, type CompiledQuery, Kysely, Migrator, PostgresDialect, SqliteDialect, type SqliteDatabase, type SqliteStatement,
} from 'kysely';
import type { Database } from './schema.js';
import { migrations } from './migrations/index.js';

export type Dialect = 'sqlite' | 'postgres';

export interface DatabaseHandle {
  readonly db: Kysely<Database>;
  readonly dialect: Dialect;
  /** Where the data lives, for the start-up summary (a file path or a URL without its password). */
  readonly location: string;
  /**
   * A read compiled once and run many times, for the few per-request reads where kysely's per-call query building
   * and the CamelCasePlugin's per-row renaming cost more than the database itself (a single Call fetch).
   */
  prepare(query: CompiledQuery): PreparedRead;
  close(): Promise<void>;
}

export interface PreparedRead {
  /**
   * The first row, as its values in select-list order (no per-row object keyed by column name to build and then
   * rename). `parameters` replace the compiled query's own, in the same order.
   */
  first(parameters: readonly unknown[]): Promise<unknown[] | undefined>;
}

export interface OpenDatabaseOptions {
  /** `postgres://…` selects PostgreSQL; anything else (or nothing) is an SQLite file path. */
  url?: string;
  /** Directory for the default SQLite file. */
  dataDir: string;
}

export function isPostgresUrl(url: string | undefined): url is string {
  return url !== undefined && /^postgres(ql)?:\/\//i.test(url);
}

/** Opens the store and applies every pending migration before anything reads from it. */
export async function openDatabase(options: OpenDatabaseOptions): Promise<DatabaseHandle> {
  const handle = isPostgresUrl(options.url) ? openPostgres(options.url) : openSqlite(options);
  const { error, results } = await new Migrator({ db: handle.db, provider: migrations }).migrateToLatest();
  if (error) {
    await handle.close();
    const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new Error(`database migration ${failed} failed: ${error instanceof Error ? error.message : String(error)}`);
  }
  return handle;
}

function openSqlite(options: OpenDatabaseOptions): DatabaseHandle {
  const file = options.url ? options.url.replace(/^sqlite:\/\//, '') : path.join(options.dataDir, 'patchbay.db');
  if (file !== ':memory:') mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const sqlite = new SQLite(file);
  // WAL lets readers proceed while a writer commits; NORMAL sync is durable across process crashes in WAL mode.
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('busy_timeout = 5000');
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: new StatementCache(sqlite) }), plugins: [new CamelCasePlugin()] });
  const prepare = (query: CompiledQuery): PreparedRead => {
    // Raw mode: better-sqlite3 returns an array per row, several microseconds cheaper than an object of 20-odd keys.
    // Raw is a setting of the statement, so this one is its own, not one of the StatementCache's that kysely reads.
    const statement = sqlite.prepare(query.sql).raw(true);
    return {
      first: async (parameters) => {
        // Kysely runs every query on this one connection behind its own lock; a transaction in flight holds it
        // across awaits, and a read here would see that transaction's uncommitted writes. Wait for it in line.
        if (sqlite.inTransaction) {
          const { rows } = await db.executeQuery<Record<string, unknown>>({ ...query, parameters });
          return rows[0] && Object.values(rows[0]);
        }
        return statement.get(...parameters) as unknown[] | undefined;
      },
    };
  };
  return { db, dialect: 'sqlite', location: path.resolve(file), prepare, close: () => db.destroy() };
}

/**
 * Kysely prepares every statement anew; the same few dozen SQL texts repeat on every request, so keep them
 * prepared. Bounded so that ad-hoc SQL (filters in many combinations) cannot grow it without limit.
 */
class StatementCache implements SqliteDatabase {
  private readonly statements = new Map<string, SqliteStatement>();

  constructor(
    private readonly sqlite: SQLite.Database,
    private readonly max = 512,
  ) {}

  prepare(sql: string): SqliteStatement {
    let statement = this.statements.get(sql);
    if (statement) {
      // Refresh recency: Map iteration order is insertion order, so re-insert to mark as most recently used.
      this.statements.delete(sql);
    } else {
      statement = this.sqlite.prepare(sql) as unknown as SqliteStatement;
      if (this.statements.size >= this.max) this.statements.delete(this.statements.keys().next().value!);
    }
    this.statements.set(sql, statement);
    return statement;
  }

  close(): void {
    this.statements.clear();
    this.sqlite.close();
  }
}

const INT8_OID = 20;
const NUMERIC_OID = 1700;

function openPostgres(url: string): DatabaseHandle {
  const pool = new pg.Pool({
    connectionString: url,
    max: 10,
    // Epoch-millisecond timestamps are BIGINT; they fit a JavaScript number exactly.
    types: {
      getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
        oid === INT8_OID || oid === NUMERIC_OID ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
    },
  });
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }), plugins: [new CamelCasePlugin()] });
  let prepared = 0;
  const prepare = (query: CompiledQuery): PreparedRead => {
    // A named statement is parsed and planned once per pooled connection instead of on every call.
    const name = `patchbay_read_${++prepared}`;
    return {
      first: async (parameters) => {
        const result = await pool.query<unknown[]>({ name, text: query.sql, values: [...parameters], rowMode: 'array' });
        return result.rows[0];
      },
    };
  };
  const safe = new URL(url);
  safe.password = safe.password ? '***' : '';
  return { db, dialect: 'postgres', location: safe.toString(), prepare, close: () => db.destroy() };
}

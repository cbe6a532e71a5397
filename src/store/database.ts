import { mkdirSync } from 'node:fs';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import pg from 'pg';
import { CamelCasePlugin, Kysely, Migrator, PostgresDialect, SqliteDialect, type SqliteDatabase, type SqliteStatement } from 'kysely';
import type { Database } from './schema.js';
import { migrations } from './migrations/index.js';

export type Dialect = 'sqlite' | 'postgres';

export interface DatabaseHandle {
  readonly db: Kysely<Database>;
  readonly dialect: Dialect;
  /** Where the data lives, for the start-up summary (a file path or a URL without its password). */
  readonly location: string;
  close(): Promise<void>;
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
  return { db, dialect: 'sqlite', location: path.resolve(file), close: () => db.destroy() };
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
  const safe = new URL(url);
  safe.password = safe.password ? '***' : '';
  return { db, dialect: 'postgres', location: safe.toString(), close: () => db.destroy() };
}

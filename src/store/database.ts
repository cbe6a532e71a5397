import { mkdirSync } from 'node:fs';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import pg from 'pg';
import {
  CamelCasePlugin, type CompiledQuery, Kysely, Migrator, type PluginTransformResultArgs, PostgresDialect, type QueryResult,
  SqliteDialect, type SqliteDatabase, type SqliteStatement, type UnknownRow,
} from 'kysely';
import type { Database } from './schema.js';
import { migrations } from './migrations/index.js';
import { GroupCommit } from './group-commit.js';

export type Dialect = 'sqlite' | 'postgres';

export interface DatabaseHandle {
  readonly db: Kysely<Database>;
  readonly dialect: Dialect;
  /** Where the data lives, for the start-up summary (a file path or a URL without its password). */
  readonly location: string;
  /**
   * A statement compiled once and run many times. kysely builds, compiles and (with its CamelCasePlugin) renames
   * every query anew on each call, which costs as much CPU as SQLite's own work for the per-call reads and writes
   * of a busy call path; repositories compile those once (see SidRepository) and run them here.
   */
  prepare(query: CompiledQuery): PreparedQuery;
  close(): Promise<void>;
}

/** What repositories need of the database: the query builder, and compiled statements for the hot paths. */
export type StoreDatabase = Pick<DatabaseHandle, 'db' | 'prepare'>;

/** A compiled statement; `parameters` replace the compiled query's own, in the same order. */
export interface PreparedQuery {
  /** The first row as its values in select-list order, without building an object per row. */
  first(parameters: readonly unknown[]): Promise<unknown[] | undefined>;
  /** Every row as an object keyed by camelCase column name, as the CamelCasePlugin gives them. */
  rows(parameters: readonly unknown[]): Promise<Record<string, unknown>[]>;
}

/** `date_created` → `dateCreated`, the CamelCasePlugin's renaming of result columns. */
function camelCase(column: string): string {
  return column.replace(/_(.)/g, (_, c: string) => c.toUpperCase());
}

type RowBuilder = (values: readonly unknown[]) => Record<string, unknown>;

/**
 * A function that turns a row's values, in column order, into an object keyed by the columns' camelCase names: an
 * object literal with those keys, compiled once per column list (assigning 20-odd keys one by one from a list costs
 * a few µs a row; the literal gets one hidden class and well under one). Keys are JSON-quoted, so any name is safe.
 */
function rowBuilder(names: readonly string[]): RowBuilder {
  const fields = names.map((name, i) => `${JSON.stringify(name)}: values[${i}]`).join(', ');
  return new Function('values', `return { ${fields} };`) as RowBuilder;
}

/**
 * An SQLite statement's result columns, read once. SQLite re-prepares a statement whose tables changed (a migration
 * adding a column under a cached `select *`), so a row of another width reads them again.
 */
class ResultColumns {
  private width = -1;
  private build!: RowBuilder;

  constructor(private readonly statement: SQLite.Statement) {
    this.read();
  }

  row(values: readonly unknown[]): Record<string, unknown> {
    if (values.length !== this.width) this.read();
    return this.build(values);
  }

  private read(): void {
    const names = this.statement.columns().map((c) => camelCase(c.name));
    this.width = names.length;
    this.build = rowBuilder(names);
  }
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
  const commits = new GroupCommit(sqlite);
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: new StatementCache(sqlite, commits) }), plugins: [new SqliteCamelCasePlugin()] });
  const prepare = (query: CompiledQuery): PreparedQuery => {
    // Held for the repository's lifetime, outside the StatementCache's bounded LRU that kysely's ad-hoc SQL churns.
    const statement = new CamelRowStatement(sqlite.prepare(query.sql));
    const first = (parameters: readonly unknown[]): unknown[] | undefined => {
      if (statement.reader) return statement.firstValues(parameters);
      statement.run(parameters);
      return undefined;
    };
    const rows = (parameters: readonly unknown[]): Record<string, unknown>[] => {
      if (statement.reader) return statement.all(parameters);
      statement.run(parameters);
      return [];
    };
    // Writes are grouped into one commit per turn of the event loop (GroupCommit); a read first commits the writes
    // queued before it, so it sees them.
    const run = <T>(execute: () => T): T | Promise<T> => {
      if (statement.writes) return commits.write(execute);
      commits.flush();
      return execute();
    };
    // Kysely runs every query on this one connection behind its own lock; a transaction in flight holds it across
    // awaits, and a statement run here would see (or, writing, join) that transaction. Wait for it in line instead.
    const viaKysely = async (parameters: readonly unknown[]) => (await db.executeQuery<Record<string, unknown>>({ ...query, parameters })).rows;
    return {
      first: async (parameters) => {
        if (sqlite.inTransaction) {
          const [row] = await viaKysely(parameters);
          return row && Object.values(row);
        }
        return run(() => first(parameters));
      },
      rows: async (parameters) => (sqlite.inTransaction ? viaKysely(parameters) : run(() => rows(parameters))),
    };
  };
  const close = async (): Promise<void> => {
    commits.flush();
    await db.destroy();
  };
  return { db, dialect: 'sqlite', location: path.resolve(file), prepare, close };
}

/**
 * A statement as kysely's SQLite driver runs it, returning rows already keyed by camelCase column name. better-sqlite3
 * builds each row object property by property through V8's API, ~15 µs for a Call row; in raw mode it returns the
 * values (~4 µs) and an object literal of the same keys is built here in well under one. The CamelCasePlugin's own
 * renaming of result rows is then not needed (see `SqliteCamelCasePlugin`).
 */
class CamelRowStatement implements SqliteStatement {
  readonly reader: boolean;
  /** Whether it changes the database (an INSERT, UPDATE or DELETE, with or without RETURNING). */
  readonly writes: boolean;
  private readonly columns: ResultColumns | undefined;

  constructor(private readonly statement: SQLite.Statement) {
    this.reader = statement.reader;
    this.writes = !statement.readonly;
    if (this.reader) {
      statement.raw(true);
      this.columns = new ResultColumns(statement);
    }
  }

  all(parameters: readonly unknown[]): Record<string, unknown>[] {
    return (this.statement.all(parameters) as unknown[][]).map((values) => this.columns!.row(values));
  }

  /** The first row as its values in select-list order, without building an object. */
  firstValues(parameters: readonly unknown[]): unknown[] | undefined {
    return this.statement.get(parameters) as unknown[] | undefined;
  }

  run(parameters: readonly unknown[]): { changes: number | bigint; lastInsertRowid: number | bigint } {
    return this.statement.run(parameters);
  }

  *iterate(parameters: readonly unknown[]): IterableIterator<unknown> {
    for (const values of this.statement.iterate(parameters) as IterableIterator<unknown[]>) yield this.columns!.row(values);
  }
}

/** The CamelCasePlugin for queries only: on SQLite, rows come out of `CamelRowStatement` keyed by camelCase already. */
class SqliteCamelCasePlugin extends CamelCasePlugin {
  override transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    return Promise.resolve(args.result);
  }
}

/**
 * Kysely prepares every statement anew; the same few dozen SQL texts repeat on every request, so keep them
 * prepared. Bounded so that ad-hoc SQL (filters in many combinations) cannot grow it without limit.
 */
class StatementCache implements SqliteDatabase {
  private readonly statements = new Map<string, SqliteStatement>();

  constructor(
    private readonly sqlite: SQLite.Database,
    private readonly commits: GroupCommit,
    private readonly max = 512,
  ) {}

  /** Kysely prepares each statement right before running it: commit the writes queued before it first. */
  prepare(sql: string): SqliteStatement {
    this.commits.flush();
    let statement = this.statements.get(sql);
    if (statement) {
      // Refresh recency: Map iteration order is insertion order, so re-insert to mark as most recently used.
      this.statements.delete(sql);
    } else {
      statement = new CamelRowStatement(this.sqlite.prepare(sql));
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
  const prepare = (query: CompiledQuery): PreparedQuery => {
    // A named statement is parsed and planned once per pooled connection instead of on every call.
    const name = `patchbay_${++prepared}`;
    let build: RowBuilder | undefined;
    const run = (parameters: readonly unknown[]) => pool.query<unknown[]>({ name, text: query.sql, values: [...parameters], rowMode: 'array' });
    return {
      first: async (parameters) => (await run(parameters)).rows[0],
      rows: async (parameters) => {
        const result = await run(parameters);
        build ??= rowBuilder(result.fields.map((f) => camelCase(f.name)));
        return result.rows.map(build);
      },
    };
  };
  const safe = new URL(url);
  safe.password = safe.password ? '***' : '';
  return { db, dialect: 'postgres', location: safe.toString(), prepare, close: () => db.destroy() };
}

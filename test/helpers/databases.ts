import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** The PostgreSQL server tests use; CI has one on loopback with trust auth. */
export const POSTGRES_ADMIN_URL = process.env.PATCHBAY_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export interface TestDatabase {
  name: 'sqlite' | 'postgres';
  /** Value for PATCHBAY_DATABASE_URL (undefined = the SQLite default in dataDir). */
  url: string | undefined;
  dataDir: string;
  drop(): Promise<void>;
}

export async function postgresAvailable(): Promise<boolean> {
  const client = new pg.Client({ connectionString: POSTGRES_ADMIN_URL, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.end();
    return true;
  } catch {
    return false;
  }
}

export function sqliteDatabase(): TestDatabase {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'patchbay-test-'));
  return { name: 'sqlite', url: undefined, dataDir, drop: async () => rmSync(dataDir, { recursive: true, force: true }) };
}

/** A fresh PostgreSQL database per suite, dropped afterwards, so suites never see each other's rows. */
export async function postgresDatabase(): Promise<TestDatabase> {
  const dbName = `patchbay_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: POSTGRES_ADMIN_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${dbName}`);
  await admin.end();
  const url = new URL(POSTGRES_ADMIN_URL);
  url.pathname = `/${dbName}`;
  const dataDir = mkdtempSync(path.join(tmpdir(), 'patchbay-test-'));
  return {
    name: 'postgres',
    url: url.toString(),
    dataDir,
    async drop() {
      rmSync(dataDir, { recursive: true, force: true });
      const c = new pg.Client({ connectionString: POSTGRES_ADMIN_URL });
      await c.connect();
      // A closed pool has asked its connections to end but does not wait for them; one that FORCE terminates
      // instead reports "terminating connection" as an uncaught error in the suite. Let them go first (briefly).
      for (let i = 0; i < 100; i++) {
        const { rows } = await c.query<{ n: number }>('SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1', [dbName]);
        if (rows[0].n === 0) break;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      await c.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
      await c.end();
    },
  };
}

/**
 * The dialects a store suite runs against: SQLite always, PostgreSQL when reachable. In CI PostgreSQL must be
 * there, so its absence fails instead of silently shrinking the suite.
 */
export interface DialectUnderTest {
  name: TestDatabase['name'];
  create(): Promise<TestDatabase>;
}

export async function dialectsUnderTest(): Promise<DialectUnderTest[]> {
  const factories: DialectUnderTest[] = [{ name: 'sqlite', create: async () => sqliteDatabase() }];
  if (await postgresAvailable()) factories.push({ name: 'postgres', create: postgresDatabase });
  else if (process.env.CI) throw new Error(`PostgreSQL is not reachable at ${POSTGRES_ADMIN_URL}; CI requires it`);
  else console.warn(`# PostgreSQL not reachable at ${POSTGRES_ADMIN_URL}: store tests run on SQLite only`);
  return factories;
}

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import SQLite from 'better-sqlite3';
import { newSid } from '../../src/core/index.js';
import { type Store, storeOver } from '../../src/store/index.js';
import { type DatabaseHandle, openDatabase } from '../../src/store/database.js';
import { GroupCommit } from '../../src/store/group-commit.js';
import { sqliteDatabase, type TestDatabase } from '../helpers/databases.js';

describe('GroupCommit', () => {
  it('commits the writes of one turn in one transaction and settles them only after it', async () => {
    const sqlite = new SQLite(':memory:');
    sqlite.exec('create table t (id integer primary key, v text not null)');
    const insert = sqlite.prepare('insert into t (id, v) values (?, ?)');
    const commits = new GroupCommit(sqlite);
    const seenInTransaction: boolean[] = [];
    const writes = [1, 2, 3].map((id) =>
      commits.write(() => {
        seenInTransaction.push(sqlite.inTransaction);
        return insert.run(id, `v${id}`).changes;
      }),
    );
    assert.deepEqual(await Promise.all(writes), [1, 1, 1]);
    assert.deepEqual(seenInTransaction, [true, true, true]);
    assert.equal(sqlite.inTransaction, false);
    assert.equal((sqlite.prepare('select count(*) n from t').get() as { n: number }).n, 3);
  });

  it('fails a write that breaks a constraint alone; the others of its batch commit', async () => {
    const sqlite = new SQLite(':memory:');
    sqlite.exec('create table t (id integer primary key, v text not null)');
    const insert = sqlite.prepare('insert into t (id, v) values (?, ?)');
    const commits = new GroupCommit(sqlite);
    const results = await Promise.allSettled([
      commits.write(() => insert.run(1, 'a')),
      commits.write(() => insert.run(1, 'duplicate')),
      commits.write(() => insert.run(2, 'b')),
    ]);
    assert.deepEqual(results.map((r) => r.status), ['fulfilled', 'rejected', 'fulfilled']);
    assert.match(String((results[1] as PromiseRejectedResult).reason), /UNIQUE|constraint/i);
    assert.deepEqual(sqlite.prepare('select v from t order by id').all(), [{ v: 'a' }, { v: 'b' }]);
  });

  it('fails every write of a batch whose commit fails, stores none of them, and goes on with the next batch', async () => {
    const sqlite = new SQLite(':memory:');
    sqlite.pragma('foreign_keys = ON');
    sqlite.exec(`create table parent (id integer primary key);
      create table child (id integer primary key, parent integer references parent(id) deferrable initially deferred)`);
    const commits = new GroupCommit(sqlite);
    // A deferred foreign key is checked at COMMIT: the statements succeed, the commit does not.
    const results = await Promise.allSettled([
      commits.write(() => sqlite.prepare('insert into child (id, parent) values (1, 99)').run()),
      commits.write(() => sqlite.prepare('insert into parent (id) values (1)').run()),
    ]);
    assert.deepEqual(results.map((r) => r.status), ['rejected', 'rejected']);
    assert.equal(sqlite.inTransaction, false);
    assert.equal((sqlite.prepare('select count(*) n from parent').get() as { n: number }).n, 0);
    await commits.write(() => sqlite.prepare('insert into parent (id) values (2)').run());
    assert.equal((sqlite.prepare('select count(*) n from parent').get() as { n: number }).n, 1);
  });

  it('runs queued writes when flushed, before whatever flushed them', () => {
    const sqlite = new SQLite(':memory:');
    sqlite.exec('create table t (id integer primary key)');
    const commits = new GroupCommit(sqlite);
    void commits.write(() => sqlite.prepare('insert into t (id) values (1)').run());
    void commits.write(() => sqlite.prepare('insert into t (id) values (2)').run());
    commits.flush();
    assert.equal((sqlite.prepare('select count(*) n from t').get() as { n: number }).n, 2);
  });
});

describe('the SQLite store groups its writes', () => {
  let database: TestDatabase;
  let handle: DatabaseHandle;
  let store: Store;
  before(async () => {
    database = sqliteDatabase();
    handle = await openDatabase({ dataDir: database.dataDir });
    store = storeOver(handle);
  });
  after(async () => {
    await database.drop();
  });

  it('a read, prepared or through kysely, sees every write issued before it, awaited or not', async () => {
    const account = await store.accounts.create({ friendlyName: 'Order', parentAccountSid: null, now: 1 });
    const sid = newSid('CA');
    const created = store.calls.create(call(sid, account.sid));
    const updated = store.calls.update(sid, { status: 'in-progress', dateUpdated: 2 });
    assert.equal((await store.calls.getOwned(account.sid, sid))?.status, 'in-progress');
    const viaKysely = await handle.db.selectFrom('calls').select('status').where('sid', '=', sid).executeTakeFirst();
    assert.equal(viaKysely?.status, 'in-progress');
    await Promise.all([created, updated]);
  });

  it('streams rows keyed by camelCase column name, as lists return them', async () => {
    const account = await store.accounts.create({ friendlyName: 'Stream', parentAccountSid: null, now: 1 });
    const sid = newSid('CA');
    await store.calls.create(call(sid, account.sid));
    const streamed: Array<Record<string, unknown>> = [];
    for await (const row of handle.db.selectFrom('calls').selectAll().where('accountSid', '=', account.sid).stream()) streamed.push(row);
    assert.equal(streamed.length, 1);
    assert.deepEqual(streamed[0], await store.calls.get(sid));
    assert.equal(streamed[0]!.accountSid, account.sid);
  });

  it('commits writes still queued when the store closes', async () => {
    const account = await store.accounts.create({ friendlyName: 'Close', parentAccountSid: null, now: 1 });
    const sid = newSid('CA');
    const write = store.calls.create(call(sid, account.sid));
    await store.close();
    await write;
    const reopened = await openDatabase({ dataDir: database.dataDir });
    try {
      assert.equal((await storeOver(reopened).calls.get(sid))?.sid, sid);
    } finally {
      await reopened.close();
    }
  });
});

function call(sid: string, accountSid: string) {
  return {
    sid, accountSid, parentCallSid: null, to: '+14155550100', from: '+14155550111', phoneNumberSid: null,
    status: 'queued' as const, startTime: null, endTime: null, duration: null, price: null, priceUnit: 'USD',
    direction: 'outbound-api' as const, answeredBy: null, apiVersion: '2010-04-01', forwardedFrom: null, groupSid: null,
    callerName: null, queueTime: 0, trunkSid: null, dateCreated: 1, dateUpdated: 1,
  };
}

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { newSid } from '../../src/core/index.js';
import { type Store, openStore, storeOver } from '../../src/store/index.js';
import { openDatabase } from '../../src/store/database.js';
import { dialectsUnderTest, type TestDatabase } from '../helpers/databases.js';

const dialects = await dialectsUnderTest();

for (const dialect of dialects) {
  let database: TestDatabase;
  let store: Store;

  describe(`store on ${dialect.name}`, () => {
    before(async () => {
      database = await dialect.create();
      store = await openStore({ url: database.url, dataDir: database.dataDir });
    });
    after(async () => {
      await store.close();
      await database.drop();
    });

    it('applies migrations idempotently on reopen', async () => {
      const again = await openStore({ url: database.url, dataDir: database.dataDir });
      await again.close();
    });

    it('creates accounts and lists an account with its subaccounts only', async () => {
      const owner = await store.accounts.create({ friendlyName: 'Owner', parentAccountSid: null, now: 1_000 });
      const sub1 = await store.accounts.create({ friendlyName: 'Sub 1', parentAccountSid: owner.sid, now: 2_000 });
      await store.accounts.create({ friendlyName: 'Sub 2', parentAccountSid: owner.sid, now: 3_000 });
      const other = await store.accounts.create({ friendlyName: 'Grandchild', parentAccountSid: sub1.sid, now: 4_000 });
      const page = await store.accounts.list(owner.sid, {}, { pageSize: 50 });
      assert.deepEqual(page.items.map((a) => a.friendlyName), ['Owner', 'Sub 1', 'Sub 2']);
      assert.equal(page.nextToken, null);
      const subView = await store.accounts.list(sub1.sid, {}, { pageSize: 50 });
      assert.deepEqual(subView.items.map((a) => a.sid), [sub1.sid, other.sid]);
      assert.equal((await store.accounts.findOwner())?.sid, owner.sid);
      const updated = await store.accounts.update(sub1.sid, { status: 'suspended', dateUpdated: 5_000 });
      assert.equal(updated?.status, 'suspended');
      assert.equal(typeof updated?.dateCreated, 'number');
    });

    it('pages forwards and backwards with stable keyset tokens', async () => {
      const account = await store.accounts.create({ friendlyName: 'Pager', parentAccountSid: null, now: 10 });
      for (let i = 0; i < 7; i++) {
        await store.applications.create(application(account.sid, `app ${i}`, 100 + Math.floor(i / 2)));
      }
      const names: string[] = [];
      let token: string | undefined;
      const tokens: Array<string | undefined> = [];
      for (;;) {
        tokens.push(token);
        const page = await store.applications.list(account.sid, {}, { pageSize: 3, pageToken: token });
        names.push(...page.items.map((a) => a.friendlyName));
        if (!page.nextToken) break;
        token = page.nextToken;
      }
      assert.equal(names.length, 7);
      assert.equal(new Set(names).size, 7);
      const second = await store.applications.list(account.sid, {}, { pageSize: 3, pageToken: tokens[1] });
      assert.ok(second.previousToken);
      const back = await store.applications.list(account.sid, {}, { pageSize: 3, pageToken: second.previousToken! });
      assert.deepEqual(back.items.map((a) => a.friendlyName), names.slice(0, 3));
      assert.equal(back.previousToken, null);
      await assert.rejects(store.applications.list(account.sid, {}, { pageSize: 3, pageToken: 'garbage' }), /PageToken/);
    });

    it('stores API key secrets hashed and verifies them', async () => {
      const account = await store.accounts.create({ friendlyName: 'Keys', parentAccountSid: null, now: 1 });
      const { key, secret } = await store.keys.create({ accountSid: account.sid, friendlyName: 'ci', now: 2 });
      assert.match(key.sid, /^SK[0-9a-f]{32}$/);
      assert.equal(secret.length, 32);
      assert.equal((await store.keys.verify(key.sid, secret))?.sid, key.sid);
      assert.equal(await store.keys.verify(key.sid, secret + 'x'), undefined);
      const raw = await store.keys.get(key.sid);
      assert.notEqual(raw?.secretHash, secret);
      assert.ok(!JSON.stringify(await store.keys.list(account.sid, { pageSize: 5 })).includes(secret));
    });

    it('finds numbers by exact E.164 and filters with wildcards', async () => {
      const account = await store.accounts.create({ friendlyName: 'Numbers', parentAccountSid: null, now: 1 });
      await store.incomingPhoneNumbers.create(number(account.sid, '+14155550100', 1));
      await store.incomingPhoneNumbers.create(number(account.sid, '+14155550199', 2));
      assert.equal((await store.incomingPhoneNumbers.findByPhoneNumber('+14155550199'))?.accountSid, account.sid);
      const page = await store.incomingPhoneNumbers.list(account.sid, { phoneNumber: '555**99' }, { pageSize: 50 });
      assert.deepEqual(page.items.map((n) => n.phoneNumber), ['+14155550199']);
      await assert.rejects(store.incomingPhoneNumbers.create(number(account.sid, '+14155550199', 3)));
    });

    it('filters calls by time range and closes orphaned live calls', async () => {
      const account = await store.accounts.create({ friendlyName: 'Calls', parentAccountSid: null, now: 1 });
      const day = Date.parse('2024-03-01T00:00:00Z');
      const live = await store.calls.create(call(account.sid, 'in-progress', day + 1_000));
      const ringing = await store.calls.create(call(account.sid, 'ringing', day + 2_000));
      await store.calls.create(call(account.sid, 'completed', day - 86_400_000));
      const onDay = await store.calls.list(account.sid, { startTime: { after: day } }, { pageSize: 50 });
      assert.deepEqual(onDay.items.map((c) => c.sid), [ringing.sid, live.sid]);
      // Queued: one still waiting in the durable outbound queue (kept), one released before the crash (closed).
      const waiting = await store.calls.create(call(account.sid, 'queued', day - 1));
      const released = await store.calls.create(call(account.sid, 'queued', day - 2));
      await store.outboundCallQueue.insert({ callSid: waiting.sid, accountSid: account.sid, seq: 1, enqueuedAt: day, data: null });
      const closed = await store.calls.closeOrphans(day + 61_000);
      assert.equal(closed, 3);
      assert.equal((await store.calls.get(waiting.sid))?.status, 'queued');
      assert.equal((await store.calls.get(released.sid))?.status, 'failed');
      const after = await store.calls.get(live.sid);
      assert.equal(after?.status, 'completed');
      assert.equal(after?.endTime, day + 61_000);
      assert.equal(after?.duration, 60);
      assert.equal((await store.calls.get(ringing.sid))?.status, 'failed');
    });

    it('reads a call of its own account with every column as written', async () => {
      const a = await store.accounts.create({ friendlyName: 'A', parentAccountSid: null, now: 1 });
      const b = await store.accounts.create({ friendlyName: 'B', parentAccountSid: null, now: 1 });
      const sparse = await store.calls.create(call(a.sid, 'ringing', 1_700_000_000_000));
      // Distinct values in every column, so a column read into the wrong field shows.
      const full = await store.calls.create({
        sid: newSid('CA'), accountSid: a.sid, parentCallSid: sparse.sid, to: '+14155550100', from: 'client:alice',
        phoneNumberSid: newSid('PN'), status: 'completed', startTime: 1_700_000_001_000, endTime: 1_700_000_031_000,
        duration: 30, price: '-0.0085', priceUnit: 'EUR', direction: 'outbound-dial', answeredBy: 'human',
        apiVersion: '2010-04-01', forwardedFrom: '+14155550123', groupSid: 'GP' + 'a'.repeat(32), callerName: 'Alice',
        queueTime: 250, trunkSid: 'TK' + 'b'.repeat(32), dateCreated: 1_700_000_000_500, dateUpdated: 1_700_000_032_000,
      });
      for (const c of [sparse, full]) {
        assert.deepEqual(await store.calls.getOwned(a.sid, c.sid), c);
        assert.deepEqual(await store.calls.get(c.sid), c);
        assert.equal(await store.calls.getOwned(b.sid, c.sid), undefined);
      }
      assert.equal(await store.calls.getOwned(a.sid, newSid('CA')), undefined);
    });

    it('does not show a call whose transaction is still open', async () => {
      const handle = await openDatabase({ url: database.url, dataDir: database.dataDir });
      const own = storeOver(handle);
      try {
        const account = await own.accounts.create({ friendlyName: 'Tx', parentAccountSid: null, now: 1 });
        const uncommitted = call(account.sid, 'ringing', 1_000);
        let read: Promise<unknown> | undefined;
        await assert.rejects(
          handle.db.transaction().execute(async (tx) => {
            await tx.insertInto('calls').values(uncommitted).execute();
            read = own.calls.getOwned(account.sid, uncommitted.sid);
            await new Promise((resolve) => setTimeout(resolve, 20));
            throw new Error('roll back');
          }),
          /roll back/,
        );
        assert.equal(await read, undefined);
      } finally {
        await own.close();
      }
    });

    it('runs a write made while another transaction is open after it, not inside it', async () => {
      const handle = await openDatabase({ url: database.url, dataDir: database.dataDir });
      const own = storeOver(handle);
      try {
        const account = await own.accounts.create({ friendlyName: 'Tx write', parentAccountSid: null, now: 1 });
        const committed = await own.calls.create(call(account.sid, 'ringing', 1_000));
        let write: Promise<unknown> | undefined;
        await assert.rejects(
          handle.db.transaction().execute(async (tx) => {
            await tx.insertInto('calls').values(call(account.sid, 'ringing', 2_000)).execute();
            write = own.calls.update(committed.sid, { status: 'in-progress', dateUpdated: 3_000 });
            await new Promise((resolve) => setTimeout(resolve, 20));
            throw new Error('roll back');
          }),
          /roll back/,
        );
        await write;
        assert.equal((await own.calls.get(committed.sid))?.status, 'in-progress');
      } finally {
        await own.close();
      }
    });

    it('updates by a statement compiled per set of columns, returning the row as stored', async () => {
      const account = await store.accounts.create({ friendlyName: 'Updates', parentAccountSid: null, now: 1 });
      const c = await store.calls.create(call(account.sid, 'in-progress', 1_000));
      const plain = await store.calls.update(c.sid, { status: 'completed', endTime: 31_000, duration: 30, dateUpdated: 31_000 });
      assert.deepEqual(plain, { ...c, status: 'completed', endTime: 31_000, duration: 30, dateUpdated: 31_000 });
      assert.deepEqual(await store.calls.get(c.sid), plain);
      const partial = await store.calls.update(c.sid, { queueTime: 14, trunkSid: undefined });
      assert.deepEqual(partial, { ...plain, queueTime: 14 });
      assert.equal(await store.calls.update(newSid('CA'), { status: 'completed' }), undefined);
    });

    it('reads the new columns of a table altered after a query on it was prepared', async () => {
      const fresh = await dialect.create();
      const handle = await openDatabase({ url: fresh.url, dataDir: fresh.dataDir });
      try {
        const own = storeOver(handle);
        const account = await own.accounts.create({ friendlyName: 'Altered', parentAccountSid: null, now: 1 });
        const before = await handle.db.selectFrom('accounts').selectAll().where('sid', '=', account.sid).executeTakeFirst();
        assert.equal(before?.friendlyName, 'Altered');
        await sql`alter table accounts add column extra_note text default 'added'`.execute(handle.db);
        const after = (await handle.db.selectFrom('accounts').selectAll().where('sid', '=', account.sid).executeTakeFirst()) as Record<string, unknown> | undefined;
        assert.equal(after?.extraNote, 'added');
        assert.equal(after?.friendlyName, 'Altered');
        assert.equal(((await own.accounts.get(account.sid)) as Record<string, unknown> | undefined)?.extraNote, 'added');
      } finally {
        await handle.close();
        await fresh.drop();
      }
    });

    it('scopes reads to the owning account', async () => {
      const a = await store.accounts.create({ friendlyName: 'A', parentAccountSid: null, now: 1 });
      const b = await store.accounts.create({ friendlyName: 'B', parentAccountSid: null, now: 1 });
      const app = await store.applications.create(application(a.sid, 'mine', 1));
      assert.equal((await store.applications.getOwned(a.sid, app.sid))?.sid, app.sid);
      assert.equal(await store.applications.getOwned(b.sid, app.sid), undefined);
      assert.equal(await store.applications.delete(app.sid), true);
      assert.equal(await store.applications.delete(app.sid), false);
    });
  });
}

function application(accountSid: string, friendlyName: string, now: number) {
  return {
    sid: newSid('AP'), accountSid, friendlyName, apiVersion: '2010-04-01', voiceUrl: null, voiceMethod: 'POST',
    voiceFallbackUrl: null, voiceFallbackMethod: 'POST', statusCallback: null, statusCallbackMethod: 'POST',
    voiceCallerIdLookup: 0, smsUrl: null, smsMethod: 'POST', smsFallbackUrl: null, smsFallbackMethod: 'POST',
    smsStatusCallback: null, messageStatusCallback: null, publicApplicationConnectEnabled: 0, dateCreated: now, dateUpdated: now,
  };
}

function number(accountSid: string, phoneNumber: string, now: number) {
  return {
    sid: newSid('PN'), accountSid, phoneNumber, friendlyName: phoneNumber, apiVersion: '2010-04-01', voiceUrl: null,
    voiceMethod: 'POST', voiceFallbackUrl: null, voiceFallbackMethod: 'POST', voiceCallerIdLookup: 0,
    voiceApplicationSid: null, voiceReceiveMode: 'voice', smsUrl: null, smsMethod: 'POST', smsFallbackUrl: null,
    smsFallbackMethod: 'POST', smsApplicationSid: null, statusCallback: null, statusCallbackMethod: 'POST', trunkSid: null,
    emergencyStatus: 'Inactive', emergencyAddressSid: null, identitySid: null, addressSid: null, bundleSid: null,
    origin: 'twilio', numberType: 'local' as const, dateCreated: now, dateUpdated: now,
  };
}

function call(accountSid: string, status: 'in-progress' | 'ringing' | 'completed' | 'queued', startTime: number) {
  return {
    sid: newSid('CA'), accountSid, parentCallSid: null, to: '+14155550100', from: '+14155550111', phoneNumberSid: null,
    status, startTime, endTime: null, duration: null, price: null, priceUnit: 'USD', direction: 'inbound' as const,
    answeredBy: null, apiVersion: '2010-04-01', forwardedFrom: null, groupSid: null, callerName: null, queueTime: 0,
    trunkSid: null, dateCreated: startTime, dateUpdated: startTime,
  };
}

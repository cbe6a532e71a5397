import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import type { Twilio } from 'twilio';
import { newSid } from '../../src/core/index.js';
import { dialectsUnderTest } from '../helpers/databases.js';
import { contractChecks, contractViolations, startTestServer, type TestServer } from '../helpers/server.js';

/**
 * The official `twilio` helper library, unchanged, against a live Patchbay: every 2010-04-01 resource of the
 * foundation through create, fetch, update, list (several pages, `each()` and `list()`) and delete.
 */
let t: TestServer;
let client: Twilio;

async function restError(promise: Promise<unknown>): Promise<{ code: number; status: number; moreInfo: string }> {
  try {
    await promise;
  } catch (err) {
    const e = err as { code: number; status: number; moreInfo: string };
    assert.equal(typeof e.code, 'number', `expected a RestException, got ${String(err)}`);
    return e;
  }
  assert.fail('expected the request to fail');
}

for (const dialect of await dialectsUnderTest()) {
describe(`REST API on ${dialect.name}`, () => {
before(async () => {
  t = await startTestServer({}, await dialect.create());
  client = t.client();
});
after(async () => {
  await t.close();
});

describe('Accounts', () => {
  it('fetches the owner account', async () => {
    const account = await client.api.v2010.accounts(t.accountSid).fetch();
    assert.equal(account.sid, t.accountSid);
    assert.equal(account.status, 'active');
    assert.equal(account.ownerAccountSid, t.accountSid);
    assert.equal(account.authToken, t.authToken);
    assert.ok(account.dateCreated instanceof Date && !Number.isNaN(account.dateCreated.getTime()));
    assert.equal(account.uri, `/2010-04-01/Accounts/${t.accountSid}.json`);
  });

  it('creates subaccounts, pages through them, renames, suspends, reactivates and closes', async () => {
    const created = [];
    for (let i = 0; i < 5; i++) created.push(await client.api.v2010.accounts.create({ friendlyName: `sub ${i}` }));
    assert.equal(created[0].ownerAccountSid, t.accountSid);
    const defaultName = await client.api.v2010.accounts.create();
    assert.match(defaultName.friendlyName, /^SubAccount Created at \d{4}-\d{2}-\d{2} \d{2}:\d{2} (am|pm)$/);

    const listed = await client.api.v2010.accounts.list({ pageSize: 2 });
    assert.equal(listed.length, 7);
    const seen: string[] = [];
    await client.api.v2010.accounts.each({ pageSize: 3 }, (a) => {
      seen.push(a.sid);
    });
    assert.deepEqual(new Set(seen), new Set(listed.map((a) => a.sid)));
    const filtered = await client.api.v2010.accounts.list({ friendlyName: 'sub 3' });
    assert.deepEqual(filtered.map((a) => a.sid), [created[3].sid]);

    const sub = created[0];
    const renamed = await client.api.v2010.accounts(sub.sid).update({ friendlyName: 'renamed' });
    assert.equal(renamed.friendlyName, 'renamed');
    const subClient = t.client(sub.sid, sub.authToken);
    assert.equal((await subClient.api.v2010.accounts(sub.sid).fetch()).friendlyName, 'renamed');

    await client.api.v2010.accounts(sub.sid).update({ status: 'suspended' });
    assert.equal((await restError(subClient.api.v2010.accounts(sub.sid).fetch())).code, 20003);
    assert.equal((await restError(client.api.v2010.accounts(sub.sid).applications.list())).code, 20003);
    assert.equal((await client.api.v2010.accounts(sub.sid).fetch()).status, 'suspended');
    await client.api.v2010.accounts(sub.sid).update({ status: 'active' });
    assert.equal((await subClient.api.v2010.accounts(sub.sid).fetch()).status, 'active');
    await client.api.v2010.accounts(sub.sid).update({ status: 'closed' });
    assert.equal((await restError(client.api.v2010.accounts(sub.sid).update({ status: 'active' }))).status, 400);
  });

  it('isolates subaccounts both ways', async () => {
    const a = await client.api.v2010.accounts.create({ friendlyName: 'iso a' });
    const b = await client.api.v2010.accounts.create({ friendlyName: 'iso b' });
    const aClient = t.client(a.sid, a.authToken);
    // The parent acts on its subaccount's resources…
    const app = await client.api.v2010.accounts(a.sid).applications.create({ friendlyName: 'made by parent' });
    assert.equal(app.accountSid, a.sid);
    assert.equal((await aClient.applications(app.sid).fetch()).sid, app.sid);
    // …the subaccount reaches neither its parent, nor a sibling, nor their resources.
    assert.equal((await restError(aClient.api.v2010.accounts(t.accountSid).fetch())).code, 20003);
    assert.equal((await restError(aClient.api.v2010.accounts(b.sid).applications.list())).code, 20003);
    const parentApp = await client.applications.create({ friendlyName: 'parent only' });
    assert.equal((await restError(aClient.applications(parentApp.sid).fetch())).code, 20404);
    assert.ok(!(await aClient.api.v2010.accounts.list()).some((x) => x.sid === t.accountSid));
    assert.equal((await restError(aClient.api.v2010.accounts.create({ friendlyName: 'nested' }))).code, 20003);
  });

  it('rejects bad credentials with 20003', async () => {
    const bad = t.client(t.accountSid, '0'.repeat(32));
    const err = await restError(bad.api.v2010.accounts(t.accountSid).fetch());
    assert.equal(err.code, 20003);
    assert.equal(err.status, 401);
    assert.equal(err.moreInfo, 'https://www.twilio.com/docs/errors/20003');
    const unknown = t.client(newSid('AC'), t.authToken);
    assert.equal((await restError(unknown.calls.list())).code, 20003);
  });
});

describe('Keys', () => {
  it('shows the secret once, authenticates with it, and stops working once deleted', async () => {
    const key = await client.newKeys.create({ friendlyName: 'deploy' });
    assert.match(key.sid, /^SK[0-9a-f]{32}$/);
    assert.equal(key.secret.length, 32);
    const fetched = await client.keys(key.sid).fetch();
    assert.equal(fetched.friendlyName, 'deploy');
    assert.equal((fetched as unknown as { secret?: string }).secret, undefined);

    const keyClient = t.client(key.sid, key.secret, t.accountSid);
    assert.ok(Array.isArray(await keyClient.calls.list()));
    // API keys do not manage accounts or keys (Twilio reserves those for account credentials).
    assert.equal((await restError(keyClient.keys.list())).code, 20003);
    assert.equal((await restError(t.client(key.sid, 'x'.repeat(32), t.accountSid).calls.list())).code, 20003);

    assert.equal((await client.keys(key.sid).update({ friendlyName: 'renamed' })).friendlyName, 'renamed');
    for (let i = 0; i < 3; i++) await client.newKeys.create({ friendlyName: `k${i}` });
    assert.equal((await client.keys.list({ pageSize: 2 })).length, 4);
    assert.equal(await client.keys(key.sid).remove(), true);
    assert.equal((await restError(keyClient.calls.list())).code, 20003);
    assert.equal((await restError(client.keys(key.sid).fetch())).code, 20404);
  });
});

describe('IncomingPhoneNumbers', () => {
  it('creates with every voice, SMS and status callback field, updates, lists and deletes', async () => {
    const app = await client.applications.create({ friendlyName: 'ivr' });
    const number = await client.incomingPhoneNumbers.create({
      phoneNumber: '+14155550100',
      friendlyName: 'Main line',
      voiceUrl: 'https://example.com/voice',
      voiceMethod: 'GET',
      voiceFallbackUrl: 'https://example.com/fallback',
      voiceFallbackMethod: 'POST',
      voiceCallerIdLookup: true,
      smsUrl: 'https://example.com/sms',
      smsMethod: 'GET',
      smsFallbackUrl: 'https://example.com/sms-fallback',
      smsFallbackMethod: 'GET',
      statusCallback: 'https://example.com/status',
      statusCallbackMethod: 'GET',
      voiceApplicationSid: app.sid,
      voiceReceiveMode: 'voice',
    });
    assert.match(number.sid, /^PN[0-9a-f]{32}$/);
    assert.equal(number.phoneNumber, '+14155550100');
    assert.equal(number.friendlyName, 'Main line');
    assert.equal(number.voiceUrl, 'https://example.com/voice');
    assert.equal(number.voiceMethod, 'GET');
    assert.equal(number.voiceCallerIdLookup, true);
    assert.equal(number.smsFallbackMethod, 'GET');
    assert.equal(number.statusCallback, 'https://example.com/status');
    assert.equal(number.voiceApplicationSid, app.sid);
    assert.deepEqual(number.capabilities, { fax: false, mms: true, sms: true, voice: true });

    const updated = await client.incomingPhoneNumbers(number.sid).update({ voiceUrl: 'https://example.com/v2', voiceMethod: 'POST' });
    assert.equal(updated.voiceUrl, 'https://example.com/v2');
    assert.equal(updated.voiceMethod, 'POST');
    assert.equal(updated.smsUrl, 'https://example.com/sms');

    // The current helper library only sends PhoneNumber; AreaCode provisioning is exercised over plain HTTP.
    const byArea = await client.request({
      method: 'post',
      uri: `https://api.twilio.com/2010-04-01/Accounts/${t.accountSid}/IncomingPhoneNumbers/Local.json`,
      data: { AreaCode: '212' },
    });
    assert.equal(byArea.statusCode, 201);
    assert.match((byArea.body as { phone_number: string }).phone_number, /^\+1212555\d{4}$/);
    const byAreaSid = (byArea.body as { sid: string }).sid;
    for (let i = 1; i <= 4; i++) await client.incomingPhoneNumbers.create({ phoneNumber: `+4420794600${i}0` });
    const all = await client.incomingPhoneNumbers.list({ pageSize: 2 });
    assert.equal(all.length, 6);
    assert.equal(all.find((n) => n.phoneNumber.startsWith('+4420'))?.type, 'local');
    const filtered = await client.incomingPhoneNumbers.list({ phoneNumber: '+44207946' });
    assert.equal(filtered.length, 4);
    const tollFree = await client.incomingPhoneNumbers.tollFree.create({ phoneNumber: '+18005550100' });
    assert.equal((await client.incomingPhoneNumbers(tollFree.sid).fetch()).type, 'toll-free');
    assert.deepEqual((await client.incomingPhoneNumbers.tollFree.list()).map((n) => n.sid), [tollFree.sid]);
    const local = (await client.incomingPhoneNumbers.local.list()).map((n) => n.sid);
    assert.equal(local.length, 6);
    assert.ok(local.includes(byAreaSid) && !local.includes(tollFree.sid));
    assert.equal((await client.incomingPhoneNumbers.mobile.list()).length, 0);

    assert.equal(await client.incomingPhoneNumbers(number.sid).remove(), true);
    assert.equal((await restError(client.incomingPhoneNumbers(number.sid).fetch())).code, 20404);
  });

  it('refuses invalid and taken numbers with Twilio codes', async () => {
    assert.equal((await restError(client.incomingPhoneNumbers.create({ phoneNumber: '4155550100' }))).code, 21421);
    assert.equal((await restError(client.incomingPhoneNumbers.create({} as { phoneNumber: string }))).code, 21421);
    await client.incomingPhoneNumbers.create({ phoneNumber: '+14155550111' });
    assert.equal((await restError(client.incomingPhoneNumbers.create({ phoneNumber: '+14155550111' }))).code, 21422);
    const err = await restError(client.incomingPhoneNumbers.create({ phoneNumber: '+14155550112', voiceUrl: 'not a url' }));
    assert.equal(err.status, 400);
  });

  it('transfers a number to a subaccount by AccountSid', async () => {
    const sub = await client.api.v2010.accounts.create({ friendlyName: 'gets a number' });
    const n = await client.incomingPhoneNumbers.create({ phoneNumber: '+14155550122' });
    const moved = await client.incomingPhoneNumbers(n.sid).update({ accountSid: sub.sid });
    assert.equal(moved.accountSid, sub.sid);
    const subClient = t.client(sub.sid, sub.authToken);
    assert.equal((await subClient.incomingPhoneNumbers(n.sid).fetch()).phoneNumber, '+14155550122');
    assert.equal((await restError(client.incomingPhoneNumbers(n.sid).fetch())).code, 20404);
    // The subaccount cannot push it to an account it does not control.
    assert.equal((await restError(subClient.incomingPhoneNumbers(n.sid).update({ accountSid: t.accountSid }))).status, 400);
  });
});

describe('Applications', () => {
  it('creates, fetches, updates, lists and deletes', async () => {
    const app = await client.applications.create({
      friendlyName: 'Support line',
      voiceUrl: 'https://example.com/answer',
      voiceMethod: 'GET',
      statusCallback: 'https://example.com/status',
      smsStatusCallback: 'https://example.com/sms-status',
      messageStatusCallback: 'https://example.com/message-status',
      voiceCallerIdLookup: true,
    });
    assert.match(app.sid, /^AP[0-9a-f]{32}$/);
    assert.equal(app.voiceMethod, 'GET');
    assert.equal(app.voiceFallbackMethod, 'POST');
    assert.equal(app.voiceCallerIdLookup, true);
    assert.equal((await client.applications(app.sid).fetch()).voiceUrl, 'https://example.com/answer');
    const updated = await client.applications(app.sid).update({ voiceUrl: 'https://example.com/v2', friendlyName: 'Renamed' });
    assert.equal(updated.friendlyName, 'Renamed');
    assert.equal(updated.statusCallback, 'https://example.com/status');
    assert.equal((await client.applications.list({ friendlyName: 'Renamed' })).length, 1);
    const before = (await client.applications.list()).length;
    for (let i = 0; i < 3; i++) await client.applications.create({ friendlyName: `bulk ${i}` });
    assert.equal((await client.applications.list({ pageSize: 1 })).length, before + 3);
    assert.equal(await client.applications(app.sid).remove(), true);
    assert.equal((await restError(client.applications(app.sid).remove())).code, 20404);
  });
});

describe('Calls', () => {
  it('lists with filters across pages, fetches and deletes call records', async () => {
    const base = Date.parse('2024-05-01T12:00:00Z');
    const sids: string[] = [];
    for (let i = 0; i < 6; i++) {
      const sid = newSid('CA');
      sids.push(sid);
      await t.server.store.calls.create({
        sid, accountSid: t.accountSid, parentCallSid: null, to: i % 2 ? '+14155550100' : 'sip:alice@example.com',
        from: '+14155550199', phoneNumberSid: null, status: i === 5 ? 'in-progress' : 'completed',
        startTime: base + i * 3_600_000, endTime: i === 5 ? null : base + i * 3_600_000 + 42_000, duration: i === 5 ? null : 42,
        price: null, priceUnit: 'USD', direction: 'inbound', answeredBy: null, apiVersion: '2010-04-01', forwardedFrom: null,
        groupSid: null, callerName: null, queueTime: 0, trunkSid: null, dateCreated: base + i * 3_600_000, dateUpdated: base,
      });
    }
    const listed = await client.calls.list({ pageSize: 4 });
    assert.deepEqual(listed.slice(0, 6).map((c) => c.sid), [...sids].reverse());
    const toNumber = await client.calls.list({ to: '+14155550100' });
    assert.equal(toNumber.length, 3);
    assert.equal((await client.calls.list({ status: 'in-progress' })).length, 1);
    const later = await client.calls.list({ startTimeAfter: new Date(base + 3 * 3_600_000) });
    assert.equal(later.length, 3);
    const onDay = await client.calls.list({ startTime: new Date('2024-05-01T00:00:00Z') });
    assert.equal(onDay.length, 6);

    const call = await client.calls(sids[1]).fetch();
    assert.equal(call.toFormatted, '(415) 555-0100');
    assert.equal(call.duration, '42');
    assert.equal(call.direction, 'inbound');
    assert.equal(call.startTime.toISOString(), new Date(base + 3_600_000).toISOString());
    assert.equal((await restError(client.calls(sids[5]).remove())).status, 400);
    assert.equal(await client.calls(sids[0]).remove(), true);
    assert.equal((await restError(client.calls(sids[0]).fetch())).code, 20404);
  });
});

describe('Recordings', () => {
  it('lists, fetches, serves the WAV media and deletes with the file', async () => {
    const callSid = newSid('CA');
    await t.server.store.calls.create({
      sid: callSid, accountSid: t.accountSid, parentCallSid: null, to: '+1', from: '+2', phoneNumberSid: null,
      status: 'completed', startTime: 1, endTime: 2, duration: 1, price: null, priceUnit: 'USD', direction: 'inbound',
      answeredBy: null, apiVersion: '2010-04-01', forwardedFrom: null, groupSid: null, callerName: null, queueTime: 0,
      trunkSid: null, dateCreated: 1, dateUpdated: 1,
    });
    const wav = tinyWav();
    const sids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const sid = newSid('RE');
      sids.push(sid);
      const rel = path.join('recordings', `${sid}.wav`);
      mkdirSync(path.join(t.database.dataDir, 'recordings'), { recursive: true });
      writeFileSync(path.join(t.database.dataDir, rel), wav);
      await t.server.store.recordings.create({
        sid, accountSid: t.accountSid, callSid, conferenceSid: null, startTime: 1_000 + i, duration: 1, status: 'completed',
        channels: 1, source: 'RecordVerb', errorCode: null, track: 'both', price: null, priceUnit: 'USD', mediaPath: rel,
        dateCreated: 1_000 + i, dateUpdated: 1_000 + i,
      });
    }
    assert.equal((await client.recordings.list({ pageSize: 2 })).length, 3);
    assert.equal((await client.recordings.list({ callSid })).length, 3);
    assert.equal((await client.calls(callSid).recordings.list()).length, 3);
    const rec = await client.recordings(sids[0]).fetch();
    assert.equal(rec.duration, '1');
    assert.equal(rec.channels, 1);
    assert.ok(rec.mediaUrl.startsWith(t.server.publicUrl));

    for (const suffix of ['', '.wav']) {
      const media = await fetch(rec.mediaUrl + suffix);
      assert.equal(media.status, 200);
      assert.equal(media.headers.get('content-type'), 'audio/x-wav');
      assert.deepEqual(Buffer.from(await media.arrayBuffer()), wav);
    }
    assert.equal(await client.recordings(sids[0]).remove(), true);
    assert.equal(existsSync(path.join(t.database.dataDir, 'recordings', `${sids[0]}.wav`)), false);
    assert.equal((await fetch(rec.mediaUrl)).status, 404);
    assert.equal((await restError(client.recordings(sids[0]).fetch())).code, 20404);
  });
});

describe('Notifications', () => {
  it('lists with filters and fetches the debugger detail', async () => {
    for (let i = 0; i < 3; i++) {
      await t.server.store.notifications.create({
        sid: newSid('NO'), accountSid: t.accountSid, callSid: null, apiVersion: '2010-04-01', errorCode: i ? '11200' : '12100',
        log: i ? '0' : '1', messageDate: 5_000 + i, messageText: 'msg', moreInfo: 'https://www.twilio.com/docs/errors/11200',
        requestMethod: 'POST', requestUrl: 'https://example.com/voice', requestVariables: 'CallSid=CA1', responseBody: 'oops',
        responseHeaders: 'Content-Type=text/plain', dateCreated: 5_000 + i, dateUpdated: 5_000 + i,
      });
    }
    const all = await client.notifications.list({ pageSize: 2 });
    assert.equal(all.length, 3);
    assert.equal((await client.notifications.list({ log: 0 })).length, 2);
    const one = await client.notifications(all[0].sid).fetch();
    assert.equal(one.responseBody, 'oops');
    assert.equal(one.requestVariables, 'CallSid=CA1');
    assert.equal((await restError(client.notifications(newSid('NO')).fetch())).code, 20404);
  });
});

});
}

describe('OpenAPI contract', () => {
  it('every response the client received matches the spec', () => {
    assert.ok(contractChecks.count > 60, `only ${contractChecks.count} responses were checked`);
    assert.deepEqual(contractViolations, []);
  });
});

function tinyWav(): Buffer {
  const samples = 800;
  const b = Buffer.alloc(44 + samples * 2);
  b.write('RIFF', 0); b.writeUInt32LE(36 + samples * 2, 4); b.write('WAVE', 8); b.write('fmt ', 12);
  b.writeUInt32LE(16, 16); b.writeUInt16LE(1, 20); b.writeUInt16LE(1, 22); b.writeUInt32LE(8000, 24);
  b.writeUInt32LE(16000, 28); b.writeUInt16LE(2, 32); b.writeUInt16LE(16, 34); b.write('data', 36); b.writeUInt32LE(samples * 2, 40);
  for (let i = 0; i < samples; i++) b.writeInt16LE(Math.round(8000 * Math.sin((2 * Math.PI * 440 * i) / 8000)), 44 + i * 2);
  return b;
}

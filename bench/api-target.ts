// Child process of bench/api.ts: either a full Patchbay on SQLite with seeded data, or a bare Fastify route.
// Prints one JSON line describing what to hit, then serves until killed.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Fastify from 'fastify';
import { readConfig } from '../src/config.js';
import { newSid, silentLogger } from '../src/core/index.js';
import { startServer } from '../src/server.js';

const mode = process.argv[2];

if (mode === 'bare') {
  const app = Fastify();
  const body = { sid: 'CA' + '0'.repeat(32), status: 'completed' };
  app.get('/bare.json', async () => body);
  await app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = app.server.address() as { port: number };
  process.stdout.write(JSON.stringify({ url: `http://127.0.0.1:${port}` }) + '\n');
} else {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'patchbay-bench-'));
  const config = readConfig({ PATCHBAY_HOST: '127.0.0.1', PATCHBAY_HTTP_PORT: '0', PATCHBAY_DATA_DIR: dataDir, PATCHBAY_LOG_LEVEL: 'silent' });
  const server = await startServer(config, { logger: silentLogger() });
  const accountSid = server.owner.sid;
  let callSid = '';
  const now = Date.now();
  for (let i = 0; i < 60; i++) {
    callSid = newSid('CA');
    await server.store.calls.create({
      sid: callSid, accountSid, parentCallSid: null, to: '+14155550100', from: '+14155550199', phoneNumberSid: null,
      status: 'completed', startTime: now - i * 1000, endTime: now - i * 1000 + 30_000, duration: 30, price: null,
      priceUnit: 'USD', direction: 'inbound', answeredBy: null, apiVersion: '2010-04-01', forwardedFrom: null,
      groupSid: null, callerName: null, queueTime: 0, trunkSid: null, dateCreated: now - i * 1000, dateUpdated: now,
    });
  }
  process.stdout.write(JSON.stringify({ url: server.httpUrl, accountSid, authToken: server.owner.authToken, callSid }) + '\n');
}

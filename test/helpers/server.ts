import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import twilio from 'twilio';
import RequestClient from 'twilio/lib/base/RequestClient.js';
import { readConfig } from '../../src/config.js';
import { silentLogger } from '../../src/core/index.js';
import { type RunningServer, type StartOptions, startServer } from '../../src/server.js';
import { type ContractViolation, checkResponse } from './contract.js';
import { type TestDatabase, sqliteDatabase } from './databases.js';

/** Every response the official client received that does not match Twilio's OpenAPI response schema. */
export const contractViolations: ContractViolation[] = [];
/** How many responses were checked, so a contract test can prove it looked at something. */
export const contractChecks = { count: 0 };

export interface TestServer {
  server: RunningServer;
  database: TestDatabase;
  accountSid: string;
  authToken: string;
  /** An official `twilio` client whose requests are rewritten from api.twilio.com to this server. */
  client(username?: string, password?: string, accountSid?: string): twilio.Twilio;
  close(): Promise<void>;
}

/** Routes every request the official helper library makes to the local server instead of api.twilio.com. */
export class LocalRequestClient extends RequestClient {
  constructor(private readonly baseUrl: string, options?: RequestClient.RequestClientOptions) {
    super(options);
  }

  override request<TData>(opts: RequestClient.RequestOptions<TData>) {
    const uri = opts.uri.replace(/^https:\/\/[a-z0-9.-]+\.twilio\.com/, this.baseUrl);
    return super.request({ ...opts, uri }).then((response) => {
      if (response.statusCode < 300 && response.statusCode !== 204) {
        const body: unknown = typeof response.body === 'string' ? JSON.parse(response.body) : response.body;
        contractChecks.count++;
        const violation = checkResponse(opts.method, new URL(uri).pathname, response.statusCode, body);
        if (violation) contractViolations.push(violation);
      }
      return response;
    });
  }
}

export async function startTestServer(
  env: Record<string, string> = {}, database: TestDatabase = sqliteDatabase(), options: StartOptions = {},
): Promise<TestServer> {
  const config = readConfig({
    PATCHBAY_HOST: '127.0.0.1',
    PATCHBAY_HTTP_PORT: '0',
    PATCHBAY_SIP_PORT: '0',
    // Overload control off: two test files share two cores with SIPp and espeak-ng, and a test process starved of
    // CPU looks busy. The overload tests switch it on.
    PATCHBAY_OVERLOAD_THRESHOLD: '100',
    PATCHBAY_DATA_DIR: database.dataDir,
    ...(database.url ? { PATCHBAY_DATABASE_URL: database.url } : {}),
    ...env,
  });
  const server = await startServer(config, { logger: silentLogger(), ...options });
  const httpClient = new LocalRequestClient(server.httpUrl);
  return {
    server,
    database,
    accountSid: server.owner.sid,
    authToken: server.owner.authToken,
    client(username = server.owner.sid, password = server.owner.authToken, accountSid?: string) {
      return twilio(username, password, { httpClient, accountSid: accountSid ?? (username.startsWith('AC') ? username : server.owner.sid) });
    },
    async close() {
      await server.close();
      await database.drop();
    },
  };
}

/**
 * Another node of the cluster whose first node runs on `database`: the same database, a data directory of its own
 * (each node has one), removed when this node closes; the database stays for the first node to drop.
 */
export function startPeerNode(env: Record<string, string>, database: TestDatabase, options: StartOptions = {}): Promise<TestServer> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'patchbay-node-'));
  return startTestServer({ ...env, PATCHBAY_DATA_DIR: dataDir }, { ...database, dataDir, drop: async () => rmSync(dataDir, { recursive: true, force: true }) }, options);
}

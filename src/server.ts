import { mkdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { buildApi } from './api/app.js';
import { type Bus, InProcessBus, RedisBus } from './bus/index.js';
import type { Config } from './config.js';
import { type Clock, type Logger, createLogger, systemClock } from './core/index.js';
import { type Account, type Store, openStore } from './store/index.js';

/** What a running Patchbay tells its operator and its tests. */
export interface RunningServer {
  readonly httpUrl: string;
  readonly publicUrl: string;
  readonly httpPort: number;
  readonly owner: Account;
  readonly store: Store;
  readonly bus: Bus;
  readonly dataLocation: string;
  readonly http: FastifyInstance;
  close(): Promise<void>;
}

export interface StartOptions {
  logger?: Logger;
  clock?: Clock;
}

/**
 * The one composition root: builds every service with its dependencies, starts them in order (store, bus, HTTP)
 * and stops them in reverse. Nothing else in the program constructs a service.
 */
export async function startServer(config: Config, options: StartOptions = {}): Promise<RunningServer> {
  const logger = options.logger ?? createLogger(config.logLevel);
  const clock = options.clock ?? systemClock;
  const started: Array<{ name: string; stop: () => Promise<void> }> = [];
  const stopAll = async () => {
    for (const { name, stop } of started.reverse()) {
      await stop().catch((err: unknown) => logger.error({ err, component: name }, 'stop failed'));
    }
    started.length = 0;
  };

  try {
    mkdirSync(config.dataDir, { recursive: true });
    const store = await openStore({ url: config.databaseUrl, dataDir: config.dataDir });
    started.push({ name: 'store', stop: () => store.close() });
    const owner = await seedOwner(store, config, clock.now());
    const orphans = await store.calls.closeOrphans(clock.now());
    if (orphans > 0) logger.warn({ calls: orphans }, 'closed calls left live by the previous run');

    const bus: Bus = config.redisUrl ? await RedisBus.connect(config.redisUrl, logger) : new InProcessBus(logger);
    started.push({ name: 'bus', stop: () => bus.close() });

    // The public URL depends on the bound port when port 0 is asked for, so the API reads it through a getter.
    let publicUrl = config.publicUrl ?? '';
    const api = buildApi({
      store,
      clock,
      logger,
      dataDir: config.dataDir,
      get publicUrl() {
        return publicUrl;
      },
    });
    let ready = false;
    api.get('/health', async (_request, reply) => {
      const body = { status: ready ? 'ok' : 'starting', store: store.dialect, bus: bus.kind };
      return reply.code(ready ? 200 : 503).send(body);
    });
    // The start-up summary says where everything listens; Fastify's own listen lines would only repeat it.
    await api.listen({ host: config.host, port: config.httpPort, listenTextResolver: () => '' });
    started.push({ name: 'http', stop: () => api.close() });
    const httpPort = (api.server.address() as AddressInfo).port;
    const reachableHost = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host;
    const httpUrl = `http://${reachableHost.includes(':') ? `[${reachableHost}]` : reachableHost}:${httpPort}`;
    publicUrl = config.publicUrl ?? httpUrl;
    ready = true;

    return {
      httpUrl,
      publicUrl,
      httpPort,
      owner,
      store,
      bus,
      dataLocation: store.location,
      http: api,
      close: stopAll,
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}

/**
 * First start creates the owner account, from PATCHBAY_ACCOUNT_SID / PATCHBAY_AUTH_TOKEN when given. Later starts
 * keep the stored credentials: changing the variables afterwards does not silently rotate a live token.
 */
async function seedOwner(store: Store, config: Config, now: number): Promise<Account> {
  const existing = await store.accounts.findOwner();
  if (existing) return existing;
  return store.accounts.create({
    sid: config.accountSid,
    authToken: config.authToken,
    friendlyName: 'Owner',
    parentAccountSid: null,
    now,
  });
}

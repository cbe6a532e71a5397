import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';
import { buildApi } from './api/app.js';
import { createMetricsRegistry, mountMetrics, readOnScrape } from './api/metrics.js';
import { type Bus, InProcessBus, RedisBus, RedisRateSlots } from './bus/index.js';
import type { Config } from './config.js';
import { type Clock, LoadMonitor, type LoadMonitorOptions, type Logger, NodeAdmission, createLogger, loadOrCreateNodeId, systemClock } from './core/index.js';
import { EspeakNgProvider, type EspeakNgStatus, MediaCache, PlayoutClock, PortAllocator, checkEspeakNg } from './media/index.js';
import { SipEndpoint } from './sip/index.js';
import { RegistrarService, deriveNonceSecret } from './sip/registrar/index.js';
import { type Account, CredentialCipher, type Store, loadOrCreateCredentialKey, openStore } from './store/index.js';
import {
  CallRouter, ClusterMembership, type ClusterMembershipOptions, DestinationResolver, Dialer, LiveCallRelay, type NotificationSink, OriginateService,
  StatusCallbackSender, WebhookClient, createWebhookAgent,
} from './voice/index.js';
import { TrunkRoutes } from './voice/trunk/index.js';

/** What a running Patchbay tells its operator and its tests. */
export interface RunningServer {
  readonly httpUrl: string;
  readonly publicUrl: string;
  readonly httpPort: number;
  /** This node's identity in a cluster (`<dataDir>/node-id`), the same after a restart. */
  readonly nodeId: string;
  readonly owner: Account;
  readonly store: Store;
  readonly bus: Bus;
  readonly dataLocation: string;
  readonly http: FastifyInstance;
  readonly mediaCache: MediaCache;
  readonly sip: SipEndpoint;
  readonly registrar: RegistrarService;
  readonly metrics: Registry;
  /** Whether the embedded text-to-speech engine is installed (and how to install it when not). */
  readonly tts: EspeakNgStatus;
  /** The call router: incoming calls and the live calls this node holds. */
  readonly calls: CallRouter;
  /** Calls created through `POST Calls.json` and their per-account queue. */
  readonly originate: OriginateService;
  /** Overload control (PATCHBAY_OVERLOAD_THRESHOLD); null when switched off. */
  readonly load: LoadMonitor | null;
  /**
   * Drains the node: from now on new SIP requests get 503, queued outbound calls wait (for another node once this one
   * stops), `/health` answers 503 `draining`; the calls already up go on. Resolves when none is left, or after
   * `timeoutMs` with how many still are; `onProgress` hears the count every `progressMs` (default 5 s) meanwhile.
   * `close()` afterwards ends whatever is left.
   */
  drain(timeoutMs: number, onProgress?: (liveCalls: number) => void, progressMs?: number): Promise<number>;
  /** Calls this node holds now (inbound, `<Dial>` legs, outbound-api ones placed or starting). */
  readonly liveCalls: number;
  close(): Promise<void>;
}

export interface StartOptions {
  logger?: Logger;
  clock?: Clock;
  /** Total time of one webhook request (default Twilio's 15 s); tests shorten it. */
  webhookTimeoutMs?: number;
  /** Sampling, smoothing and signals of the overload monitor (tests make it react faster). */
  load?: Pick<LoadMonitorOptions, 'sampleMs' | 'smoothingMs' | 'retransmissionsPerSecond' | 'minEpisodeMs'>;
  /** Heartbeat period and the grace period after which a silent node's calls are closed (tests shorten them). */
  cluster?: Pick<ClusterMembershipOptions, 'heartbeatMs' | 'graceMs'>;
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
    const nodeId = loadOrCreateNodeId(config.dataDir);
    // Every node of a cluster must seal and open SIP passwords, and check digest nonces, with the same key.
    const credentialKey = config.credentialKey ?? loadOrCreateCredentialKey(config.dataDir);
    if (!config.credentialKey && config.redisUrl) {
      logger.warn('cluster mode without PATCHBAY_CREDENTIAL_KEY: each node uses the key in its own data directory, so SIP passwords stored or digest challenges sent by one node fail at the others; give every node the same PATCHBAY_CREDENTIAL_KEY');
    }
    // The store stamps this node's id on the calls it takes charge of (cluster mode: whose calls are whose).
    const store = await openStore({ url: config.databaseUrl, dataDir: config.dataDir, sipCredentialKey: credentialKey, nodeId });
    started.push({ name: 'store', stop: () => store.close() });
    const owner = await seedOwner(store, config, clock.now());
    // Heartbeats, then this node's own orphans only (other nodes' live calls are theirs), then sweeps for dead nodes'
    // calls. Stopped just before the store, once every call of this node has ended.
    const membership = new ClusterMembership({ store, nodeId, clock, logger: logger.child({ component: 'cluster' }), ...options.cluster });
    await membership.start();
    started.push({ name: 'cluster', stop: () => membership.close() });

    const bus: Bus = config.redisUrl ? await RedisBus.connect(config.redisUrl, logger) : new InProcessBus(logger);
    started.push({ name: 'bus', stop: () => bus.close() });
    // Per-account calls per second hold for the whole cluster: the slots live in Redis.
    const rateSlots = config.redisUrl ? await RedisRateSlots.connect(config.redisUrl) : undefined;
    if (rateSlots) started.push({ name: 'rate-slots', stop: async () => rateSlots.close() });

    const metrics = createMetricsRegistry();
    const mediaCache = await MediaCache.open({ dataDir: path.join(config.dataDir, 'media'), clock, logger: logger.child({ component: 'media-cache' }) });
    started.push({ name: 'media-cache', stop: () => mediaCache.close() });
    readOnScrape(metrics, [
      ['patchbay_media_cache_bytes', 'Processed media held by the media cache', () => mediaCache.sizeBytes],
      ['patchbay_media_cache_hits_total', 'Media requests served from the cache', () => mediaCache.stats.hits],
      ['patchbay_media_cache_fetches_total', 'Media fetched from origin servers', () => mediaCache.stats.fetches],
      ['patchbay_media_cache_transcodes_total', 'Media decoded and encoded for telephony', () => mediaCache.stats.transcodes],
    ]);
    const tts = await checkEspeakNg();
    if (!tts.installed) logger.warn(`espeak-ng is not installed, so <Say> cannot speak: ${tts.hint}`);

    // The public URL depends on the bound port when port 0 is asked for, so the API reads it through a getter.
    let publicUrl = config.publicUrl ?? '';

    // Voice: webhooks, status callbacks, the shared playout clock and RTP ports, and the call router.
    const webhookAgent = createWebhookAgent();
    const playout = new PlayoutClock({ logger });
    const webhookClient = new WebhookClient({ dispatcher: webhookAgent, clock, timeoutMs: options.webhookTimeoutMs });
    const notifications: NotificationSink = { record: (n) => store.notifications.create(n).then(() => undefined) };
    const callbacks = new StatusCallbackSender({ client: webhookClient, notifications, clock, logger: logger.child({ component: 'status-callbacks' }) });
    started.push({
      name: 'voice-services',
      stop: async () => {
        playout.close();
        // The last status callbacks (calls ended by the stop) get a moment to go out before the HTTP client closes.
        let timer: ReturnType<Clock['setTimeout']> | undefined;
        await Promise.race([callbacks.idle(), new Promise<void>((resolve) => (timer = clock.setTimeout(resolve, 2_000)))]);
        clock.clearTimeout(timer);
        // Requests still hanging (a webhook that never answers) are cut, not waited for.
        await webhookAgent.destroy();
      },
    });
    let sipHost = config.host;
    // One RTP port range and one speech engine for inbound and outbound calls alike.
    const rtpPorts = new PortAllocator(config.rtpPorts);
    const speech = tts.installed ? new EspeakNgProvider({ clock }) : null;
    const webhooks = { client: webhookClient, notifications, callbacks, clock, logger };
    const media = { cache: mediaCache, tts: speech, store, clock, recordingsDir: config.recordingsDir, publicUrl: () => publicUrl };
    const session = {
      playout, allocator: rtpPorts, bindAddress: config.host, address: () => sipHost, clock,
      inactivityTimeoutMs: config.rtpTimeoutSeconds * 1000,
      logger: logger.child({ component: 'media' }),
    };
    // Calls we place (outbound-api and <Dial> legs) leave through the SIP user agent (UDP), once SIP is up.
    let sipLoopback = '';
    let sipEndpoint: SipEndpoint | undefined;
    // Overload control: one monitor of the event loop, asked by SIP before new work and by the outbound call queue.
    const load = config.overloadThreshold === null ? null : new LoadMonitor({
      threshold: config.overloadThreshold, blockedMs: () => playout.blockedMs,
      // SIP starts later; until then nobody can retransmit to us.
      retransmissions: () => sipEndpoint?.retransmissionsReceived ?? 0,
      clock, logger: logger.child({ component: 'load' }), ...options.load,
    });
    const admission = new NodeAdmission(load);
    if (load) {
      load.start();
      started.push({ name: 'load', stop: async () => load.close() });
      readOnScrape(metrics, [
        ['patchbay_event_loop_busy_ratio', 'Share of time the event loop is busy, smoothed over about a second', () => load.busyRatio],
        ['patchbay_sip_peer_retransmissions_per_second', 'SIP messages peers sent again because our answer was late, smoothed', () => load.retransmissionRate],
        ['patchbay_overloaded', '1 while new calls are refused for overload', () => (load.overloaded ? 1 : 0)],
        ['patchbay_overload_refusals_total', 'SIP requests answered 503 for overload', () => load.stats.refusals],
      ]);
    }
    const placing = { session, userAgent: () => sipEndpoint?.userAgent('UDP'), sipHost: () => sipHost, clock };
    const destinations = new DestinationResolver({
      store,
      trunks: new TrunkRoutes(store),
      domains: {
        isOurDomain: async (host) => (await store.sipDomains.findByDomainName(host)) !== undefined,
        bindings: (host, user) => registrar.findBindings(host, user),
      },
      loopback: () => sipLoopback,
    });
    const dialer = new Dialer({ ...placing, store, webhooks, media, destinations, logger: logger.child({ component: 'dial' }), bus });
    const calls = new CallRouter({
      store, webhooks, media, session,
      logger: logger.child({ component: 'calls' }),
      bus,
      // Read when a call arrives, after the registrar below exists.
      domains: { authenticateCall: (request) => registrar.authenticateCall(request) },
      dialer,
    });
    // Outbound-api calls: the durable per-account queue first.
    const originate = new OriginateService({
      ...placing, store, webhooks, media, destinations,
      cipher: new CredentialCipher(credentialKey),
      nodeId,
      logger: logger.child({ component: 'originate' }),
      bus,
      metrics,
      dialer,
      admission,
      ...(rateSlots ? { rateSlots } : {}),
    });
    // Live control: the calls this node holds (inbound ones at the router, <Dial> legs, then outbound-api ones, queued
    // included), then over the bus the node that holds the call.
    const liveCalls = new LiveCallRelay({ holders: [calls, dialer, originate], bus, clock, logger: logger.child({ component: 'live-control' }) });
    await liveCalls.start();
    started.push({ name: 'live-control', stop: async () => liveCalls.close() });
    const liveCount = () => calls.liveCount + dialer.liveCount + originate.liveCount;
    readOnScrape(metrics, [
      ['patchbay_calls_live', 'Calls this node holds now', liveCount],
      ['patchbay_draining', '1 once the node drains: it refuses new calls and finishes its own', () => (admission.draining ? 1 : 0)],
    ]);

    const api = buildApi({
      store,
      clock,
      logger,
      apiConcurrency: config.apiConcurrency,
      recordingsDir: config.recordingsDir,
      get publicUrl() {
        return publicUrl;
      },
      liveCalls,
      originate,
    });
    mountMetrics(api, metrics);
    // The persistent address of processed media: what <Play> and <Say> renders resolve to once cached.
    api.get<{ Params: { id: string } }>('/media/:id', async (request, reply) => {
      const media = /^[0-9a-f]{64}$/.test(request.params.id) ? await mediaCache.lookup(request.params.id) : null;
      if (!media) return reply.code(404).send({ code: 20404, message: `Media ${request.params.id} was not found`, more_info: 'https://www.twilio.com/docs/errors/20404', status: 404 });
      return reply.header('Content-Type', 'audio/x-wav').header('Cache-Control', 'public, max-age=31536000, immutable').send(media.toWav());
    });
    let ready = false;
    api.get('/health', async (_request, reply) => {
      // A draining node says so, so that a load balancer sends new work elsewhere.
      const status = admission.draining ? 'draining' : ready ? 'ok' : 'starting';
      const body = { status, store: store.dialect, bus: bus.kind, node: nodeId };
      return reply.code(status === 'ok' ? 200 : 503).send(body);
    });
    await api.listen({ host: config.host, port: config.httpPort, listenTextResolver: (address) => `http listening on ${address}` });
    started.push({ name: 'http', stop: () => api.close() });
    const httpPort = (api.server.address() as AddressInfo).port;
    const reachableHost = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host;
    const httpUrl = `http://${reachableHost.includes(':') ? `[${reachableHost}]` : reachableHost}:${httpPort}`;
    publicUrl = config.publicUrl ?? httpUrl;

    // Registrations to SIP domains; nonces derive from the credential key so every cluster node accepts them.
    const registrar = new RegistrarService({
      store,
      clock,
      logger: logger.child({ component: 'registrar' }),
      nonceSecret: deriveNonceSecret(credentialKey),
      algorithms: config.sipDigestAlgorithms,
    });
    registrar.start();
    started.push({ name: 'registrar', stop: async () => registrar.close() });

    // SIP over UDP and TCP on its own port, and over WebSocket (RFC 7118) on the HTTP port at /sip.
    const sip = await SipEndpoint.start({
      host: config.host,
      port: config.sipPort,
      httpServer: api.server,
      webSocketPath: '/sip',
      delegate: { onRegister: (request) => registrar.handleRegister(request), onInvite: (leg) => calls.onInvite(leg) },
      admission,
      clock,
      logger,
    });
    started.push({ name: 'sip', stop: async () => sip.close() });
    sipHost = sip.advertisedHost;
    // Stopped before SIP: live calls are ended (BYE) and their records closed while the transports still run.
    started.push({ name: 'calls', stop: () => calls.close() });
    started.push({ name: 'dial', stop: () => dialer.close() });
    sipEndpoint = sip;
    sipLoopback = `${reachableHost.includes(':') ? `[${reachableHost}]` : reachableHost}:${sip.udp?.port ?? config.sipPort}`;
    await originate.start();
    started.push({ name: 'originate', stop: () => originate.close() });
    ready = true;

    return {
      httpUrl,
      publicUrl,
      httpPort,
      nodeId,
      owner,
      store,
      bus,
      dataLocation: store.location,
      http: api,
      mediaCache,
      sip,
      registrar,
      metrics,
      tts,
      calls,
      originate,
      load,
      get liveCalls() {
        return liveCount();
      },
      drain: async (timeoutMs, onProgress, progressMs = 5_000) => {
        if (!admission.draining) logger.info({ liveCalls: liveCount(), timeoutMs }, 'draining: new calls are refused, live calls go on');
        admission.drain();
        const deadline = clock.now() + timeoutMs;
        let nextProgress = clock.now() + progressMs;
        while (liveCount() > 0 && clock.now() < deadline) {
          await new Promise<void>((resolve) => clock.setTimeout(resolve, Math.min(250, Math.max(1, deadline - clock.now()))));
          if (onProgress && clock.now() >= nextProgress) {
            onProgress(liveCount());
            nextProgress += progressMs;
          }
        }
        return liveCount();
      },
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

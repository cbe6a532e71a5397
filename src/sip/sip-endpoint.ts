import type http from 'node:http';
import os from 'node:os';
import { type AdmissionControl, type Clock, type Logger, silentLogger, systemClock } from '../core/index.js';
import { type Endpoint, type TransportProtocol, TransportLayer } from './transport/index.js';
import { UserAgent, type UserAgentDelegate } from './ua/index.js';

export interface SipEndpointOptions {
  /** Address to bind UDP and TCP on. */
  host: string;
  /** UDP and TCP port; 0 picks a free one. */
  port: number;
  /** Host written into Via and Contact; default the bound address, or this machine's first external IPv4 when bound to a wildcard. */
  advertisedHost?: string;
  /** HTTP server to carry SIP over WebSocket (RFC 7118) on `webSocketPath`. */
  httpServer?: http.Server;
  webSocketPath?: string;
  delegate: UserAgentDelegate;
  /** Asked before new out-of-dialog work (calls, registrations); refused requests get 503 with Retry-After. */
  admission?: AdmissionControl;
  clock?: Clock;
  logger?: Logger;
}

/**
 * The SIP side of the server: one transport layer (UDP, TCP, WebSocket) and one user agent per transport, so that
 * Via and Contact always name the transport a dialog lives on. Requests are routed to the user agent of the
 * transport they arrived on.
 */
export class SipEndpoint {
  private readonly agents = new Map<TransportProtocol, UserAgent>();
  private closed = false;

  private constructor(
    private readonly layer: TransportLayer,
    readonly udp: Endpoint | undefined,
    readonly tcp: Endpoint | undefined,
    readonly advertisedHost: string,
    readonly webSocketPath: string | undefined,
  ) {}

  static async start(options: SipEndpointOptions): Promise<SipEndpoint> {
    const logger = options.logger ?? silentLogger();
    const advertisedHost = options.advertisedHost ?? advertisable(options.host);
    let endpoint: SipEndpoint | undefined;
    // Validation happens once, in the user agent, so rejections travel through server transactions (§17.2)
    // and their ACKs are absorbed there rather than answered statelessly here.
    const layer = new TransportLayer(
      { receive: (message, source) => endpoint?.agents.get(source.protocol)?.receive(message, source) },
      { host: options.host, port: options.port, advertisedHost, policy: null, logger },
    );
    const bound = await layer.listen();
    const wsPath = options.httpServer ? options.webSocketPath ?? '/sip' : undefined;
    if (options.httpServer) layer.attachWebSocket(options.httpServer, { paths: [wsPath!] });
    endpoint = new SipEndpoint(layer, bound.udp, bound.tcp, advertisedHost, wsPath);
    for (const protocol of ['UDP', 'TCP', 'WS'] as const) {
      const transport = layer.transport(protocol);
      if (!transport) continue;
      endpoint.agents.set(
        protocol,
        new UserAgent({
          transport,
          host: advertisedHost,
          delegate: options.delegate,
          clock: options.clock ?? systemClock,
          logger: logger.child({ component: 'sip', transport: protocol }),
          userAgent: 'Patchbay',
          ...(options.admission ? { admission: options.admission } : {}),
        }),
      );
    }
    return endpoint;
  }

  /** The user agent of one transport, for placing outgoing calls over it. */
  userAgent(protocol: TransportProtocol): UserAgent | undefined {
    return this.agents.get(protocol);
  }

  /** `UserAgent.retransmissionsReceived` over every transport. */
  get retransmissionsReceived(): number {
    let n = 0;
    for (const agent of this.agents.values()) n += agent.retransmissionsReceived;
    return n;
  }

  get counters(): TransportLayer['counters'] {
    return this.layer.counters;
  }

  /** Synchronous and idempotent: closes every user agent, then every transport. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const agent of this.agents.values()) agent.close();
    this.agents.clear();
    this.layer.close();
  }
}

function advertisable(host: string): string {
  if (host !== '0.0.0.0' && host !== '::') return host;
  for (const list of Object.values(os.networkInterfaces())) {
    for (const i of list ?? []) if (i.family === 'IPv4' && !i.internal) return i.address;
  }
  return '127.0.0.1';
}

import { hkdfSync } from 'node:crypto';
import { type Clock, type Logger, silentLogger, systemClock } from '../../core/index.js';
import type { Store } from '../../store/index.js';
import type { DigestAlgorithm } from '../auth/index.js';
import { type SipRequest, SipUri } from '../message/index.js';
import type { Binding } from './binding.js';
import { DigestRealms } from './digest-realms.js';
import type { DirectoryDomain } from './directory.js';
import { type InviteAuthOutcome, authenticateInvite } from './invite-authenticator.js';
import { Registrar, sourceFromVia } from './registrar.js';
import { StoreBindingStore, StoreDomainDirectory } from './store-adapters.js';

/** The part of a user agent's incoming request the service needs (the UA's `IncomingRequest` fits). */
export interface RespondableRequest {
  readonly request: SipRequest;
  respond(status: number, options?: { reason?: string; headers?: ReadonlyArray<readonly [string, string]> }): unknown;
}

export interface RegistrarServiceOptions {
  readonly store: Store;
  /** Secret for digest nonces, ≥16 bytes, the same on every node; see {@link deriveNonceSecret}. */
  readonly nonceSecret: string | Uint8Array;
  readonly clock?: Clock;
  readonly logger?: Logger;
  /** Offered digest algorithms, most preferred first. Default SHA-256 then MD5 (RFC 8760 §2.4). */
  readonly algorithms?: readonly DigestAlgorithm[];
  readonly minExpires?: number;
  readonly maxExpires?: number;
  /** How often expired bindings are deleted; default a minute. */
  readonly sweepIntervalMs?: number;
}

/** Outcome of authenticating a call from a SIP domain's endpoint, with the domain when there is one. */
export type DomainCallAuth =
  | { readonly kind: 'no-domain' }
  | { readonly kind: 'outcome'; readonly domain: DirectoryDomain; readonly outcome: InviteAuthOutcome };

/**
 * A nonce secret derived from another server secret (HKDF, RFC 5869), e.g. the SIP credential key every node of a
 * cluster already shares, so no second secret has to be distributed.
 */
export function deriveNonceSecret(key: Uint8Array): Uint8Array {
  return new Uint8Array(hkdfSync('sha256', key, new Uint8Array(0), 'patchbay sip digest nonces', 32));
}

/**
 * The registrar and INVITE authentication for Patchbay's SIP domains, assembled over the store: what the composition
 * root creates once and hands to the SIP endpoint (`onRegister`) and to the voice layer (`authenticateCall`,
 * `findBindings`).
 */
export class RegistrarService {
  readonly directory: StoreDomainDirectory;
  readonly bindings: StoreBindingStore;
  readonly digest: DigestRealms;
  readonly registrar: Registrar;
  private readonly logger: Logger;
  private stopSweep: (() => void) | undefined;

  constructor(private readonly options: RegistrarServiceOptions) {
    const clock = options.clock ?? systemClock;
    this.logger = options.logger ?? silentLogger();
    this.directory = new StoreDomainDirectory(options.store);
    this.bindings = new StoreBindingStore(options.store, clock);
    this.digest = new DigestRealms({ secret: options.nonceSecret, clock, ...(options.algorithms ? { algorithms: options.algorithms } : {}) });
    this.registrar = new Registrar({
      directory: this.directory,
      bindings: this.bindings,
      digest: this.digest,
      clock,
      ...(options.minExpires !== undefined ? { minExpires: options.minExpires } : {}),
      ...(options.maxExpires !== undefined ? { maxExpires: options.maxExpires } : {}),
    });
  }

  /** Starts the periodic deletion of expired bindings. Idempotent. */
  start(): void {
    this.stopSweep ??= this.bindings.startExpirySweep(this.options.sweepIntervalMs, (err) =>
      this.logger.warn({ err }, 'expired SIP registrations could not be deleted'),
    );
  }

  /** Synchronous and idempotent. */
  close(): void {
    this.stopSweep?.();
    this.stopSweep = undefined;
  }

  /** For `UserAgentDelegate.onRegister`: answers the REGISTER; a failure of the store is answered 500. */
  handleRegister(incoming: RespondableRequest): void {
    this.registrar.register(incoming.request).then(
      (reply) => {
        incoming.respond(reply.status, { headers: reply.headers, ...(reply.reason !== undefined ? { reason: reply.reason } : {}) });
        if (reply.registered) {
          this.logger.debug({ domainSid: reply.registered.domainSid, aor: reply.registered.aor, bindings: reply.registered.bindings.length }, 'SIP registration');
        }
      },
      (err: unknown) => {
        this.logger.error({ err }, 'REGISTER failed');
        incoming.respond(500);
      },
    );
  }

  /**
   * Authenticates a request that starts a call, addressed to a SIP domain by its Request-URI host. The source address
   * is the one the transport saw: the top Via's `received` (stamped whenever it differs from sent-by, §18.2.1), else
   * its sent-by host.
   */
  async authenticateCall(request: SipRequest): Promise<DomainCallAuth> {
    if (!(request.uri instanceof SipUri)) return { kind: 'no-domain' };
    const domain = await this.directory.findDomain(request.uri.hostname);
    if (!domain) return { kind: 'no-domain' };
    const outcome = await authenticateInvite({ request, sourceAddress: sourceFromVia(request).address, domain, digest: this.digest });
    return { kind: 'outcome', domain, outcome };
  }

  /** Unexpired bindings of `user` at a domain given by SID or host name, highest q first. */
  findBindings(domainSidOrHost: string, user: string): Promise<Binding[]> {
    return this.bindings.findBindings(domainSidOrHost, user);
  }
}

import type { Clock } from '../../core/index.js';
import { CREDENTIAL_LIST_KINDS, type Registration, type SipDomain, type SipMappingKind, type Store } from '../../store/index.js';
import type { DigestSecret } from '../auth/index.js';
import type { Binding, BindingStore } from './binding.js';
import type { CallAccess, DirectoryDomain, DomainDirectory } from './directory.js';

/**
 * The registrar's two interfaces over Patchbay's store: the only file of the registrar that knows the store exists.
 * Domains, mappings and credentials are read on every request, so REST changes apply to the next REGISTER or INVITE.
 */

const CALL_CREDENTIAL_KINDS: readonly SipMappingKind[] = ['credential-list', 'calls-credential-list'];
const CALL_IP_KINDS: readonly SipMappingKind[] = ['ip-acl', 'calls-ip-acl'];
const REGISTRATION_KINDS: readonly SipMappingKind[] = ['registrations-credential-list'];

async function secretIn(store: Store, domainSid: string, kinds: readonly SipMappingKind[], username: string): Promise<DigestSecret | undefined> {
  const lists = await store.sipDomainMappings.listSids(domainSid, kinds.filter((k) => CREDENTIAL_LIST_KINDS.includes(k)));
  const password = await store.sipCredentials.passwordFor(lists, username);
  return password === undefined ? undefined : { password };
}

function directoryDomain(store: Store, d: SipDomain): DirectoryDomain {
  return {
    sid: d.sid,
    name: d.domainName,
    realm: d.domainName,
    registrationEnabled: d.sipRegistration === 1,
    registrationSecret: (username) => secretIn(store, d.sid, REGISTRATION_KINDS, username),
    callSecret: (username) => secretIn(store, d.sid, CALL_CREDENTIAL_KINDS, username),
    async callAccess(): Promise<CallAccess> {
      const [aclSids, credentialSids] = await Promise.all([
        store.sipDomainMappings.listSids(d.sid, CALL_IP_KINDS),
        store.sipDomainMappings.listSids(d.sid, CALL_CREDENTIAL_KINDS),
      ]);
      const addresses = await store.sipIpAddresses.inLists(aclSids);
      return {
        ipRanges: addresses.map((a) => ({ address: a.ipAddress, prefixLength: a.cidrPrefixLength })),
        credentialLists: credentialSids.length > 0,
      };
    },
  };
}

/** SIP domains as the registrar and the INVITE authenticator see them. */
export class StoreDomainDirectory implements DomainDirectory {
  constructor(private readonly store: Store) {}

  async findDomain(host: string): Promise<DirectoryDomain | undefined> {
    const d = await this.store.sipDomains.findByDomainName(host.toLowerCase());
    return d && directoryDomain(this.store, d);
  }

  /** The domain of a SID, for callers that already know which domain they mean. */
  async domainBySid(sid: string): Promise<DirectoryDomain | undefined> {
    const d = await this.store.sipDomains.get(sid);
    return d && directoryDomain(this.store, d);
  }
}

function toBinding(r: Registration): Binding {
  return {
    contactUri: r.contactUri,
    contact: r.contact,
    q: r.q,
    expiresAt: r.expiresAt,
    callId: r.callId,
    cseq: r.cseq,
    source: { transport: r.sourceTransport, address: r.sourceAddress, port: r.sourcePort },
    instanceId: r.instanceId,
    regId: r.regId,
  };
}

/** Bindings in the `registrations` table, so they survive a restart and are shared by every node of a cluster. */
export class StoreBindingStore implements BindingStore {
  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
  ) {}

  async find(domainSid: string, aor: string, now: number): Promise<Binding[]> {
    return (await this.store.registrations.find(domainSid, aor, now)).map(toBinding);
  }

  async replace(domainSid: string, aor: string, bindings: readonly Binding[], now: number): Promise<void> {
    await this.store.registrations.replace(
      domainSid,
      aor,
      bindings.map((b) => ({
        domainSid,
        aor,
        contactUri: b.contactUri,
        contact: b.contact,
        q: b.q,
        expiresAt: b.expiresAt,
        callId: b.callId,
        cseq: b.cseq,
        sourceTransport: b.source.transport,
        sourceAddress: b.source.address,
        sourcePort: b.source.port,
        instanceId: b.instanceId,
        regId: b.regId,
      })),
      now,
    );
  }

  /**
   * The voice layer's lookup: the unexpired bindings of `user` at a domain given by SID (`SD…`) or host name,
   * highest q first; empty when the domain does not exist.
   */
  async findBindings(domainSidOrHost: string, user: string): Promise<Binding[]> {
    let sid = domainSidOrHost;
    if (!/^SD[0-9a-fA-F]{32}$/.test(domainSidOrHost)) {
      const d = await this.store.sipDomains.findByDomainName(domainSidOrHost);
      if (!d) return [];
      sid = d.sid;
    }
    return this.find(sid, user, this.clock.now());
  }

  /** Deletes expired bindings; returns how many. */
  deleteExpired(): Promise<number> {
    return this.store.registrations.deleteExpired(this.clock.now());
  }

  /**
   * Runs {@link deleteExpired} every `intervalMs` (default a minute) until the returned function is called. Expired
   * rows are invisible to lookups anyway; this only keeps the table small.
   */
  startExpirySweep(intervalMs = 60_000, onError: (err: unknown) => void = () => {}): () => void {
    let running = false;
    const timer = setInterval(() => {
      if (running) return;
      running = true;
      this.deleteExpired()
        .catch(onError)
        .finally(() => {
          running = false;
        });
    }, intervalMs);
    timer.unref();
    return () => clearInterval(timer);
  }
}

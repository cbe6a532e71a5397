/**
 * Where an outbound-api call goes (issue 6 item 2), tried in order until one answers or refuses with a 4xx:
 *
 * - an E.164 number owned by any account of this Patchbay → on-net, an INVITE to our own SIP port, so that the far
 *   side is an inbound call answered by that number's application (as between two Twilio customers);
 * - a `sip:` URI → that address, or the registered bindings (highest q first) when its host is one of our SIP domains;
 * - any other E.164 number → the account's BYOC trunk (`Byoc`, or the default one), its targets in failover order,
 *   the carrier's digest credentials.
 */
import type { Credentials } from '../../sip/index.js';
import type { Store } from '../../store/index.js';
import type { TrunkRoutes } from '../trunk/index.js';

export interface Destination {
  uri: string;
  credentials?: Credentials;
}

export type DestinationResult =
  | { ok: true; kind: 'on-net' | 'sip' | 'domain' | 'trunk'; destinations: Destination[]; trunkSid: string | null }
  | { ok: false; code: number; message: string };

/**
 * No way out for this number (no on-net owner, no BYOC trunk or no enabled target): Twilio 21215 "account not
 * authorized to call this number" is what an account without the right to reach a destination gets.
 */
export const NO_ROUTE_CODE = 21215;
/** Twilio 32009 "Your TwiML tried to dial a SIP endpoint that has no registrations". */
export const NO_REGISTRATION_CODE = 32009;

export interface DestinationResolverOptions {
  store: Pick<Store, 'incomingPhoneNumbers'>;
  trunks: TrunkRoutes;
  /** Our SIP domains and their registrations; absent: every `sip:` URI goes straight to its host. */
  domains?: {
    isOurDomain(host: string): Promise<boolean>;
    bindings(host: string, user: string): Promise<Array<{ contactUri: string; q: number | null }>>;
  };
  /** Our own SIP address for on-net calls, e.g. `127.0.0.1:5060` (read per call: the port is known late). */
  loopback: () => string;
}

export class DestinationResolver {
  constructor(private readonly options: DestinationResolverOptions) {}

  async resolve(accountSid: string, to: string, extra: { byoc?: string; sipAuth?: Credentials }): Promise<DestinationResult> {
    if (/^sips?:/i.test(to)) return this.sip(to, extra.sipAuth);
    const owned = await this.options.store.incomingPhoneNumbers.findByPhoneNumber(to);
    if (owned) {
      return { ok: true, kind: 'on-net', destinations: [{ uri: `sip:${to}@${this.options.loopback()}` }], trunkSid: null };
    }
    const route = await this.options.trunks.resolve(accountSid, extra.byoc);
    if (!route.ok) return { ok: false, code: NO_ROUTE_CODE, message: `No route to ${to}: ${route.message}` };
    const credentials = route.route.credentials;
    return {
      ok: true, kind: 'trunk', trunkSid: route.route.trunk.sid,
      destinations: route.route.targets.map((t) => ({ uri: withUser(t.target, to), ...(credentials ? { credentials } : {}) })),
    };
  }

  private async sip(to: string, sipAuth: Credentials | undefined): Promise<DestinationResult> {
    const match = /^sips?:(?:([^@;?]+)@)?([^:;?>]+)/i.exec(to);
    if (!match) return { ok: false, code: NO_ROUTE_CODE, message: `${to} is not a SIP URI` };
    const [, user, host] = match;
    const auth = sipAuth ? { credentials: sipAuth } : {};
    const domains = this.options.domains;
    if (user && domains && (await domains.isOurDomain(host!.toLowerCase()))) {
      const bindings = await domains.bindings(host!.toLowerCase(), user);
      if (bindings.length === 0) return { ok: false, code: NO_REGISTRATION_CODE, message: `${to} has no registrations` };
      const ordered = [...bindings].sort((a, b) => (b.q ?? 1) - (a.q ?? 1));
      return { ok: true, kind: 'domain', trunkSid: null, destinations: ordered.map((b) => ({ uri: b.contactUri, ...auth })) };
    }
    return { ok: true, kind: 'sip', trunkSid: null, destinations: [{ uri: to, ...auth }] };
  }
}

/** A trunk target (`sip:carrier.example.com:5060`) with the dialed number as its user part. */
function withUser(target: string, number: string): string {
  const m = /^(sips?):(?:[^@]*@)?(.*)$/i.exec(target);
  if (!m) return target;
  return `${m[1]}:${number}@${m[2]}`;
}

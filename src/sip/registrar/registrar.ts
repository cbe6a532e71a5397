import { type Clock, systemClock } from '../../core/index.js';
import { NameAddr, type SipRequest, type SipResponse, SipUri, createResponse, parseUri, uriEquals } from '../message/index.js';
import type { Binding, BindingStore, FlowSource } from './binding.js';
import type { DigestRealms } from './digest-realms.js';
import type { DirectoryDomain, DomainDirectory } from './directory.js';

export interface RegistrarOptions {
  readonly directory: DomainDirectory;
  readonly bindings: BindingStore;
  readonly digest: DigestRealms;
  readonly clock?: Clock;
  /** Shortest registration accepted, seconds; shorter non-zero requests get 423 (RFC 3261 §10.3 step 7). Default 60. */
  readonly minExpires?: number;
  /** Longest registration granted, seconds; longer requests are shortened (§10.3 step 7). Default 3600. */
  readonly maxExpires?: number;
  /** Expiry when the request names none (§10.2.1.1 suggests 3600). Default 3600. */
  readonly defaultExpires?: number;
  /** Most bindings one address-of-record may hold. Default 20. */
  readonly maxBindings?: number;
}

/** What to answer: the status, and the header fields to add to a §8.2.6 response. */
export interface RegistrarReply {
  readonly status: number;
  readonly reason?: string;
  readonly headers: ReadonlyArray<readonly [string, string]>;
  /** On success: the address-of-record and its bindings after the request (for events and logs). */
  readonly registered?: { readonly domainSid: string; readonly aor: string; readonly bindings: readonly Binding[] };
}

const reply = (status: number, headers: ReadonlyArray<readonly [string, string]> = [], reason?: string): RegistrarReply => ({
  status,
  headers,
  ...(reason !== undefined ? { reason } : {}),
});

// RFC 3261 §25.1: qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] )
const QVALUE = /^(0(\.\d{0,3})?|1(\.0{0,3})?)$/;
const DELTA_SECONDS = /^\d{1,10}$/;

interface RequestedContact {
  readonly nameAddr: NameAddr;
  readonly expires: number;
  readonly q: number | null;
  readonly instanceId: string | null;
  readonly regId: number | null;
}

/**
 * A registrar (RFC 3261 §10.3) for the SIP domains of a {@link DomainDirectory}: authenticates REGISTER requests with
 * Digest (§22.2; MD5 and SHA-256, RFC 8760), then adds, refreshes, removes and reports the Contact bindings of the
 * address-of-record in a {@link BindingStore}. It knows nothing of accounts or HTTP.
 *
 * Not done: RFC 5626 outbound (flow tokens, `Require: outbound`), GRUUs (RFC 5627), Path (RFC 3327).
 */
export class Registrar {
  private readonly clock: Clock;
  private readonly minExpires: number;
  private readonly maxExpires: number;
  private readonly defaultExpires: number;
  private readonly maxBindings: number;
  /** Updates of one address-of-record run one after another (§10.3: the steps must appear atomic). */
  private readonly queues = new Map<string, Promise<unknown>>();

  constructor(private readonly options: RegistrarOptions) {
    this.clock = options.clock ?? systemClock;
    this.minExpires = options.minExpires ?? 60;
    this.maxExpires = options.maxExpires ?? 3600;
    this.defaultExpires = Math.min(options.defaultExpires ?? 3600, this.maxExpires);
    this.maxBindings = options.maxBindings ?? 20;
    if (this.minExpires > this.maxExpires) throw new RangeError('minExpires must not exceed maxExpires');
  }

  /**
   * Processes a REGISTER. `source` is where it came from; by default it is read from the top Via, which the
   * transport stamped with `received` and `rport` (§18.2.1, RFC 3581 §4).
   */
  async register(request: SipRequest, source?: FlowSource): Promise<RegistrarReply> {
    if (request.method !== 'REGISTER') return reply(405, [['Allow', 'REGISTER']]);
    // §10.3 step 1: the Request-URI names the domain whose bindings are to be changed.
    if (!(request.uri instanceof SipUri)) return reply(416);
    const domain = await this.options.directory.findDomain(request.uri.hostname);
    if (!domain) return reply(404);
    if (!domain.registrationEnabled) return reply(403);

    // §10.3 step 3: authenticate (§22.2: 401 with WWW-Authenticate).
    const auth = await this.options.digest.check(request, 'authorization', domain.realm, (u) => domain.registrationSecret(u));
    if (auth.kind === 'malformed') return reply(400);
    if (auth.kind === 'challenge') {
      return reply(401, this.options.digest.challenges(domain.realm, auth.stale).map((c) => ['WWW-Authenticate', c] as const));
    }

    // §10.3 step 5: the address-of-record comes from To and must belong to this domain.
    const to = request.to?.uri;
    if (!(to instanceof SipUri) || to.decodedUser === undefined || to.hostname !== domain.name.toLowerCase()) return reply(404);
    const aor = to.decodedUser;
    // §10.3 step 4: the authenticated user may change only its own bindings.
    if (auth.username !== aor) return reply(403);

    const callId = request.callId;
    const cseq = request.cseq?.seq;
    if (callId === undefined || cseq === undefined) return reply(400);

    const key = `${domain.sid}\u0000${aor}`;
    const previous = this.queues.get(key) ?? Promise.resolve();
    const run = previous.then(() => this.update(request, domain, aor, callId, cseq, source ?? sourceFromVia(request)));
    const settled = run.catch(() => undefined);
    this.queues.set(key, settled);
    void settled.then(() => {
      if (this.queues.get(key) === settled) this.queues.delete(key);
    });
    return run;
  }

  /** The §8.2.6 response for a reply (for callers that send responses themselves). */
  toResponse(request: SipRequest, result: RegistrarReply): SipResponse {
    return createResponse(request, result.status, { headers: result.headers, ...(result.reason !== undefined ? { reason: result.reason } : {}) });
  }

  private async update(
    request: SipRequest,
    domain: DirectoryDomain,
    aor: string,
    callId: string,
    cseq: number,
    source: FlowSource,
  ): Promise<RegistrarReply> {
    const now = this.clock.now();
    const current = await this.options.bindings.find(domain.sid, aor, now);
    const expiresHeader = request.headers.get('expires');

    // §10.3 step 6: no Contact is a query; "*" removes everything but only with Expires: 0 and alone.
    if (!request.headers.has('contact')) return this.ok(domain.sid, aor, current, now);
    const contact = request.contact;
    if (!contact) return reply(400);
    if (contact.star) {
      if (expiresHeader?.trim() !== '0') return reply(400);
      for (const b of current) {
        // Same Call-ID: only a newer CSeq may remove the binding, otherwise the request fails (§10.3 step 6).
        if (b.callId === callId && cseq <= b.cseq) return reply(500, [], 'Out of Order');
      }
      await this.options.bindings.replace(domain.sid, aor, [], now);
      return this.ok(domain.sid, aor, [], now);
    }

    const requested: RequestedContact[] = [];
    for (const nameAddr of contact.contacts) {
      const parsed = this.readContact(nameAddr, expiresHeader);
      if ('status' in parsed) return parsed;
      requested.push(parsed);
    }

    // §10.3 step 7: each contact adds, refreshes or removes one binding.
    const next = [...current];
    for (const c of requested) {
      const index = next.findIndex((b) => sameBinding(b, c));
      const existing = index >= 0 ? next[index] : undefined;
      if (existing && existing.callId === callId && cseq <= existing.cseq) return reply(500, [], 'Out of Order');
      if (c.expires === 0) {
        if (index >= 0) next.splice(index, 1);
        continue;
      }
      const binding: Binding = {
        contactUri: c.nameAddr.uri.toString(),
        contact: withoutExpires(c.nameAddr).toString(),
        q: c.q,
        expiresAt: now + c.expires * 1000,
        callId,
        cseq,
        source,
        instanceId: c.instanceId,
        regId: c.regId,
      };
      if (index >= 0) next[index] = binding;
      else next.push(binding);
    }
    if (next.length > this.maxBindings) return reply(403, [], 'Too Many Contacts');
    await this.options.bindings.replace(domain.sid, aor, next, now);
    return this.ok(domain.sid, aor, next, now);
  }

  private readContact(nameAddr: NameAddr, expiresHeader: string | undefined): RequestedContact | RegistrarReply {
    // §10.2.1.1: the expires parameter wins over the Expires header; a malformed value counts as 3600.
    const param = nameAddr.param('expires');
    const header = expiresHeader?.trim();
    const text = param !== undefined && param !== null ? param : header;
    let expires = text !== undefined && DELTA_SECONDS.test(text) ? Number(text) : this.defaultExpires;
    // §10.3 step 7: non-zero but shorter than the minimum → 423 with Min-Expires (§20.23); longer than the maximum
    // → shortened.
    if (expires > 0 && expires < this.minExpires) return reply(423, [['Min-Expires', String(this.minExpires)]]);
    expires = Math.min(expires, this.maxExpires);
    const qText = nameAddr.param('q');
    if (qText !== undefined && (qText === null || !QVALUE.test(qText))) return reply(400);
    // RFC 5626 §4.2 / RFC 5627 §4.1: the instance ID (and reg-id), kept for the voice layer.
    const instance = nameAddr.param('+sip.instance');
    const regIdText = nameAddr.param('reg-id');
    const regId = regIdText !== undefined && regIdText !== null && /^\d{1,9}$/.test(regIdText) ? Number(regIdText) : null;
    const instanceId = typeof instance === 'string' ? instance : null;
    return { nameAddr, expires, q: qText === undefined ? null : Number(qText), instanceId, regId: instanceId === null ? null : regId };
  }

  /** §10.3 step 8: 200 OK listing every current binding with its remaining time, and a Date header. */
  private ok(domainSid: string, aor: string, bindings: readonly Binding[], now: number): RegistrarReply {
    const headers: Array<readonly [string, string]> = bindings.map((b) => ['Contact', contactWithExpires(b, now)] as const);
    headers.push(['Date', new Date(now).toUTCString()]);
    return { status: 200, headers, registered: { domainSid, aor, bindings } };
  }
}

/**
 * §10.3 step 7: a contact updates the binding whose URI is equal (§19.1.4). RFC 5626 §6 would match by
 * `+sip.instance` and `reg-id` instead, but only for a registrar that supports outbound (flow tokens, keep-alive
 * handling) and says so with `Require: outbound`; this one does not, so a UA that sent reg-id falls back to plain
 * RFC 3261 behaviour (RFC 5626 §4.2.1). The instance and reg-id are still kept with the binding.
 */
function sameBinding(b: Binding, c: RequestedContact): boolean {
  const stored = parseUri(b.contactUri);
  return stored.ok && uriEquals(stored.value, c.nameAddr.uri);
}

function withoutExpires(nameAddr: NameAddr): NameAddr {
  const params = new Map(nameAddr.params);
  params.delete('expires');
  return new NameAddr(nameAddr.uri, nameAddr.displayName, params);
}

function contactWithExpires(b: Binding, now: number): string {
  const remaining = Math.max(0, Math.ceil((b.expiresAt - now) / 1000));
  const parsed = NameAddr.parse(b.contact);
  return parsed.ok ? parsed.value.withParam('expires', String(remaining)).toString() : `<${b.contactUri}>;expires=${remaining}`;
}

/** The flow a request arrived on, from its top Via as the transport layer stamped it. */
export function sourceFromVia(request: SipRequest): FlowSource {
  const via = request.topVia;
  if (!via) return { transport: 'UDP', address: '', port: 0 };
  const rport = via.rport;
  const defaultPort = via.transport.toUpperCase() === 'TLS' ? 5061 : 5060;
  return {
    transport: via.transport.toUpperCase(),
    address: via.received ?? via.hostname,
    port: typeof rport === 'number' ? rport : via.port ?? defaultPort,
  };
}

/**
 * Which application answers an INVITE (DESIGN voice/router):
 *
 * - addressed to a SIP domain (the Request-URI host is one of Patchbay's `SIP/Domains`): the caller is
 *   authenticated as the domain's call mappings say (IP access control list, or Digest with 407), then the domain's
 *   VoiceUrl / VoiceFallbackUrl / VoiceStatusCallbackUrl answer; From and To are the SIP URIs;
 * - otherwise the `IncomingPhoneNumber` named by the Request-URI's user part (E.164; the To header as a second
 *   chance), then its `VoiceApplicationSid`'s voice settings or its own VoiceUrl / VoiceMethod / VoiceFallbackUrl /
 *   StatusCallback.
 *
 * The answer is either a route or the SIP final response that refuses the call: 404 for a number nobody owns, 403
 * for a suspended or closed account (or a domain caller not admitted), 407 with a challenge.
 */
import type { DomainCallAuth } from '../../sip/registrar/index.js';
import { NameAddr, type SipRequest, type Uri } from '../../sip/index.js';
import type { Account, IncomingPhoneNumber, Store } from '../../store/index.js';
import type { HttpMethod } from '../webhook/params.js';
import type { WebhookTarget } from '../webhook/document-fetcher.js';

export interface CallRoute {
  account: Account;
  /** The number called; null for a call to a SIP domain. */
  number: IncomingPhoneNumber | null;
  /** The dialed number as matched (E.164), or the SIP URI called at a domain. */
  to: string;
  /** The caller as the webhooks show it, when the route decides it (SIP domains: the From URI). */
  from?: string;
  voice: WebhookTarget;
  fallback: WebhookTarget | null;
  statusCallback: WebhookTarget | null;
}

export type RouteDecision =
  | { ok: true; route: CallRoute }
  | {
      ok: false;
      status: number;
      reason: string;
      headers?: ReadonlyArray<readonly [string, string]>;
      /** The account told about the refusal (a Notification), when there is one. */
      notify?: { accountSid: string; code: number; message: string };
    };

/** Twilio 10003 "Incoming call rejected due to inactive account". */
export const INACTIVE_ACCOUNT_CODE = 10003;

function inactive(account: Account, to: string): RouteDecision {
  return {
    ok: false, status: 403, reason: 'Forbidden',
    notify: { accountSid: account.sid, code: INACTIVE_ACCOUNT_CODE, message: `Incoming call to ${to} rejected: the account is ${account.status}` },
  };
}

/** Authenticates calls addressed to SIP domains (the registrar service); absent: no domain routing. */
export interface DomainCallAuthenticator {
  authenticateCall(request: SipRequest): Promise<DomainCallAuth>;
}

const method = (m: string | null | undefined): HttpMethod => (m?.toUpperCase() === 'GET' ? 'GET' : 'POST');

const target = (url: string | null, m: string | null | undefined): WebhookTarget | null => (url ? { url, method: method(m) } : null);

function userOf(uri: Uri | undefined): string | null {
  if (!uri || uri.kind !== 'sip' || !uri.user) return null;
  try {
    return decodeURIComponent(uri.user);
  } catch {
    return uri.user;
  }
}

/** E.164 spellings of a SIP user part: `+15551234567` as is; bare digits also with a `+` (trunks often drop it). */
export function numberCandidates(user: string | null): string[] {
  if (user === null) return [];
  const cleaned = user.replace(/[\s().-]/g, '');
  if (/^\+[1-9]\d{1,14}$/.test(cleaned)) return [cleaned];
  if (/^[1-9]\d{1,14}$/.test(cleaned)) return [`+${cleaned}`];
  return [];
}

/** The caller as the webhooks show it: E.164 when the user part is a number, else the SIP URI (reference §2.1). */
export function callerOf(request: SipRequest): string {
  const uri = request.from?.uri;
  const user = userOf(uri);
  const asNumber = numberCandidates(user)[0];
  if (asNumber) return asNumber;
  if (user !== null && /^(anonymous|unknown)$/i.test(user)) return user.toLowerCase();
  return uri ? `sip:${user !== null ? `${user}@` : ''}${uri.kind === 'sip' ? uri.host : ''}` : 'unknown';
}

/** `sip:user@host` of a URI, without port or parameters (how Twilio shows SIP parties). */
function plainSipUri(uri: Uri | undefined): string | null {
  if (!uri || uri.kind !== 'sip') return null;
  const user = userOf(uri);
  return `sip:${user !== null ? `${user}@` : ''}${uri.host}`;
}

async function resolveDomainRoute(store: Store, request: SipRequest, auth: DomainCallAuth): Promise<RouteDecision | null> {
  if (auth.kind === 'no-domain') return null;
  const { outcome } = auth;
  switch (outcome.kind) {
    case 'allowed':
      break;
    case 'challenge':
      return { ok: false, status: 407, reason: 'Proxy Authentication Required', headers: outcome.headers };
    case 'forbidden':
      return { ok: false, status: 403, reason: 'Forbidden' };
    case 'malformed':
      return { ok: false, status: 400, reason: 'Bad Request' };
    default: {
      const never: never = outcome;
      return never;
    }
  }
  const domain = await store.sipDomains.get(auth.domain.sid);
  if (!domain) return { ok: false, status: 404, reason: 'Not Found' };
  const account = await store.accounts.get(domain.accountSid);
  if (!account) return { ok: false, status: 404, reason: 'Not Found' };
  if (account.status !== 'active') return inactive(account, plainSipUri(request.uri) ?? domain.domainName);
  const voice = target(domain.voiceUrl, domain.voiceMethod);
  if (!voice) return { ok: false, status: 480, reason: 'No Voice URL Configured' };
  return {
    ok: true,
    route: {
      account, number: null, to: plainSipUri(request.uri) ?? request.uri.toString(), from: plainSipUri(request.from?.uri) ?? callerOf(request), voice,
      fallback: target(domain.voiceFallbackUrl, domain.voiceFallbackMethod),
      statusCallback: target(domain.voiceStatusCallbackUrl, domain.voiceStatusCallbackMethod),
    },
  };
}

/**
 * Who forwarded the call to us: the most recent Diversion (RFC 5806 §4: the topmost entry is the last redirection),
 * as E.164 when its user part is a number. Twilio sends it as `ForwardedFrom` when the carrier supplies it.
 */
export function forwardedFromOf(request: SipRequest): string | null {
  const first = request.headers.get('diversion');
  if (first === undefined) return null;
  const parsed = NameAddr.parseList(first);
  if (!parsed.ok || parsed.value.length === 0) return null;
  const uri = parsed.value[0].uri;
  return numberCandidates(userOf(uri))[0] ?? plainSipUri(uri);
}

export async function resolveRoute(store: Store, request: SipRequest, domains?: DomainCallAuthenticator | null): Promise<RouteDecision> {
  if (domains) {
    const byDomain = await resolveDomainRoute(store, request, await domains.authenticateCall(request));
    if (byDomain) return byDomain;
  }
  const candidates = [...numberCandidates(userOf(request.uri)), ...numberCandidates(userOf(request.to?.uri))];
  let number: IncomingPhoneNumber | undefined;
  for (const candidate of candidates) {
    number = await store.incomingPhoneNumbers.findByPhoneNumber(candidate);
    if (number) break;
  }
  if (!number) return { ok: false, status: 404, reason: 'Not Found' };
  const account = await store.accounts.get(number.accountSid);
  if (!account) return { ok: false, status: 404, reason: 'Not Found' };
  if (account.status !== 'active') return inactive(account, number.phoneNumber);

  if (number.voiceApplicationSid) {
    const app = await store.applications.get(number.voiceApplicationSid);
    if (app && app.accountSid === account.sid) {
      const voice = target(app.voiceUrl, app.voiceMethod);
      if (!voice) return { ok: false, status: 480, reason: 'No Voice URL Configured' };
      return {
        ok: true,
        route: {
          account, number, to: number.phoneNumber, voice,
          fallback: target(app.voiceFallbackUrl, app.voiceFallbackMethod),
          statusCallback: target(app.statusCallback, app.statusCallbackMethod),
        },
      };
    }
  }
  const voice = target(number.voiceUrl, number.voiceMethod);
  if (!voice) return { ok: false, status: 480, reason: 'No Voice URL Configured' };
  return {
    ok: true,
    route: {
      account, number, to: number.phoneNumber, voice,
      fallback: target(number.voiceFallbackUrl, number.voiceFallbackMethod),
      statusCallback: target(number.statusCallback, number.statusCallbackMethod),
    },
  };
}

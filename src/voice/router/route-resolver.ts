/**
 * Which application answers an INVITE (DESIGN voice/router): the `IncomingPhoneNumber` named by the Request-URI's
 * user part (E.164; the To header as a second chance), then its `VoiceApplicationSid`'s voice settings or its own
 * VoiceUrl / VoiceMethod / VoiceFallbackUrl / StatusCallback. The answer is either a route or the SIP final response
 * that refuses the call: 404 for a number nobody owns, 403 for a suspended or closed account.
 */
import type { SipRequest, Uri } from '../../sip/index.js';
import type { Account, IncomingPhoneNumber, Store } from '../../store/index.js';
import type { HttpMethod } from '../webhook/params.js';
import type { WebhookTarget } from '../webhook/document-fetcher.js';

export interface CallRoute {
  account: Account;
  number: IncomingPhoneNumber;
  /** The dialed number as matched (E.164). */
  to: string;
  voice: WebhookTarget;
  fallback: WebhookTarget | null;
  statusCallback: WebhookTarget | null;
}

export type RouteDecision = { ok: true; route: CallRoute } | { ok: false; status: number; reason: string };

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

export async function resolveRoute(store: Store, request: SipRequest): Promise<RouteDecision> {
  const candidates = [...numberCandidates(userOf(request.uri)), ...numberCandidates(userOf(request.to?.uri))];
  let number: IncomingPhoneNumber | undefined;
  for (const candidate of candidates) {
    number = await store.incomingPhoneNumbers.findByPhoneNumber(candidate);
    if (number) break;
  }
  if (!number) return { ok: false, status: 404, reason: 'Not Found' };
  const account = await store.accounts.get(number.accountSid);
  if (!account) return { ok: false, status: 404, reason: 'Not Found' };
  if (account.status !== 'active') return { ok: false, status: 403, reason: 'Forbidden' };

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

/**
 * Places one outgoing call leg (an outbound-api call or a `<Dial>` child): an INVITE with our SDP offer to each
 * destination in turn until one answers or the attempt ends. Fails over on a transaction timeout, a transport error
 * or a 5xx (RFC 3263 §4.3); a 4xx/6xx, the ringing `timeout` or a CANCEL end it with the matching final status.
 */
import type { Clock, Logger, TimerHandle } from '../../core/index.js';
import { MediaSession, type MediaSessionOptions } from '../../media/index.js';
import { SipError, type UserAgent } from '../../sip/index.js';
import type { Destination } from './destinations.js';
import { type OutgoingCall, finalStatusOf } from './outgoing-call.js';

export interface PlaceCallServices {
  session: Omit<MediaSessionOptions, 'address'> & { address: () => string };
  /** The user agent calls leave through; read per call, as SIP starts after the services are built. */
  userAgent: () => UserAgent | undefined;
  /** Our SIP host as From/Contact show it. */
  sipHost: () => string;
  clock: Clock;
}

export interface PlaceCallOptions {
  destinations: readonly Destination[];
  /** Caller ID shown to the far end: a number, a SIP URI or a name. */
  caller: string;
  /** How long to let the far end ring before CANCEL. */
  timeoutMs: number;
  /** Extra INVITE headers (`<Sip>` custom headers). */
  headers?: ReadonlyArray<readonly [string, string]>;
  logger: Logger;
}

/**
 * Resolves true once a destination answered (the call is `in-progress`), false when the call ended instead (its
 * final status is set). Never throws for a SIP failure.
 */
export async function placeCall(call: OutgoingCall, services: PlaceCallServices, options: PlaceCallOptions): Promise<boolean> {
  const ua = services.userAgent();
  if (!ua) {
    call.finish('failed', 503);
    return false;
  }
  const { address, ...sessionOptions } = services.session;
  const { logger, destinations } = options;
  let lastStatus = 503;
  for (const [index, destination] of destinations.entries()) {
    if (call.isFinal) return false;
    const opened = await MediaSession.offer({ ...sessionOptions, address: address() });
    if (!opened.ok) {
      logger.warn({ reason: opened.reason }, 'no media session for the outgoing call');
      call.finish('failed', 503);
      return false;
    }
    if (call.isFinal) {
      opened.session.close();
      return false;
    }
    let leg;
    try {
      leg = ua.invite({
        uri: destination.uri, sdp: opened.offer, from: `<sip:${userPart(options.caller)}@${services.sipHost()}>`,
        ...(destination.credentials ? { credentials: destination.credentials } : {}),
        ...(options.headers && options.headers.length > 0 ? { headers: options.headers } : {}),
        // Our own timeout ends the ringing below; the leg's bound only guards against a stuck transaction.
        timeoutMs: options.timeoutMs + 30_000,
      });
    } catch (err) {
      opened.session.close();
      logger.warn({ err, uri: destination.uri }, 'INVITE could not be sent');
      lastStatus = 503;
      continue;
    }
    call.attach(leg, opened.session);
    let timedOut = false;
    const timer: TimerHandle = services.clock.setTimeout(() => {
      timedOut = true;
      leg.cancel();
    }, options.timeoutMs);
    try {
      const answer = await leg.answer;
      services.clock.clearTimeout(timer);
      if (call.isFinal) {
        void leg.hangup().catch(() => undefined);
        return false;
      }
      try {
        call.answered(answer.sdp);
      } catch (err) {
        logger.warn({ err }, 'the 2xx did not answer our offer usably');
        call.finish('failed', 488);
        void leg.hangup().catch(() => undefined);
        return false;
      }
      return true;
    } catch (err) {
      services.clock.clearTimeout(timer);
      opened.session.close();
      if (call.isFinal) return false; // canceled meanwhile
      const status = err instanceof SipError ? err.status : 500;
      lastStatus = status;
      const more = index < destinations.length - 1;
      const failover = !timedOut && (status === 408 || status === 503 || (status >= 500 && status < 600));
      logger.info({ uri: destination.uri, status, timedOut, failover: failover && more }, 'outgoing attempt ended');
      if (failover && more) continue;
      call.finish(finalStatusOf(status, timedOut), timedOut ? 487 : status);
      return false;
    }
  }
  call.finish('failed', lastStatus);
  return false;
}

/** The user part our From shows for a caller ID: a SIP URI's user, else the number or name itself. */
function userPart(caller: string): string {
  const m = /^sips?:([^@;]+)@/i.exec(caller);
  return encodeURIComponent(m ? m[1]! : caller).replace(/%2B/g, '+');
}

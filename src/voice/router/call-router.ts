/**
 * The call router (DESIGN "Data flow of a call"): an incoming SIP leg becomes a `Call` answered by its number's
 * application. For each INVITE: resolve the route (404 / 403 refuse it), negotiate media (488 when the offer is not
 * acceptable), write the `Call` record, send 180 Ringing, then run the application's TwiML until the call ends.
 *
 * Live calls are kept by CallSid for REST live control (`POST Calls/{Sid}.json`). Everything about one call runs
 * inside its own try/catch and logs with its CallSid: one failing call never disturbs another.
 */
import type { Bus } from '../../bus/index.js';
import { type Logger, newSid } from '../../core/index.js';
import { MediaSession, type MediaSessionOptions } from '../../media/index.js';
import type { IncomingLeg } from '../../sip/index.js';
import type { Store } from '../../store/index.js';
import { type CallTwiml, type VoiceWebhookServices, createCallTwiml } from '../call-twiml.js';
import { CallNotifier } from '../notifications.js';
import type { DocumentSource } from '../twiml/interpreter.js';
import { CallStatusCallbacks } from '../webhook/status-callback-sender.js';
import { Call, type CallDialer } from '../call/call.js';
import type { CallMediaServices } from '../call/call-media.js';
import { type DomainCallAuthenticator, callerOf, forwardedFromOf, resolveRoute } from './route-resolver.js';

/** A REST change to a live call (reference §1.2 Calls update). */
export type LiveCallChange =
  | { kind: 'redirect'; source: DocumentSource }
  | { kind: 'status'; status: 'completed' | 'canceled' };

/** Live control as the REST API sees it; implemented by the router for the calls this node holds. */
export interface LiveCallControl {
  /** 'not-live' when this node holds no such live call of the account. Resolves once a status change is stored. */
  update(accountSid: string, callSid: string, change: LiveCallChange): Promise<'updated' | 'not-live'>;
}

export interface CallRouterOptions {
  store: Store;
  webhooks: VoiceWebhookServices;
  media: CallMediaServices;
  /** Per-call media settings; `address` is read per call (the SIP endpoint's advertised host is known late). */
  session: Omit<MediaSessionOptions, 'address'> & { address: () => string };
  logger: Logger;
  /** Every stored status change is published as `call.status` (DESIGN: voice/call ──events──► bus/). */
  bus?: Bus;
  /** Calls to SIP domains: authentication by the domain's call mappings (the registrar service). */
  domains?: DomainCallAuthenticator;
  /** `<Dial>`: rings and bridges child calls. */
  dialer?: CallDialer;
}

interface LiveCall {
  call: Call;
  twiml: CallTwiml;
}

export class CallRouter implements LiveCallControl {
  private readonly live = new Map<string, LiveCall>();
  private readonly running = new Set<Promise<void>>();
  private closed = false;

  constructor(private readonly options: CallRouterOptions) {}

  /** The SIP endpoint's `onInvite`. Never throws. */
  onInvite(leg: IncomingLeg): void {
    const task = this.route(leg).catch((err: unknown) => {
      this.options.logger.error({ err, sipCallId: leg.callId }, 'incoming call failed');
      if (leg.state === 'initial' || leg.state === 'early') {
        try {
          leg.reject(500, 'Server Internal Error');
        } catch {
          // already answered or ended
        }
      }
    });
    this.running.add(task);
    void task.finally(() => this.running.delete(task));
  }

  get liveCount(): number {
    return this.live.size;
  }

  async update(accountSid: string, callSid: string, change: LiveCallChange): Promise<'updated' | 'not-live'> {
    const entry = this.live.get(callSid);
    if (!entry || entry.call.accountSid !== accountSid || entry.call.state === 'ended') return 'not-live';
    const { call, twiml } = entry;
    if (change.kind === 'redirect') {
      twiml.interpreter.redirect(change.source);
      return 'updated';
    }
    if (call.state === 'ringing') call.cancel();
    else if (change.status === 'completed') await call.hangup();
    else return 'updated'; // canceled applies to unanswered calls only; an answered call goes on
    await call.finished;
    return 'updated';
  }

  /**
   * Ends every live call (BYE, or 480 before answer), waits for the BYE transactions (at most `byeWaitMs`, default
   * 2 s) and until the records are final.
   */
  async close(byeWaitMs = 2_000): Promise<void> {
    this.closed = true;
    const byes = Promise.allSettled([...this.live.values()].map(({ call }) => call.shutdown()));
    const { clock } = this.options.webhooks;
    let timer: ReturnType<typeof clock.setTimeout> | undefined;
    await Promise.race([byes, new Promise<void>((resolve) => (timer = clock.setTimeout(resolve, byeWaitMs)))]);
    clock.clearTimeout(timer);
    await Promise.allSettled([...this.running]);
  }

  private async route(leg: IncomingLeg): Promise<void> {
    const { store, logger } = this.options;
    if (this.closed) {
      leg.reject(503, 'Service Unavailable');
      return;
    }
    const decision = await resolveRoute(store, leg.request, this.options.domains);
    if (legEnded(leg)) return;
    if (!decision.ok) {
      leg.reject(decision.status, decision.reason, decision.headers);
      if (decision.notify) {
        const { accountSid, code, message } = decision.notify;
        new CallNotifier(this.options.webhooks.notifications, { accountSid, callSid: null }, this.options.webhooks.clock, (err) =>
          logger.error({ err }, 'notification sink failed'),
        ).error(code, message);
      }
      return;
    }
    const { route } = decision;
    const { address, ...sessionOptions } = this.options.session;
    const mediaOptions = { ...sessionOptions, address: address() };
    // An INVITE without an offer gets ours in the 200 (RFC 3261 §13.2.1); the Call completes it from the ACK.
    const opened = leg.offer === undefined
      ? await MediaSession.offer(mediaOptions).then((r) => (r.ok ? { ok: true as const, session: r.session, answer: r.offer } : r))
      : await MediaSession.answer(leg.offer, mediaOptions);
    if (!opened.ok) {
      logger.info({ sipCallId: leg.callId, reason: opened.reason, detail: opened.detail }, 'SDP offer not acceptable');
      if (!legEnded(leg)) leg.reject(opened.reason === 'no-port' ? 503 : 488, opened.reason === 'no-port' ? 'Service Unavailable' : 'Not Acceptable Here');
      return;
    }
    if (legEnded(leg) || this.closed) {
      // Stopping meanwhile: close() only ends the calls it saw, so no new one may start now.
      opened.session.close();
      if (!legEnded(leg)) leg.reject(503, 'Service Unavailable');
      return;
    }

    const sid = newSid('CA');
    const callLogger = logger.child({ callSid: sid });
    const authToken = route.account.authToken;
    const callbacks = route.statusCallback
      ? new CallStatusCallbacks(
          this.options.webhooks.callbacks,
          { ...route.statusCallback, accountSid: route.account.sid, callSid: sid, authToken },
          ['initiated', 'ringing', 'answered', 'completed'],
          this.options.webhooks.clock,
        )
      : null;
    const call = new Call({
      sid, accountSid: route.account.sid, from: route.from ?? callerOf(leg.request), to: route.to, phoneNumberSid: route.number?.sid ?? null,
      forwardedFrom: forwardedFromOf(leg.request),
      leg, media: opened.session, answerSdp: opened.answer, services: this.options.media, callbacks, logger: callLogger,
      ...(this.options.dialer ? { dialer: this.options.dialer } : {}),
      observer: (event) => {
        this.options.bus?.publish('call.status', event).catch((err: unknown) => callLogger.warn({ err }, 'call.status not published'));
      },
    });
    const twiml = createCallTwiml(
      { ...this.options.webhooks, logger: callLogger },
      {
        call, accountSid: route.account.sid, callSid: sid, authToken, parameters: () => call.parameters(),
        voice: route.voice, fallback: route.fallback,
      },
    );
    this.live.set(sid, { call, twiml });
    try {
      await call.create();
      if (leg.state === 'initial') leg.progress(180);
      const result = await twiml.run();
      callLogger.debug({ result }, 'TwiML finished');
      if (call.state !== 'ended') await call.hangup();
    } catch (err) {
      callLogger.error({ err }, 'call failed');
      call.fail(500);
    } finally {
      this.live.delete(sid);
      if (call.state !== 'ended') call.close();
    }
    await call.finished;
  }
}

/** Read through a call so that TypeScript does not keep an earlier narrowing across awaits. */
function legEnded(leg: IncomingLeg): boolean {
  return leg.state === 'ended';
}

/**
 * `<Dial>` as a service (issue 6 item 4; reference §3.2 Dial, Number, Sip): resolves where each dialed party is
 * (on-net number, SIP URI or registered binding, BYOC trunk — the same `DestinationResolver` outbound-api calls use),
 * writes one child call per party (direction `outbound-dial`, `ParentCallSid`, never queued), and runs a
 * `DialAttempt` that rings them and bridges the caller to the first that answers.
 *
 * The child calls are live calls in their own right: the REST API can hang them up or redirect them (issue 6 item 5)
 * through this service's `update`.
 */
import type { Bus } from '../../bus/index.js';
import { type Logger, newSid } from '../../core/index.js';
import type { MediaSession } from '../../media/index.js';
import type { Account, Store } from '../../store/index.js';
import { type CallTwiml, type VoiceWebhookServices, createCallTwiml } from '../call-twiml.js';
import type { CallMediaServices } from '../call/call-media.js';
import type { DestinationResolver } from '../originate/destinations.js';
import { OutgoingCall } from '../originate/outgoing-call.js';
import type { PlaceCallServices } from '../originate/place-call.js';
import type { LiveCallChange, LiveCallControl } from '../router/call-router.js';
import type { CallState, DialRequest, DialResult, DialTarget } from '../twiml/call-control.js';
import type { DocumentSource } from '../twiml/interpreter.js';
import { CallStatusCallbacks } from '../webhook/status-callback-sender.js';
import { DialAttempt, type ResolvedTarget } from './dial-attempt.js';

/** The call whose TwiML dials: an inbound call or an answered outbound-api call. */
export interface DialParent {
  readonly sid: string;
  readonly accountSid: string;
  /** The caller ID callees see unless `callerId` says otherwise. */
  readonly from: string;
  /** Null only for an outgoing call that has not been answered. */
  readonly media: MediaSession | null;
  readonly state: CallState;
  readonly ended: AbortSignal;
  answer(): Promise<void>;
  ringing(): Promise<void>;
  earlyMedia?(): Promise<void>;
}

export interface DialerOptions extends PlaceCallServices {
  store: Store;
  webhooks: VoiceWebhookServices;
  media: CallMediaServices;
  destinations: DestinationResolver;
  logger: Logger;
  bus?: Bus;
}

/** A child call as live control sees it. */
export interface LiveChild {
  readonly call: OutgoingCall;
  readonly attempt: DialAttempt;
  /** The child's own TwiML once it was redirected away from the bridge. */
  twiml: CallTwiml | null;
}

export class Dialer implements LiveCallControl {
  private readonly live = new Map<string, LiveChild>();

  constructor(private readonly options: DialerOptions) {}

  get liveCount(): number {
    return this.live.size;
  }

  async dial(parent: DialParent, request: DialRequest): Promise<DialResult> {
    const { store, destinations } = this.options;
    const errors: Array<{ code: number; message: string }> = [];
    const resolved: ResolvedTarget[] = [];
    for (const target of request.targets) {
      const r = await destinations.resolve(parent.accountSid, target.to, {
        ...(target.byoc ? { byoc: target.byoc } : {}), ...(target.sipAuth ? { sipAuth: target.sipAuth } : {}),
      });
      if (r.ok) resolved.push({ target, destinations: r.destinations, trunkSid: r.trunkSid });
      else errors.push({ code: r.code, message: r.message });
    }
    const account = await store.accounts.get(parent.accountSid);
    if (resolved.length === 0 || !account || !parent.media) {
      return { status: 'failed', childCallSid: null, durationSeconds: null, bridged: false, recording: null, errors };
    }
    const attempt = new DialAttempt({
      parent, parentMedia: parent.media, request, targets: resolved, services: this.options, account,
      logger: this.options.logger.child({ callSid: parent.sid }),
      createChild: (r, onProgress) => this.createChild(parent, account, request, r, onProgress),
      live: {
        add: (call, a) => this.live.set(call.sid, { call, attempt: a, twiml: null }),
        remove: (call) => this.live.delete(call.sid),
      },
    });
    const result = await attempt.run();
    return { ...result, errors: [...errors, ...result.errors] };
  }

  /** Ends every child call (parents are ended by their own holders). */
  async close(): Promise<void> {
    await Promise.allSettled([...this.live.values()].map(({ call }) => call.shutdown()));
  }

  async update(accountSid: string, callSid: string, change: LiveCallChange): Promise<'updated' | 'not-live'> {
    const entry = this.live.get(callSid);
    if (!entry || entry.call.accountSid !== accountSid || entry.call.isFinal) return 'not-live';
    const { call } = entry;
    if (change.kind === 'redirect') {
      if (call.state !== 'in-progress') return 'not-live';
      if (entry.twiml) entry.twiml.interpreter.redirect(change.source);
      else if (!entry.attempt.redirectChild(call)) return 'not-live';
      else this.runRedirected(entry, change.source);
      return 'updated';
    }
    if (call.state === 'ringing') call.cancel();
    else if (change.status === 'completed') await call.hangup();
    else return 'updated';
    await call.finished;
    return 'updated';
  }

  /** Writes the child's record (`initiated` at once: `<Dial>` legs are never queued, reference §2.3). */
  private async createChild(
    parent: DialParent, account: Account, request: DialRequest, r: ResolvedTarget,
    onProgress: (child: OutgoingCall, progress: { status: number; earlyMedia: boolean }) => void,
  ): Promise<OutgoingCall> {
    const { store, webhooks } = this.options;
    const sid = newSid('CA');
    const now = webhooks.clock.now();
    const from = request.callerId ?? parent.from;
    const target: DialTarget = r.target;
    await store.calls.create({
      sid, accountSid: account.sid, parentCallSid: parent.sid, to: target.to, from, phoneNumberSid: null,
      status: 'initiated', startTime: null, endTime: null, duration: null, price: null, priceUnit: 'USD', direction: 'outbound-dial',
      answeredBy: null, apiVersion: '2010-04-01', forwardedFrom: null, groupSid: null, callerName: null, queueTime: 0, trunkSid: r.trunkSid,
      dateCreated: now, dateUpdated: now,
    });
    const cb = target.statusCallback;
    const callbacks = cb
      ? new CallStatusCallbacks(webhooks.callbacks, { url: cb.url, method: cb.method, accountSid: account.sid, callSid: sid, authToken: account.authToken }, cb.events, webhooks.clock)
      : null;
    const logger = this.options.logger.child({ callSid: sid, parentCallSid: parent.sid });
    const child: OutgoingCall = new OutgoingCall({
      sid, accountSid: account.sid, from, to: target.to, direction: 'outbound-dial', parentCallSid: parent.sid, createdAt: now,
      services: this.options.media, callbacks, logger,
      observer: (event) => {
        this.options.bus?.publish('call.status', event).catch((err: unknown) => logger.warn({ err }, 'call.status not published'));
      },
      onProgress: (progress) => onProgress(child, progress),
    });
    child.initiated({ stored: true }); // the record was created initiated (above)
    return child;
  }

  /** A child redirected through the REST API leaves the bridge and runs its own TwiML until it ends. */
  private runRedirected(entry: LiveChild, source: DocumentSource): void {
    const { call } = entry;
    const { webhooks, store } = this.options;
    const logger = this.options.logger.child({ callSid: call.sid });
    const task = (async () => {
      const account = await store.accounts.get(call.accountSid);
      if (!account) return;
      const twiml = createCallTwiml({ ...webhooks, logger }, {
        call, accountSid: call.accountSid, callSid: call.sid, authToken: account.authToken, parameters: () => call.parameters(),
        voice: { url: '', method: 'POST' },
      });
      entry.twiml = twiml;
      await twiml.interpreter.run(source);
      if (!call.isFinal) await call.hangup();
    })();
    void task
      .catch((err: unknown) => logger.error({ err }, 'redirected child call failed'))
      .finally(() => {
        if (!call.isFinal) void call.hangup();
        this.live.delete(call.sid);
      });
  }
}

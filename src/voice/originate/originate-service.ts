/**
 * Calls created through the REST API (reference §1.2 `POST Calls.json`, issue 6 items 1–3). The API hands over a
 * validated request; this service writes the Call record (`outbound-api`, `queued`) first, submits it to the
 * per-account `OutboundCallQueue`, and when the queue lets it out places it: `initiated`, the INVITE to its
 * destinations in failover order, `ringing` on 180/183, `in-progress` on 2xx and then the call's TwiML through the
 * same interpreter inbound calls use, until a final status. The API never touches SIP.
 */
import type { Registry } from 'prom-client';
import type { Bus, RateSlots } from '../../bus/index.js';
import { type AdmissionControl, type Logger, newSid } from '../../core/index.js';
import type { MediaSessionOptions } from '../../media/index.js';
import type { Credentials, UserAgent } from '../../sip/index.js';
import type { Account, Call as CallRow, CredentialCipher, Store } from '../../store/index.js';
import { type CallTwiml, type VoiceWebhookServices, createCallTwiml } from '../call-twiml.js';
import type { CallMediaServices } from '../call/call-media.js';
import type { CallDialer } from '../call/call.js';
import { CallNotifier } from '../notifications.js';
import { OutboundCallQueue, type ReleasedCall } from '../queue/index.js';
import type { LiveCallChange, LiveCallControl } from '../router/call-router.js';
import type { MachineDetectionRequest } from '../twiml/call-control.js';
import type { DocumentSource } from '../twiml/interpreter.js';
import type { CallProgressEvent, RecordingStatusEvent } from '../twiml/types.js';
import type { WebhookTarget } from '../webhook/document-fetcher.js';
import { CallStatusCallbacks, recordingStatusParams } from '../webhook/status-callback-sender.js';
import type { DestinationResolver } from './destinations.js';
import { runMachineDetection } from './machine-detection.js';
import { OutgoingCall, type OutgoingCallRecording } from './outgoing-call.js';
import { placeCall } from './place-call.js';

/** A validated `POST Calls.json` (the REST layer checks every parameter; see `src/api/resources/calls.ts`). */
export interface OriginateRequest {
  to: string;
  from: string;
  /** What runs once the far end answers: `Url`+`Method`, `Twiml`, or `ApplicationSid` (its VoiceUrl). */
  source: { kind: 'url'; url: string; method: 'GET' | 'POST' } | { kind: 'twiml'; twiml: string } | { kind: 'application'; applicationSid: string };
  fallback: WebhookTarget | null;
  statusCallback: (WebhookTarget & { events: CallProgressEvent[] }) | null;
  /** Keys (and `w` pauses) sent once the call is answered. */
  sendDigits: string | null;
  /** Seconds to let the call ring before CANCEL (1–600). */
  timeoutSeconds: number;
  /** Seconds the call may last once answered; null: Twilio's 4 hours. */
  timeLimitSeconds: number | null;
  /** `Record=true` and its parameters: the call is recorded from answer to end; null: not recorded. */
  recording: OutboundRecording | null;
  /** Caller ID shown to SIP destinations (`CallerId`); defaults to From. */
  callerId: string | null;
  sipAuth: Credentials | null;
  byoc: string | null;
  /**
   * `MachineDetection` and its tuning: detection from the answer on; with `async` false (the default) the call's
   * TwiML is fetched only once it decided, with `AnsweredBy`; with `async` true the TwiML runs at once and the
   * result goes to `callback` (`AsyncAmdStatusCallback`). Null: no detection.
   */
  machineDetection: (MachineDetectionRequest & { async: boolean }) | null;
}

export interface OutboundRecording {
  channels: 1 | 2;
  track: 'inbound' | 'outbound' | 'both';
  trim: 'trim-silence' | 'do-not-trim';
  statusCallback: (WebhookTarget & { events: RecordingStatusEvent[] }) | null;
}

/** Twilio's 4-hour ceiling on a call without TimeLimit. */
const DEFAULT_TIME_LIMIT_S = 4 * 3600;
/**
 * Twilio adds about five seconds to `Timeout` (reference §1.2); Patchbay rings exactly `Timeout` seconds, so tests
 * and applications see the value they asked for.
 */
const TIMEOUT_BUFFER_MS = 0;

export interface OriginateServiceOptions {
  store: Store;
  webhooks: VoiceWebhookServices;
  media: CallMediaServices;
  session: Omit<MediaSessionOptions, 'address'> & { address: () => string };
  /** The user agent calls leave through (UDP); read per call, as SIP starts after this service is built. */
  userAgent: () => UserAgent | undefined;
  /** Our SIP host as From/Contact show it. */
  sipHost: () => string;
  destinations: DestinationResolver;
  /** Seals `SipAuthPassword` in the durable queue row (the CallSid as associated data), as SIP credentials are. */
  cipher: CredentialCipher;
  logger: Logger;
  bus?: Bus;
  metrics?: Registry;
  /** `<Dial>` in the TwiML of outbound-api calls. */
  dialer?: CallDialer;
  /** While it reports overload, the queue releases no call. */
  admission?: AdmissionControl;
  /** Cluster mode: per-account CPS slots shared by every node (see `OutboundCallQueueOptions.rateSlots`). */
  rateSlots?: RateSlots;
  /** This node's identity, the owner of the queue rows it stores (see `OutboundCallQueueOptions.nodeId`). */
  nodeId: string;
  /** Passed to the queue (tests). */
  queue?: { globalCapacity?: number; defaultCallsPerSecond?: number; limitsTtlMs?: number; leaseMs?: number; leaseRenewMs?: number };
}

/** The request as the queue row keeps it: the SIP password sealed, never in clear at rest. */
type StoredRequest = Omit<OriginateRequest, 'sipAuth'> & { sipAuth: { username: string; sealedPassword: string } | null };

interface LiveOutgoing {
  call: OutgoingCall;
  twiml: CallTwiml | null;
}

export class OriginateService implements LiveCallControl {
  readonly queue: OutboundCallQueue;
  private readonly live = new Map<string, LiveOutgoing>();
  /** Calls let out by the queue whose live entry is not set yet: a REST change waits for it (else 21220). */
  private readonly starting = new Map<string, Promise<void>>();
  private readonly running = new Set<Promise<void>>();
  private closed = false;

  constructor(private readonly options: OriginateServiceOptions) {
    const admission = options.admission;
    this.queue = new OutboundCallQueue({
      store: options.store, clock: options.webhooks.clock, logger: options.logger.child({ component: 'call-queue' }), nodeId: options.nodeId,
      ...(options.metrics ? { metrics: options.metrics } : {}), ...options.queue,
      ...(admission ? { overloaded: () => admission.overloaded } : {}),
      ...(options.rateSlots ? { rateSlots: options.rateSlots } : {}),
      release: (released) => this.release(released),
    });
  }

  /** Reloads the durable queue and begins releasing calls; call once SIP is up. */
  start(): Promise<void> {
    return this.queue.start();
  }

  get liveCount(): number {
    return this.live.size;
  }

  /**
   * Writes the Call record (`queued`) and submits the call to its account's queue; resolves with the record as
   * created once both are durable.
   */
  async create(account: Account, request: OriginateRequest): Promise<CallRow> {
    const { store, webhooks } = this.options;
    const now = webhooks.clock.now();
    const sid = newCallSid();
    const stored: StoredRequest = {
      ...request,
      sipAuth: request.sipAuth ? { username: request.sipAuth.username, sealedPassword: this.options.cipher.seal(request.sipAuth.password, sid) } : null,
    };
    const row = await store.calls.create({
      sid, accountSid: account.sid, parentCallSid: null, to: request.to, from: request.from, phoneNumberSid: null,
      status: 'queued', startTime: null, endTime: null, duration: null, price: null, priceUnit: 'USD', direction: 'outbound-api',
      answeredBy: null, apiVersion: '2010-04-01', forwardedFrom: null, groupSid: null, callerName: null, queueTime: 0, trunkSid: null,
      dateCreated: now, dateUpdated: now,
    });
    await this.queue.submit({ callSid: row.sid, accountSid: account.sid, data: JSON.stringify(stored) });
    return row;
  }

  async update(accountSid: string, callSid: string, change: LiveCallChange): Promise<'updated' | 'not-live'> {
    if (change.kind === 'status' && (await this.queue.cancel(callSid))) {
      // Canceled while queued: final at once, no status callback (reference §2.2).
      const now = this.options.webhooks.clock.now();
      await this.options.store.calls.update(callSid, { status: 'canceled', endTime: now, duration: 0, dateUpdated: now });
      return 'updated';
    }
    await this.starting.get(callSid);
    const entry = this.live.get(callSid);
    if (!entry || entry.call.accountSid !== accountSid || entry.call.isFinal) return 'not-live';
    if (change.kind === 'redirect') {
      if (!entry.twiml) return 'not-live';
      entry.twiml.interpreter.redirect(change.source);
      return 'updated';
    }
    if (entry.call.state === 'ringing') entry.call.cancel();
    else if (change.status === 'completed') await entry.call.hangup();
    else return 'updated';
    await entry.call.finished;
    return 'updated';
  }

  /** Stops the queue (waiting calls stay durable) and ends the live calls. */
  async close(): Promise<void> {
    this.closed = true;
    await this.queue.stop();
    await Promise.allSettled([...this.live.values()].map(({ call }) => call.shutdown()));
    await Promise.allSettled([...this.running]);
  }

  private release(released: ReleasedCall): void {
    const task = this.run(released)
      .catch((err: unknown) => this.options.logger.error({ err, callSid: released.callSid }, 'outbound call failed'))
      .finally(() => this.queue.callEnded(released.accountSid));
    this.running.add(task);
    void task.finally(() => this.running.delete(task));
  }

  private async run(released: ReleasedCall): Promise<void> {
    let started!: () => void;
    this.starting.set(released.callSid, new Promise<void>((resolve) => (started = resolve)));
    try {
      await this.runReleased(released, started);
    } finally {
      this.starting.delete(released.callSid);
      started();
    }
  }

  /** Places one released call; `live` is called once it can be found for REST changes (or will never be). */
  private async runReleased(released: ReleasedCall, live: () => void): Promise<void> {
    const { store, webhooks, logger } = this.options;
    const callLogger = logger.child({ callSid: released.callSid });
    const [row, account] = await Promise.all([store.calls.get(released.callSid), store.accounts.get(released.accountSid)]);
    if (!row || !account || row.status !== 'queued' || released.data === null) {
      callLogger.warn('released call has no queued record; dropped');
      return;
    }
    const stored = JSON.parse(released.data) as StoredRequest;
    const password = stored.sipAuth ? this.options.cipher.open(stored.sipAuth.sealedPassword, row.sid) : undefined;
    if (stored.sipAuth && password === undefined) callLogger.warn('SipAuthPassword could not be opened (another credential key?); calling without it');
    const request: OriginateRequest = {
      ...stored,
      // Queue rows written before recording existed carry `record: boolean` only.
      recording: stored.recording ?? null,
      machineDetection: stored.machineDetection ?? null,
      sipAuth: stored.sipAuth && password !== undefined ? { username: stored.sipAuth.username, password } : null,
    };
    const app = await this.application(account, request);
    const cb = app.statusCallback;
    const callbacks = cb
      ? new CallStatusCallbacks(webhooks.callbacks, { url: cb.url, method: cb.method, accountSid: account.sid, callSid: row.sid, authToken: account.authToken }, cb.events, webhooks.clock)
      : null;
    const call = new OutgoingCall({
      sid: row.sid, accountSid: account.sid, from: request.from, to: request.to, createdAt: row.dateCreated,
      services: this.options.media, callbacks, logger: callLogger,
      ...(this.options.dialer ? { dialer: this.options.dialer } : {}),
      ...(request.recording ? { recording: this.recording(account, row.sid, request.recording) } : {}),
      observer: (event) => {
        this.options.bus?.publish('call.status', event).catch((err: unknown) => callLogger.warn({ err }, 'call.status not published'));
      },
    });
    // The record becomes this node's and `initiated` before anything else touches it or the INVITE goes, and only if
    // it is still `queued`: a queue row that outlived the node that placed this call (it died before deleting the
    // row) is released again elsewhere, and must not dial the callee twice.
    if (!(await store.calls.initiateQueued(row.sid, { queueTime: released.waitedMs, now: webhooks.clock.now() }))) {
      callLogger.warn('released call was placed already (its queue row outlived the node that placed it); not placed again');
      return;
    }
    const entry: LiveOutgoing = { call, twiml: null };
    this.live.set(row.sid, entry);
    this.starting.delete(row.sid);
    live();
    try {
      if (this.closed) {
        call.finish('failed', 503);
        return;
      }
      call.initiated({ stored: true });
      const notifier = new CallNotifier(webhooks.notifications, { accountSid: account.sid, callSid: row.sid }, webhooks.clock, (err) =>
        callLogger.error({ err }, 'notification sink failed'),
      );
      if (app.error) {
        notifier.error(app.error.code, app.error.message);
        call.finish('failed', null);
        return;
      }
      const answered = await this.dial(call, account, request, notifier, callLogger);
      if (!answered) return;
      const twiml = createCallTwiml({ ...webhooks, logger: callLogger }, {
        call, accountSid: account.sid, callSid: row.sid, authToken: account.authToken, parameters: () => call.parameters(),
        voice: app.voice ?? { url: '', method: 'POST' }, fallback: app.fallback,
      });
      entry.twiml = twiml;
      const clock = webhooks.clock;
      const limit = clock.setTimeout(() => void call.hangup(), (request.timeLimitSeconds ?? DEFAULT_TIME_LIMIT_S) * 1000);
      try {
        // Reference §1.2 (OpenAPI `MachineDetection`): with SendDigits, MachineDetection is ignored.
        const amd = request.sendDigits ? null : request.machineDetection;
        if (request.sendDigits) await call.play({ kind: 'digits', digits: request.sendDigits }, { signal: call.ended });
        if (amd) {
          const detection = runMachineDetection(call, amd, webhooks.callbacks, account.authToken);
          if (amd.async) void detection.catch((err: unknown) => callLogger.error({ err }, 'answering machine detection failed'));
          else await detection;
        }
        const source: DocumentSource = app.twiml !== null ? { kind: 'twiml', twiml: app.twiml } : { kind: 'url', url: app.voice!.url, method: app.voice!.method };
        const result = await twiml.interpreter.run(source);
        callLogger.debug({ result }, 'TwiML finished');
      } finally {
        clock.clearTimeout(limit);
      }
      if (!call.isFinal) await call.hangup();
    } catch (err) {
      callLogger.error({ err }, 'outbound call failed');
      if (!call.isFinal) {
        if (call.state === 'in-progress') await call.hangup();
        else call.finish('failed', null);
      }
    } finally {
      this.live.delete(row.sid);
      // Every path ends final: its record is written before the queue slot is freed (and before a stop closes the store).
      if (call.isFinal) await call.finished;
    }
  }

  /** `Record=true`: what the call records and where its recording status callbacks go (reference §2.4). */
  private recording(account: Account, callSid: string, r: OutboundRecording): OutgoingCallRecording {
    const callback = r.statusCallback;
    return {
      options: { channels: r.channels, track: r.track, trim: r.trim, source: 'OutboundAPI' },
      onStatus: (event, rec, durationSeconds) => {
        if (!callback || !callback.events.includes(event)) return;
        this.options.webhooks.callbacks.enqueue(
          { url: callback.url, method: callback.method, accountSid: account.sid, callSid, authToken: account.authToken },
          recordingStatusParams({
            accountSid: account.sid, callSid, recordingSid: rec.recordingSid, recordingUrl: rec.url, status: event,
            durationSeconds, channels: rec.channels, startTime: rec.startTime, source: 'OutboundAPI',
          }),
        );
      },
    };
  }

  /** What answers the call: Url/Twiml, or the Application's voice URL and status callback. */
  private async application(account: Account, request: OriginateRequest): Promise<{
    voice: WebhookTarget | null; twiml: string | null; fallback: WebhookTarget | null;
    statusCallback: OriginateRequest['statusCallback']; error?: { code: number; message: string };
  }> {
    const s = request.source;
    if (s.kind === 'url') return { voice: { url: s.url, method: s.method }, twiml: null, fallback: request.fallback, statusCallback: request.statusCallback };
    if (s.kind === 'twiml') return { voice: null, twiml: s.twiml, fallback: null, statusCallback: request.statusCallback };
    const a = await this.options.store.applications.getOwned(account.sid, s.applicationSid);
    const method = (m: string | null | undefined): 'GET' | 'POST' => (m?.toUpperCase() === 'GET' ? 'GET' : 'POST');
    if (!a || !a.voiceUrl) {
      return { voice: null, twiml: null, fallback: null, statusCallback: null, error: { code: 21200, message: `Application ${s.applicationSid} has no VoiceUrl` } };
    }
    return {
      voice: { url: a.voiceUrl, method: method(a.voiceMethod) }, twiml: null,
      fallback: a.voiceFallbackUrl ? { url: a.voiceFallbackUrl, method: method(a.voiceFallbackMethod) } : null,
      // StatusCallbackEvent is ignored with ApplicationSid (reference §1.2): the application's callback, completed only.
      statusCallback: a.statusCallback ? { url: a.statusCallback, method: method(a.statusCallbackMethod), events: ['completed'] } : null,
    };
  }

  /** Resolves where the call goes, then places it (`placeCall`): true once answered, false when it ended. */
  private async dial(call: OutgoingCall, account: Account, request: OriginateRequest, notifier: CallNotifier, logger: Logger): Promise<boolean> {
    const resolved = await this.options.destinations.resolve(account.sid, request.to, {
      ...(request.byoc ? { byoc: request.byoc } : {}), ...(request.sipAuth ? { sipAuth: request.sipAuth } : {}),
    });
    if (!resolved.ok) {
      notifier.error(resolved.code, resolved.message);
      call.finish('failed', 404);
      return false;
    }
    if (resolved.trunkSid) await this.options.store.calls.update(call.sid, { trunkSid: resolved.trunkSid });
    return placeCall(call, { ...this.options, clock: this.options.webhooks.clock }, {
      destinations: resolved.destinations, caller: request.callerId ?? request.from,
      timeoutMs: request.timeoutSeconds * 1000 + TIMEOUT_BUFFER_MS, logger,
    });
  }
}

function newCallSid(): string {
  return newSid('CA');
}

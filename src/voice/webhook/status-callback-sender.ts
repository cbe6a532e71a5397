/**
 * Status callbacks (reference §2.3 call progress, §2.4 recording status): signed webhooks whose replies are ignored.
 * They never hold up a call: `enqueue` returns at once; a per-call FIFO sends them one after another so an
 * application sees them in order; the total backlog is bounded (overflow is dropped and logged); a failed delivery
 * becomes a Notification (11200 / 11205 …) and is not retried.
 */
import { type Clock, type Logger, rfc2822, silentLogger, systemClock } from '../../core/index.js';
import type { CallStatus } from '../../store/index.js';
import { CallNotifier, type NotificationSink } from '../notifications.js';
import type { CallProgressEvent, RecordingStatusEvent } from '../twiml/types.js';
import { type HttpMethod, type StandardCallParameters, type WebhookParams, formEncode, standardParams, toWebhookParams } from './params.js';
import type { WebhookClient } from './webhook-client.js';

export interface CallbackTarget {
  url: string;
  method: HttpMethod;
  accountSid: string;
  /** Callbacks of one call are delivered in order; null for callbacks that belong to no call. */
  callSid: string | null;
  authToken: string;
}

export interface StatusCallbackSenderOptions {
  client: WebhookClient;
  notifications: NotificationSink;
  clock?: Clock;
  logger?: Logger;
  /** Callbacks waiting across all calls before new ones are dropped (default 10 000). */
  maxQueued?: number;
}

interface Pending {
  target: CallbackTarget;
  params: WebhookParams;
}

/** Where callbacks are queued: `StatusCallbackSender`, or a fake in tests. */
export interface CallbackQueue {
  /** Queues one callback without waiting; false when it was dropped. */
  enqueue(target: CallbackTarget, params: WebhookParams): boolean;
}

export class StatusCallbackSender implements CallbackQueue {
  private readonly queues = new Map<string, Pending[]>();
  private queued = 0;
  private readonly idleWaiters: Array<() => void> = [];
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly maxQueued: number;
  private dropped = 0;

  constructor(private readonly options: StatusCallbackSenderOptions) {
    this.clock = options.clock ?? systemClock;
    this.logger = options.logger ?? silentLogger();
    this.maxQueued = options.maxQueued ?? 10_000;
  }

  /** Queues one callback; returns false when the backlog is full and it was dropped. Never throws, never waits. */
  enqueue(target: CallbackTarget, params: WebhookParams): boolean {
    if (this.queued >= this.maxQueued) {
      this.dropped++;
      this.logger.warn({ callSid: target.callSid, url: target.url, dropped: this.dropped }, 'status callback backlog full; callback dropped');
      return false;
    }
    const key = target.callSid ?? `${target.accountSid}:${target.url}`;
    const queue = this.queues.get(key);
    this.queued++;
    if (queue) {
      queue.push({ target, params });
      return true;
    }
    this.queues.set(key, [{ target, params }]);
    void this.drain(key);
    return true;
  }

  get pending(): number {
    return this.queued;
  }

  get droppedCount(): number {
    return this.dropped;
  }

  /** Resolves once every queued callback has been attempted (shutdown, tests). */
  idle(): Promise<void> {
    if (this.queued === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private async drain(key: string): Promise<void> {
    const queue = this.queues.get(key)!;
    while (queue.length > 0) {
      const { target, params } = queue[0];
      try {
        await this.deliver(target, params);
      } catch (err) {
        this.logger.error({ err, callSid: target.callSid }, 'status callback delivery threw');
      }
      queue.shift();
      this.queued--;
    }
    this.queues.delete(key);
    if (this.queued === 0) for (const resolve of this.idleWaiters.splice(0)) resolve();
  }

  private async deliver(target: CallbackTarget, params: WebhookParams): Promise<void> {
    const res = await this.options.client.send({ url: target.url, method: target.method, params, authToken: target.authToken });
    if (res.ok || res.code === null) return;
    const notifier = new CallNotifier(this.options.notifications, { accountSid: target.accountSid, callSid: target.callSid }, this.clock, (err) =>
      this.logger.error({ err }, 'notification sink failed'),
    );
    notifier.error(res.code, `status callback: ${res.message}`, {
      requestUrl: res.url,
      requestMethod: res.method,
      requestVariables: formEncode(params),
      responseBody: res.body ?? null,
      responseHeaders: res.headers ? formEncode(res.headers) : null,
    });
  }
}

const TERMINAL: ReadonlySet<CallStatus> = new Set(['completed', 'busy', 'failed', 'no-answer', 'canceled']);

/** Reference §2.3: which `StatusCallbackEvent` value asks for a given `CallStatus`. */
export function progressEventFor(status: CallStatus): CallProgressEvent | null {
  if (status === 'initiated' || status === 'ringing') return status;
  if (status === 'in-progress') return 'answered';
  if (TERMINAL.has(status)) return 'completed';
  return null; // queued: no event
}

export interface CallProgressExtras {
  /** Seconds; terminal events only. */
  callDurationSeconds?: number;
  sipResponseCode?: number;
  recording?: { url: string; sid: string; durationSeconds: number };
  stirStatus?: 'A' | 'B' | 'C';
}

/**
 * The call-progress callbacks of one call: filters by `StatusCallbackEvent` (none listed → only `completed`),
 * numbers them from 0 (`SequenceNumber`) and adds `CallbackSource`, `Timestamp` and the terminal fields.
 */
export class CallStatusCallbacks {
  private sequence = 0;
  private readonly events: ReadonlySet<CallProgressEvent>;

  constructor(
    private readonly sender: CallbackQueue,
    private readonly target: CallbackTarget,
    events: readonly CallProgressEvent[],
    private readonly clock: Clock = systemClock,
  ) {
    this.events = new Set(events.length === 0 ? ['completed'] : events);
  }

  /** Sends the callback for `params.CallStatus` if the application asked for it. Returns whether one was queued. */
  progress(params: StandardCallParameters, extras: CallProgressExtras = {}): boolean {
    const event = progressEventFor(params.CallStatus);
    if (event === null || !this.events.has(event)) return false;
    const terminal = TERMINAL.has(params.CallStatus);
    const body = toWebhookParams(standardParams(params), {
      CallbackSource: 'call-progress-events',
      SequenceNumber: this.sequence++,
      Timestamp: rfc2822(this.clock.now()),
      CallDuration: terminal ? (extras.callDurationSeconds ?? 0) : undefined,
      // `Duration` is billed minutes, rounded up (reference §2.3).
      Duration: params.CallStatus === 'completed' ? Math.ceil((extras.callDurationSeconds ?? 0) / 60) : undefined,
      SipResponseCode: terminal ? extras.sipResponseCode : undefined,
      RecordingUrl: extras.recording?.url,
      RecordingSid: extras.recording?.sid,
      RecordingDuration: extras.recording?.durationSeconds,
      StirStatus: event === 'ringing' || event === 'answered' ? extras.stirStatus : undefined,
    });
    return this.sender.enqueue(this.target, body);
  }
}

export interface RecordingStatusParams {
  accountSid: string;
  callSid: string;
  recordingSid: string;
  recordingUrl: string;
  status: RecordingStatusEvent;
  durationSeconds: number | null;
  channels: 1 | 2;
  startTime: number;
  source: 'RecordVerb' | 'DialVerb' | 'OutboundAPI' | 'Conference' | 'Trunking' | 'StartCallRecordingAPI';
}

/** Reference §2.4: the recording status callback body. */
export function recordingStatusParams(p: RecordingStatusParams): WebhookParams {
  return toWebhookParams({
    AccountSid: p.accountSid,
    CallSid: p.callSid,
    RecordingSid: p.recordingSid,
    RecordingUrl: p.recordingUrl,
    RecordingStatus: p.status,
    RecordingDuration: p.durationSeconds ?? undefined,
    RecordingChannels: p.channels,
    RecordingStartTime: rfc2822(p.startTime),
    RecordingSource: p.source,
  });
}

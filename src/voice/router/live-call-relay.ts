/**
 * Live control across a cluster (DESIGN "Scale-out"): each node owns the calls whose SIP dialogs it holds, and a REST
 * update that reaches another node travels over the bus to the owner.
 *
 * `update` asks this node's holders first (inbound calls, `<Dial>` legs, outbound-api calls). When none holds the
 * call, it publishes the change on `call.control`; every other node asks its own holders and answers on the asking
 * node's reply topic. The bus says how many nodes received the request, so the relay waits for exactly that many
 * answers: `updated` from the owner settles it at once, and when every node has said `not-live` the call is live
 * nowhere. On the in-process bus there is no other node and nothing to wait for.
 */
import { randomUUID } from 'node:crypto';
import type { Bus } from '../../bus/index.js';
import type { Clock, Logger, TimerHandle } from '../../core/index.js';
import type { LiveCallChange, LiveCallControl } from './call-router.js';

export interface LiveCallRelayOptions {
  /** This node's holders of live calls, asked in order. */
  holders: readonly LiveCallControl[];
  bus: Bus;
  clock: Clock;
  logger: Logger;
  /**
   * How long to wait for the other nodes' answers (default 10 s) before taking the call as live nowhere: only a node
   * that dies between receiving a request and answering it makes the relay wait that long.
   */
  answerTimeoutMs?: number;
}

const REQUEST_TOPIC = 'call.control';

type Outcome = 'updated' | 'not-live';

interface ControlRequest {
  id: string;
  replyTo: string;
  accountSid: string;
  callSid: string;
  change: LiveCallChange;
}

interface ControlAnswer {
  id: string;
  outcome: Outcome | 'failed';
  message?: string;
}

interface Pending {
  answers: number;
  /** Set once the bus has said how many nodes received the request (an answer may arrive before that). */
  expected: number | undefined;
  settle: (outcome: Outcome | Error) => void;
}

export class LiveCallRelay implements LiveCallControl {
  /** This node's reply topic: an address for answers, not an identity, so it is new on every start. */
  private readonly replyTo = `${REQUEST_TOPIC}.reply.${randomUUID()}`;
  private readonly pending = new Map<string, Pending>();
  private readonly unsubscribes: Array<() => void> = [];
  private readonly answerTimeoutMs: number;

  constructor(private readonly options: LiveCallRelayOptions) {
    this.answerTimeoutMs = options.answerTimeoutMs ?? 10_000;
  }

  /** Subscribes to requests from other nodes and to this node's answers. */
  async start(): Promise<void> {
    const { bus } = this.options;
    this.unsubscribes.push(await bus.subscribe(this.replyTo, (payload) => this.onAnswer(payload)));
    this.unsubscribes.push(await bus.subscribe(REQUEST_TOPIC, (payload) => this.onRequest(payload)));
  }

  /** Stops serving other nodes; requests still waiting for answers end as `not-live`. */
  close(): void {
    for (const unsubscribe of this.unsubscribes.splice(0)) unsubscribe();
    for (const pending of [...this.pending.values()]) pending.settle('not-live');
  }

  async update(accountSid: string, callSid: string, change: LiveCallChange): Promise<Outcome> {
    if ((await this.updateHere(accountSid, callSid, change)) === 'updated') return 'updated';
    return this.askOtherNodes({ id: randomUUID(), replyTo: this.replyTo, accountSid, callSid, change });
  }

  private async updateHere(accountSid: string, callSid: string, change: LiveCallChange): Promise<Outcome> {
    for (const holder of this.options.holders) {
      if ((await holder.update(accountSid, callSid, change)) === 'updated') return 'updated';
    }
    return 'not-live';
  }

  private async askOtherNodes(request: ControlRequest): Promise<Outcome> {
    const { clock } = this.options;
    let timer: TimerHandle | undefined;
    const outcome = new Promise<Outcome>((resolve, reject) => {
      const settle = (result: Outcome | Error) => {
        if (!this.pending.delete(request.id)) return;
        clock.clearTimeout(timer);
        if (result instanceof Error) reject(result);
        else resolve(result);
      };
      this.pending.set(request.id, { answers: 0, expected: undefined, settle });
      timer = clock.setTimeout(() => settle('not-live'), this.answerTimeoutMs);
    });
    try {
      // This node receives its own request too (and ignores it): the others are everyone but one.
      const received = await this.options.bus.publish(REQUEST_TOPIC, request);
      const pending = this.pending.get(request.id);
      if (pending) {
        pending.expected = Math.max(0, received - 1);
        if (pending.answers >= pending.expected) pending.settle('not-live');
      }
    } catch (err) {
      this.pending.get(request.id)?.settle(err instanceof Error ? err : new Error(String(err)));
    }
    return outcome;
  }

  private onRequest(payload: unknown): void {
    if (!isControlRequest(payload) || payload.replyTo === this.replyTo) return;
    const answer = (outcome: ControlAnswer['outcome'], message?: string) => {
      const reply: ControlAnswer = { id: payload.id, outcome, ...(message === undefined ? {} : { message }) };
      this.options.bus.publish(payload.replyTo, reply).catch((err: unknown) => {
        this.options.logger.warn({ err, callSid: payload.callSid }, 'live control answer not published');
      });
    };
    this.updateHere(payload.accountSid, payload.callSid, payload.change).then(
      (outcome) => answer(outcome),
      (err: unknown) => {
        this.options.logger.error({ err, callSid: payload.callSid }, 'live control from another node failed');
        answer('failed', err instanceof Error ? err.message : String(err));
      },
    );
  }

  private onAnswer(payload: unknown): void {
    if (!isControlAnswer(payload)) return;
    const pending = this.pending.get(payload.id);
    if (!pending) return;
    if (payload.outcome === 'updated') return pending.settle('updated');
    if (payload.outcome === 'failed') return pending.settle(new Error(`live control failed on the node holding the call: ${payload.message ?? 'unknown error'}`));
    pending.answers++;
    if (pending.expected !== undefined && pending.answers >= pending.expected) pending.settle('not-live');
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

function isControlRequest(value: unknown): value is ControlRequest {
  return isRecord(value) && typeof value.id === 'string' && typeof value.replyTo === 'string'
    && typeof value.accountSid === 'string' && typeof value.callSid === 'string' && isLiveCallChange(value.change);
}

function isLiveCallChange(value: unknown): value is LiveCallChange {
  if (!isRecord(value)) return false;
  if (value.kind === 'status') return value.status === 'completed' || value.status === 'canceled';
  if (value.kind !== 'redirect' || !isRecord(value.source)) return false;
  const source = value.source;
  return source.kind === 'twiml' ? typeof source.twiml === 'string'
    : source.kind === 'url' && typeof source.url === 'string' && (source.method === 'GET' || source.method === 'POST');
}

function isControlAnswer(value: unknown): value is ControlAnswer {
  return isRecord(value) && typeof value.id === 'string'
    && (value.outcome === 'updated' || value.outcome === 'not-live' || value.outcome === 'failed');
}

import type { FastifyPluginAsync } from 'fastify';
import { ErrorCode, TwilioError, formatNumber, notFound, rfc2822, rfc2822OrNull } from '../../core/index.js';
import type { Call, CallStatus } from '../../store/index.js';
import { type ApiContext, accountPath } from '../context.js';
import { asForm } from '../form.js';
import { listEnvelope, listSchema, readListRequest } from '../paging.js';
import { Params } from '../params.js';
import { readCallCreate } from './call-create.js';

export function serializeCall(c: Call): Record<string, unknown> {
  const base = `${accountPath(c.accountSid)}/Calls/${c.sid}`;
  return {
    sid: c.sid,
    date_created: rfc2822(c.dateCreated),
    date_updated: rfc2822(c.dateUpdated),
    parent_call_sid: c.parentCallSid,
    account_sid: c.accountSid,
    to: c.to,
    to_formatted: formatNumber(c.to),
    from: c.from,
    from_formatted: formatNumber(c.from),
    phone_number_sid: c.phoneNumberSid,
    // `initiated` is a webhook-only status; the Call resource shows such a call as `queued` (OpenAPI call_enum_status).
    status: c.status === 'initiated' ? 'queued' : c.status,
    start_time: rfc2822OrNull(c.startTime),
    end_time: rfc2822OrNull(c.endTime),
    duration: c.duration === null ? null : String(c.duration),
    price: c.price,
    price_unit: c.priceUnit,
    direction: c.direction,
    answered_by: c.answeredBy,
    api_version: c.apiVersion,
    forwarded_from: c.forwardedFrom,
    group_sid: c.groupSid,
    caller_name: c.callerName,
    queue_time: String(c.queueTime),
    trunk_sid: c.trunkSid,
    uri: `${base}.json`,
    subresource_uris: {
      feedback: `${base}/Feedback.json`,
      notifications: `${base}/Notifications.json`,
      recordings: `${base}/Recordings.json`,
      streams: `${base}/Streams.json`,
      payments: `${base}/Payments.json`,
      user_defined_message_subscriptions: `${base}/UserDefinedMessageSubscriptions.json`,
      user_defined_messages: `${base}/UserDefinedMessages.json`,
      events: `${base}/Events.json`,
      siprec: `${base}/Siprec.json`,
      transcriptions: `${base}/Transcriptions.json`,
    },
  };
}

const text = { type: 'string' } as const;
const nullable = { type: 'string', nullable: true } as const;
// SIDs, RFC 2822 dates, digits and the paths built from them: Patchbay writes every character of these itself, and
// none of them needs escaping, so fast-json-stringify copies them without scanning each for quotes and controls.
const own = { type: 'string', format: 'unsafe' } as const;
const ownNullable = { type: 'string', format: 'unsafe', nullable: true } as const;

/**
 * What `serializeCall` writes, as Twilio's OpenAPI `api.v2010.account.call` types it. Fastify serializes a Call with
 * it (fast-json-stringify) rather than JSON.stringify: a Call fetch is the API's busiest request and this is
 * several microseconds cheaper. A field missing here would be dropped from the JSON; a test compares the two.
 */
const callSchema = {
  type: 'object',
  properties: {
    sid: own, date_created: own, date_updated: own, parent_call_sid: ownNullable, account_sid: own, to: text,
    to_formatted: text, from: text, from_formatted: text, phone_number_sid: ownNullable, status: text,
    start_time: ownNullable, end_time: ownNullable, duration: ownNullable, price: nullable, price_unit: text,
    direction: text, answered_by: nullable, api_version: text, forwarded_from: nullable, group_sid: ownNullable,
    caller_name: nullable, queue_time: own, trunk_sid: ownNullable, uri: own,
    subresource_uris: {
      type: 'object',
      properties: {
        feedback: own, notifications: own, recordings: own, streams: own, payments: own,
        user_defined_message_subscriptions: own, user_defined_messages: own, events: own, siprec: own,
        transcriptions: own,
      },
    },
  },
} as const;
const one = { schema: { response: { 200: callSchema, 201: callSchema } } };

const STATUSES: readonly CallStatus[] = ['queued', 'initiated', 'ringing', 'in-progress', 'completed', 'busy', 'failed', 'no-answer', 'canceled'];
const LIVE = new Set<CallStatus>(['queued', 'initiated', 'ringing', 'in-progress']);

type SidParams = { AccountSid: string; Sid: string };

/**
 * `/Calls.json`: the call records — listing, fetching, deleting — and the REST side of creating and controlling
 * calls, which the voice services carry out (`ctx.originate`, `ctx.liveCalls`).
 */
export function callsResource(ctx: ApiContext): FastifyPluginAsync {
  return async (app) => {
    const instancePath = (a: string, s: string) => `${accountPath(a)}/Calls/${s}.json`;

    app.get('/Accounts/:AccountSid/Calls.json', { schema: { response: { 200: listSchema('calls', callSchema) } } }, async (request) => {
      const query = asForm(request.query);
      const params = new Params(query);
      const list = readListRequest(query);
      const page = await ctx.store.calls.list(
        request.account!.sid,
        {
          to: params.string('To'),
          from: params.string('From'),
          parentCallSid: params.string('ParentCallSid'),
          status: params.oneOf('Status', STATUSES),
          startTime: params.timeRange('StartTime'),
          endTime: params.timeRange('EndTime'),
        },
        list,
      );
      return listEnvelope('calls', `${accountPath(request.account!.sid)}/Calls.json`, query, list, page, serializeCall);
    });

    // Reference §1.2 Calls create: the record (`queued`, `outbound-api`) is durable and queued before the 201.
    app.post('/Accounts/:AccountSid/Calls.json', one, async (request, reply) => {
      const create = readCallCreate(request.form);
      if (!ctx.originate) throw new TwilioError(ErrorCode.CallCreateError, 400, 'Outbound calls are not available: no voice service runs');
      if (create.source.kind === 'application' && !(await ctx.store.applications.getOwned(request.account!.sid, create.source.applicationSid))) {
        throw new TwilioError(ErrorCode.CallCreateError, 400, `ApplicationSid ${create.source.applicationSid} is not an application of this account`);
      }
      const call = await ctx.originate.create(request.account!, create);
      return reply.code(201).send(serializeCall(call));
    });

    app.get<{ Params: SidParams }>('/Accounts/:AccountSid/Calls/:Sid.json', one, async (request) => {
      const call = await ctx.store.calls.getOwned(request.account!.sid, request.params.Sid);
      if (!call) throw notFound(instancePath(request.account!.sid, request.params.Sid));
      return serializeCall(call);
    });

    // Live control (reference §1.2 Calls update): `Url`/`Method` or `Twiml` redirect the live call at once (the
    // current verb stops); `Status=completed` hangs it up, `Status=canceled` refuses it while still ringing.
    app.post<{ Params: SidParams }>('/Accounts/:AccountSid/Calls/:Sid.json', one, async (request) => {
      const account = request.account!;
      const call = await ctx.store.calls.getOwned(account.sid, request.params.Sid);
      if (!call) throw notFound(instancePath(account.sid, request.params.Sid));
      const params = new Params(request.form);
      const url = params.url('Url');
      const method: 'GET' | 'POST' = params.method('Method') === 'GET' ? 'GET' : 'POST';
      const twiml = params.string('Twiml');
      const status = params.oneOf('Status', ['completed', 'canceled'] as const);
      const live = ctx.liveCalls;
      const notLive = () => new TwilioError(ErrorCode.InvalidCallState, 400, LIVE.has(call.status)
        ? `Call ${call.sid} is ${call.status} in its record, but no running node holds it`
        : `Call ${call.sid} is ${call.status}: only a call in progress can be modified`);
      if (status !== undefined) {
        // `canceled` "will not affect calls already in progress" (reference §1.2): the call is returned unchanged.
        if (!LIVE.has(call.status)) throw notLive();
        if (!live || (await live.update(account.sid, call.sid, { kind: 'status', status })) === 'not-live') throw notLive();
      } else if (url || (twiml !== undefined && twiml !== '')) {
        const source = url ? { kind: 'url' as const, url, method } : { kind: 'twiml' as const, twiml: twiml! };
        if (!LIVE.has(call.status) || !live || (await live.update(account.sid, call.sid, { kind: 'redirect', source })) === 'not-live') {
          throw notLive();
        }
      }
      const updated = await ctx.store.calls.getOwned(account.sid, call.sid);
      return serializeCall(updated ?? call);
    });

    app.delete<{ Params: SidParams }>('/Accounts/:AccountSid/Calls/:Sid.json', async (request, reply) => {
      const call = await ctx.store.calls.getOwned(request.account!.sid, request.params.Sid);
      if (!call) throw notFound(instancePath(request.account!.sid, request.params.Sid));
      // A live call's record is still being written; Twilio only deletes calls that have ended.
      if (LIVE.has(call.status)) {
        throw new TwilioError(ErrorCode.InvalidCallState, 400, `Call ${call.sid} is ${call.status}; only ended calls can be deleted`);
      }
      await ctx.store.calls.delete(call.sid);
      return reply.code(204).send();
    });
  };
}

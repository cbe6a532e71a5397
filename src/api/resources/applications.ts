import type { FastifyPluginAsync } from 'fastify';
import { ErrorCode, invalidParameter, newSid, notFound, rfc2822 } from '../../core/index.js';
import type { Application } from '../../store/index.js';
import { type ApiContext, accountPath } from '../context.js';
import { asForm } from '../form.js';
import { listEnvelope, readListRequest } from '../paging.js';
import { Params } from '../params.js';
import { ENDPOINT_DEFAULTS, readEndpointConfig } from './endpoint-config.js';

export function serializeApplication(a: Application): Record<string, unknown> {
  return {
    account_sid: a.accountSid,
    api_version: a.apiVersion,
    date_created: rfc2822(a.dateCreated),
    date_updated: rfc2822(a.dateUpdated),
    friendly_name: a.friendlyName,
    message_status_callback: a.messageStatusCallback,
    sid: a.sid,
    sms_fallback_method: a.smsFallbackMethod,
    sms_fallback_url: a.smsFallbackUrl,
    sms_method: a.smsMethod,
    sms_status_callback: a.smsStatusCallback,
    sms_url: a.smsUrl,
    status_callback: a.statusCallback,
    status_callback_method: a.statusCallbackMethod,
    uri: `${accountPath(a.accountSid)}/Applications/${a.sid}.json`,
    voice_caller_id_lookup: a.voiceCallerIdLookup === 1,
    voice_fallback_method: a.voiceFallbackMethod,
    voice_fallback_url: a.voiceFallbackUrl,
    voice_method: a.voiceMethod,
    voice_url: a.voiceUrl,
    public_application_connect_enabled: a.publicApplicationConnectEnabled === 1,
  };
}

function readApplication(params: Params): Partial<Application> {
  const connect = params.boolean('PublicApplicationConnectEnabled');
  const friendlyName = params.string('FriendlyName');
  if (friendlyName !== undefined && friendlyName.length > 64) {
    throw invalidParameter(ErrorCode.InvalidParameter, 'FriendlyName must be at most 64 characters');
  }
  const patch: Partial<Application> = {
    ...readEndpointConfig(params),
    smsStatusCallback: params.url('SmsStatusCallback'),
    messageStatusCallback: params.url('MessageStatusCallback'),
    publicApplicationConnectEnabled: connect === undefined ? undefined : connect ? 1 : 0,
  };
  return Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined)) as Partial<Application>;
}

type SidParams = { AccountSid: string; Sid: string };

/** `/Applications.json`: reusable voice and messaging configurations (TwiML apps). */
export function applicationsResource(ctx: ApiContext): FastifyPluginAsync {
  return async (app) => {
    const instancePath = (a: string, s: string) => `${accountPath(a)}/Applications/${s}.json`;

    app.get('/Accounts/:AccountSid/Applications.json', async (request) => {
      const query = asForm(request.query);
      const list = readListRequest(query);
      const page = await ctx.store.applications.list(request.account!.sid, { friendlyName: new Params(query).string('FriendlyName') }, list);
      return listEnvelope('applications', `${accountPath(request.account!.sid)}/Applications.json`, query, list, page, serializeApplication);
    });

    app.post('/Accounts/:AccountSid/Applications.json', async (request, reply) => {
      const now = ctx.clock.now();
      const row: Application = {
        ...ENDPOINT_DEFAULTS,
        sid: newSid('AP'),
        accountSid: request.account!.sid,
        friendlyName: '',
        smsStatusCallback: null,
        messageStatusCallback: null,
        publicApplicationConnectEnabled: 1,
        dateCreated: now,
        dateUpdated: now,
        ...readApplication(new Params(request.form)),
      };
      return reply.code(201).send(serializeApplication(await ctx.store.applications.create(row)));
    });

    app.get<{ Params: SidParams }>('/Accounts/:AccountSid/Applications/:Sid.json', async (request) => {
      const a = await ctx.store.applications.getOwned(request.account!.sid, request.params.Sid);
      if (!a) throw notFound(instancePath(request.account!.sid, request.params.Sid));
      return serializeApplication(a);
    });

    app.post<{ Params: SidParams }>('/Accounts/:AccountSid/Applications/:Sid.json', async (request) => {
      const a = await ctx.store.applications.getOwned(request.account!.sid, request.params.Sid);
      if (!a) throw notFound(instancePath(request.account!.sid, request.params.Sid));
      const updated = await ctx.store.applications.update(a.sid, { ...readApplication(new Params(request.form)), dateUpdated: ctx.clock.now() });
      return serializeApplication(updated!);
    });

    app.delete<{ Params: SidParams }>('/Accounts/:AccountSid/Applications/:Sid.json', async (request, reply) => {
      const a = await ctx.store.applications.getOwned(request.account!.sid, request.params.Sid);
      if (!a) throw notFound(instancePath(request.account!.sid, request.params.Sid));
      await ctx.store.applications.delete(a.sid);
      return reply.code(204).send();
    });
  };
}

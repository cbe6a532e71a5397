import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { ErrorCode, invalidParameter, newSid, notFound } from '../../core/index.js';
import type { ByocTrunk } from '../../store/index.js';
import type { ApiContext } from '../context.js';
import { asForm } from '../form.js';
import { readListRequest } from '../paging.js';
import { Params } from '../params.js';
import { V1_PREFIX, iso8601, v1ListEnvelope } from '../v1.js';
import { friendlyName } from './sip-validation.js';

export function serializeByocTrunk(t: ByocTrunk, publicUrl: string): Record<string, unknown> {
  return {
    account_sid: t.accountSid,
    sid: t.sid,
    friendly_name: t.friendlyName,
    voice_url: t.voiceUrl,
    voice_method: t.voiceMethod,
    voice_fallback_method: t.voiceFallbackMethod,
    voice_fallback_url: t.voiceFallbackUrl,
    status_callback_method: t.statusCallbackMethod,
    status_callback_url: t.statusCallbackUrl,
    cnam_lookup_enabled: t.cnamLookupEnabled === 1,
    connection_policy_sid: t.connectionPolicySid,
    from_domain_sid: t.fromDomainSid,
    date_created: iso8601(t.dateCreated),
    date_updated: iso8601(t.dateUpdated),
    url: `${publicUrl}${V1_PREFIX}/ByocTrunks/${t.sid}`,
  };
}

type TrunkPatch = Partial<Omit<ByocTrunk, 'sid' | 'accountSid' | 'dateCreated'>> & { sipAuthPassword?: string | null };

/**
 * The carrier's digest credentials, a Patchbay extension (Twilio's Voice v1 API has no field for them):
 * `SipAuthUsername` and `SipAuthPassword`, write-only. An empty `SipAuthUsername` clears both. They must fit a
 * digest `username`/`password` (RFC 3261 §25.1 quoted-string, no control characters).
 */
function readCarrierCredentials(params: Params): Pick<TrunkPatch, 'sipAuthUsername' | 'sipAuthPassword'> {
  const username = params.string('SipAuthUsername');
  const password = params.string('SipAuthPassword');
  if (username === '') return { sipAuthUsername: null, sipAuthPassword: null };
  const printable = /^[\x20-\x7e]{1,128}$/;
  if (username !== undefined && !/^[\x21\x23-\x5b\x5d-\x7e]{1,128}$/.test(username)) {
    throw invalidParameter(ErrorCode.InvalidParameter, 'SipAuthUsername must be 1 to 128 printable characters without quotes or backslashes');
  }
  if (password !== undefined && !printable.test(password)) {
    throw invalidParameter(ErrorCode.InvalidParameter, 'SipAuthPassword must be 1 to 128 printable characters');
  }
  return { sipAuthUsername: username, sipAuthPassword: password };
}

/** `/v1/ByocTrunks`: a customer's own carrier, reached through a connection policy (Twilio Voice v1). */
export function byocTrunksResource(ctx: ApiContext): FastifyPluginAsync {
  return async (app) => {
    const instancePath = (sid: string) => `${V1_PREFIX}/ByocTrunks/${sid}`;

    async function read(request: FastifyRequest): Promise<TrunkPatch> {
      const account = request.account!.sid;
      const params = new Params(request.form);
      const code = ErrorCode.InvalidParameter;
      const cnam = params.boolean('CnamLookupEnabled');
      const patch: TrunkPatch = {
        friendlyName: friendlyName(params, false, code, 255),
        voiceUrl: params.url('VoiceUrl', code),
        voiceMethod: params.method('VoiceMethod'),
        voiceFallbackUrl: params.url('VoiceFallbackUrl', code),
        voiceFallbackMethod: params.method('VoiceFallbackMethod'),
        statusCallbackUrl: params.url('StatusCallbackUrl', code),
        statusCallbackMethod: params.method('StatusCallbackMethod'),
        cnamLookupEnabled: cnam === undefined ? undefined : cnam ? 1 : 0,
        ...readCarrierCredentials(params),
      };
      // An empty reference clears it; otherwise it must name a resource of the same account.
      if (params.string('ConnectionPolicySid') === '') patch.connectionPolicySid = null;
      const policySid = params.sid('ConnectionPolicySid', 'NY');
      if (policySid !== undefined) {
        if (!(await ctx.store.connectionPolicies.getOwned(account, policySid))) {
          throw invalidParameter(code, `ConnectionPolicySid ${policySid} was not found`);
        }
        patch.connectionPolicySid = policySid;
      }
      if (params.string('FromDomainSid') === '') patch.fromDomainSid = null;
      const domainSid = params.sid('FromDomainSid', 'SD');
      if (domainSid !== undefined) {
        if (!(await ctx.store.sipDomains.getOwned(account, domainSid))) throw invalidParameter(code, `FromDomainSid ${domainSid} was not found`);
        patch.fromDomainSid = domainSid;
      }
      return Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined)) as TrunkPatch;
    }

    async function owned(request: FastifyRequest<{ Params: { Sid: string } }>): Promise<ByocTrunk> {
      const t = await ctx.store.byocTrunks.findOwned(request.account!.sid, request.params.Sid);
      if (!t) throw notFound(instancePath(request.params.Sid));
      return t;
    }

    app.get('/ByocTrunks', async (request) => {
      const query = asForm(request.query);
      const list = readListRequest(query);
      const page = await ctx.store.byocTrunks.list(request.account!.sid, list);
      return v1ListEnvelope('byoc_trunks', ctx.publicUrl, `${V1_PREFIX}/ByocTrunks`, query, list, page, (t) => serializeByocTrunk(t, ctx.publicUrl));
    });

    app.post('/ByocTrunks', async (request, reply) => {
      const patch = await read(request);
      const now = ctx.clock.now();
      const created = await ctx.store.byocTrunks.create({
        sid: newSid('BY'),
        accountSid: request.account!.sid,
        friendlyName: null,
        voiceUrl: null,
        voiceMethod: 'POST',
        voiceFallbackUrl: null,
        voiceFallbackMethod: 'POST',
        statusCallbackUrl: null,
        statusCallbackMethod: 'POST',
        cnamLookupEnabled: 0,
        connectionPolicySid: null,
        fromDomainSid: null,
        sipAuthUsername: null,
        ...patch,
        dateCreated: now,
        dateUpdated: now,
      });
      return reply.code(201).send(serializeByocTrunk(created, ctx.publicUrl));
    });

    app.get<{ Params: { Sid: string } }>('/ByocTrunks/:Sid', async (request) => serializeByocTrunk(await owned(request), ctx.publicUrl));

    app.post<{ Params: { Sid: string } }>('/ByocTrunks/:Sid', async (request) => {
      const t = await owned(request);
      const updated = await ctx.store.byocTrunks.change(t.sid, { ...(await read(request)), dateUpdated: ctx.clock.now() });
      return serializeByocTrunk(updated!, ctx.publicUrl);
    });

    app.delete<{ Params: { Sid: string } }>('/ByocTrunks/:Sid', async (request, reply) => {
      const t = await owned(request);
      await ctx.store.byocTrunks.delete(t.sid);
      return reply.code(204).send();
    });
  };
}

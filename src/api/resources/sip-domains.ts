import type { FastifyPluginAsync } from 'fastify';
import { invalidParameter, newSid, notFound, rfc2822 } from '../../core/index.js';
import { DomainNameTakenError, type SipDomain, type SipMappingKind, type Store } from '../../store/index.js';
import { type ApiContext, accountPath } from '../context.js';
import { asForm } from '../form.js';
import { listEnvelope, readListRequest } from '../paging.js';
import { Params } from '../params.js';
import { SipErrorCode, domainName, friendlyName } from './sip-validation.js';

const bool = (n: number) => n === 1;

/**
 * `auth_type`: which kinds of call authentication are mapped (Twilio: "IP_ACL", "CREDENTIAL_LIST", or both
 * comma-separated; empty when none, and then the domain accepts no calls). Lists mapped only for registrations do
 * not authenticate calls, so they do not count.
 */
export function authType(kinds: readonly SipMappingKind[]): string {
  const types: string[] = [];
  if (kinds.includes('ip-acl') || kinds.includes('calls-ip-acl')) types.push('IP_ACL');
  if (kinds.includes('credential-list') || kinds.includes('calls-credential-list')) types.push('CREDENTIAL_LIST');
  return types.join(',');
}

export function serializeSipDomain(d: SipDomain, kinds: readonly SipMappingKind[]): Record<string, unknown> {
  const base = `${accountPath(d.accountSid)}/SIP/Domains/${d.sid}`;
  return {
    account_sid: d.accountSid,
    api_version: d.apiVersion,
    auth_type: authType(kinds),
    date_created: rfc2822(d.dateCreated),
    date_updated: rfc2822(d.dateUpdated),
    domain_name: d.domainName,
    friendly_name: d.friendlyName,
    sid: d.sid,
    uri: `${base}.json`,
    voice_fallback_method: d.voiceFallbackMethod,
    voice_fallback_url: d.voiceFallbackUrl,
    voice_method: d.voiceMethod,
    voice_status_callback_method: d.voiceStatusCallbackMethod,
    voice_status_callback_url: d.voiceStatusCallbackUrl,
    voice_url: d.voiceUrl,
    subresource_uris: {
      ip_access_control_list_mappings: `${base}/IpAccessControlListMappings.json`,
      credential_list_mappings: `${base}/CredentialListMappings.json`,
    },
    sip_registration: bool(d.sipRegistration),
    emergency_calling_enabled: bool(d.emergencyCallingEnabled),
    secure: bool(d.secure),
    byoc_trunk_sid: d.byocTrunkSid,
    emergency_caller_sid: d.emergencyCallerSid,
  };
}

function readDomain(params: Params): Partial<SipDomain> {
  const flag = (name: string) => {
    const v = params.boolean(name);
    return v === undefined ? undefined : v ? 1 : 0;
  };
  const optionalSid = (name: string, prefix: string) => (params.has(name) ? params.sid(name, prefix) ?? null : undefined);
  const name = params.string('DomainName');
  if (name === '') throw invalidParameter(SipErrorCode.InvalidDomain, 'DomainName cannot be empty');
  const patch: Partial<SipDomain> = {
    domainName: name === undefined ? undefined : domainName(name),
    friendlyName: friendlyName(params, false),
    voiceUrl: params.url('VoiceUrl'),
    voiceMethod: params.method('VoiceMethod'),
    voiceFallbackUrl: params.url('VoiceFallbackUrl'),
    voiceFallbackMethod: params.method('VoiceFallbackMethod'),
    voiceStatusCallbackUrl: params.url('VoiceStatusCallbackUrl'),
    voiceStatusCallbackMethod: params.method('VoiceStatusCallbackMethod'),
    sipRegistration: flag('SipRegistration'),
    emergencyCallingEnabled: flag('EmergencyCallingEnabled'),
    secure: flag('Secure'),
    byocTrunkSid: optionalSid('ByocTrunkSid', 'BY'),
    emergencyCallerSid: optionalSid('EmergencyCallerSid', 'PN'),
  };
  return Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined)) as Partial<SipDomain>;
}

function taken(err: unknown): never {
  if (err instanceof DomainNameTakenError) {
    throw invalidParameter(SipErrorCode.InvalidDomain, `DomainName ${err.domainName} is already in use`);
  }
  throw err;
}

type SidParams = { AccountSid: string; Sid: string };

export async function serializeWithAuth(store: Store, d: SipDomain): Promise<Record<string, unknown>> {
  return serializeSipDomain(d, await store.sipDomainMappings.kindsOf(d.sid));
}

/**
 * `/SIP/Domains.json`: host names SIP requests are addressed to. A name is unique on the whole server, because a
 * REGISTER or INVITE names only the host; the domain name is also the digest realm its endpoints authenticate in.
 */
export function sipDomainsResource(ctx: ApiContext): FastifyPluginAsync {
  return async (app) => {
    const listPath = (a: string) => `${accountPath(a)}/SIP/Domains.json`;
    const instancePath = (a: string, s: string) => `${accountPath(a)}/SIP/Domains/${s}.json`;

    app.get('/Accounts/:AccountSid/SIP/Domains.json', async (request) => {
      const query = asForm(request.query);
      const list = readListRequest(query);
      const page = await ctx.store.sipDomains.list(request.account!.sid, list);
      const kinds = await ctx.store.sipDomainMappings.kindsOfMany(page.items.map((d) => d.sid));
      return listEnvelope('domains', listPath(request.account!.sid), query, list, page, (d) => serializeSipDomain(d, kinds.get(d.sid) ?? []));
    });

    app.post('/Accounts/:AccountSid/SIP/Domains.json', async (request, reply) => {
      const params = new Params(request.form);
      params.required('DomainName', SipErrorCode.InvalidDomain);
      const now = ctx.clock.now();
      const patch = readDomain(params);
      const row: SipDomain = {
        sid: newSid('SD'),
        accountSid: request.account!.sid,
        domainName: patch.domainName!,
        friendlyName: '',
        apiVersion: '2010-04-01',
        voiceUrl: null,
        voiceMethod: 'POST',
        voiceFallbackUrl: null,
        voiceFallbackMethod: 'POST',
        voiceStatusCallbackUrl: null,
        voiceStatusCallbackMethod: 'POST',
        sipRegistration: 0,
        emergencyCallingEnabled: 0,
        secure: 0,
        byocTrunkSid: null,
        emergencyCallerSid: null,
        dateCreated: now,
        dateUpdated: now,
        ...patch,
      };
      const created = await ctx.store.sipDomains.create(row).catch(taken);
      return reply.code(201).send(serializeSipDomain(created, []));
    });

    app.get<{ Params: SidParams }>('/Accounts/:AccountSid/SIP/Domains/:Sid.json', async (request) => {
      const d = await ctx.store.sipDomains.getOwned(request.account!.sid, request.params.Sid);
      if (!d) throw notFound(instancePath(request.account!.sid, request.params.Sid));
      return serializeWithAuth(ctx.store, d);
    });

    app.post<{ Params: SidParams }>('/Accounts/:AccountSid/SIP/Domains/:Sid.json', async (request) => {
      const d = await ctx.store.sipDomains.getOwned(request.account!.sid, request.params.Sid);
      if (!d) throw notFound(instancePath(request.account!.sid, request.params.Sid));
      const updated = await ctx.store.sipDomains
        .rename(d.sid, { ...readDomain(new Params(request.form)), dateUpdated: ctx.clock.now() })
        .catch(taken);
      return serializeWithAuth(ctx.store, updated!);
    });

    app.delete<{ Params: SidParams }>('/Accounts/:AccountSid/SIP/Domains/:Sid.json', async (request, reply) => {
      const d = await ctx.store.sipDomains.getOwned(request.account!.sid, request.params.Sid);
      if (!d) throw notFound(instancePath(request.account!.sid, request.params.Sid));
      await ctx.store.sipDomains.remove(d.sid);
      return reply.code(204).send();
    });
  };
}

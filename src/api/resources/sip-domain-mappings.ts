import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { invalidParameter, notFound, rfc2822 } from '../../core/index.js';
import { MappingExistsError, type SipDomain, type SipDomainMapping, type SipMappingKind } from '../../store/index.js';
import { type ApiContext, accountPath } from '../context.js';
import { asForm } from '../form.js';
import { listEnvelope, readListRequest } from '../paging.js';
import { Params } from '../params.js';
import { SipErrorCode } from './sip-validation.js';

/** One of the five mapping resources under a domain: where it lives, what it maps and how its list is keyed. */
interface MappingResource {
  kind: SipMappingKind;
  /** Path under `SIP/Domains/{DomainSid}/`, without `.json`. */
  path: string;
  /** The form parameter naming the list, and the SID prefix it must have. */
  param: 'CredentialListSid' | 'IpAccessControlListSid';
  prefix: 'CL' | 'AL';
  listKey: string;
  /** The legacy mappings carry `domain_sid` and `uri`; the `Auth/…` ones do not (per the OpenAPI description). */
  legacy: boolean;
}

const RESOURCES: readonly MappingResource[] = [
  { kind: 'credential-list', path: 'CredentialListMappings', param: 'CredentialListSid', prefix: 'CL', listKey: 'credential_list_mappings', legacy: true },
  { kind: 'ip-acl', path: 'IpAccessControlListMappings', param: 'IpAccessControlListSid', prefix: 'AL', listKey: 'ip_access_control_list_mappings', legacy: true },
  { kind: 'calls-credential-list', path: 'Auth/Calls/CredentialListMappings', param: 'CredentialListSid', prefix: 'CL', listKey: 'contents', legacy: false },
  { kind: 'calls-ip-acl', path: 'Auth/Calls/IpAccessControlListMappings', param: 'IpAccessControlListSid', prefix: 'AL', listKey: 'contents', legacy: false },
  { kind: 'registrations-credential-list', path: 'Auth/Registrations/CredentialListMappings', param: 'CredentialListSid', prefix: 'CL', listKey: 'contents', legacy: false },
];

function serializer(resource: MappingResource) {
  return (m: SipDomainMapping): Record<string, unknown> => {
    const common = {
      account_sid: m.accountSid,
      date_created: rfc2822(m.dateCreated),
      date_updated: rfc2822(m.dateUpdated),
      friendly_name: m.friendlyName,
      sid: m.sid,
    };
    if (!resource.legacy) return common;
    return {
      ...common,
      domain_sid: m.domainSid,
      uri: `${accountPath(m.accountSid)}/SIP/Domains/${m.domainSid}/${resource.path}/${m.sid}.json`,
    };
  };
}

type DomainParams = { AccountSid: string; DomainSid: string };
type SidParams = DomainParams & { Sid: string };

/**
 * The domain mappings: `SIP/Domains/{DomainSid}/CredentialListMappings`, `…/IpAccessControlListMappings` (legacy,
 * they authenticate calls), `…/Auth/Calls/CredentialListMappings`, `…/Auth/Calls/IpAccessControlListMappings` and
 * `…/Auth/Registrations/CredentialListMappings`. A mapping's SID is the mapped list's SID.
 */
export function sipDomainMappingsResource(ctx: ApiContext): FastifyPluginAsync {
  return async (app) => {
    for (const resource of RESOURCES) {
      const serialize = serializer(resource);
      const route = `/Accounts/:AccountSid/SIP/Domains/:DomainSid/${resource.path}`;
      const listPath = (a: string, d: string) => `${accountPath(a)}/SIP/Domains/${d}/${resource.path}.json`;
      const instancePath = (a: string, d: string, s: string) => `${accountPath(a)}/SIP/Domains/${d}/${resource.path}/${s}.json`;

      const ownedDomain = async (request: FastifyRequest<{ Params: DomainParams }>): Promise<SipDomain> => {
        const account = request.account!.sid;
        const d = await ctx.store.sipDomains.getOwned(account, request.params.DomainSid);
        if (!d) throw notFound(`${accountPath(account)}/SIP/Domains/${request.params.DomainSid}.json`);
        return d;
      };

      const ownedList = async (accountSid: string, sid: string): Promise<boolean> =>
        resource.prefix === 'CL'
          ? (await ctx.store.sipCredentialLists.getOwned(accountSid, sid)) !== undefined
          : (await ctx.store.sipIpAccessControlLists.getOwned(accountSid, sid)) !== undefined;

      app.get<{ Params: DomainParams }>(`${route}.json`, async (request) => {
        const d = await ownedDomain(request);
        const query = asForm(request.query);
        const list = readListRequest(query);
        const page = await ctx.store.sipDomainMappings.list(d.sid, resource.kind, list);
        return listEnvelope(resource.listKey, listPath(d.accountSid, d.sid), query, list, page, serialize);
      });

      app.post<{ Params: DomainParams }>(`${route}.json`, async (request, reply) => {
        const d = await ownedDomain(request);
        const params = new Params(request.form);
        params.required(resource.param, SipErrorCode.DomainValidation);
        const listSid = params.sid(resource.param, resource.prefix)!;
        // A list of another account is as unknown here as a list that does not exist.
        if (!(await ownedList(d.accountSid, listSid))) {
          throw invalidParameter(SipErrorCode.DomainValidation, `${resource.param} ${listSid} was not found in this account`);
        }
        const now = ctx.clock.now();
        try {
          const created = await ctx.store.sipDomainMappings.create({
            domainSid: d.sid, kind: resource.kind, sid: listSid, accountSid: d.accountSid, dateCreated: now, dateUpdated: now,
          });
          return await reply.code(201).send(serialize(created));
        } catch (err) {
          if (err instanceof MappingExistsError) throw invalidParameter(SipErrorCode.DomainValidation, `${listSid} is already mapped to this domain`);
          throw err;
        }
      });

      app.get<{ Params: SidParams }>(`${route}/:Sid.json`, async (request) => {
        const d = await ownedDomain(request);
        const m = await ctx.store.sipDomainMappings.find(d.sid, resource.kind, request.params.Sid);
        if (!m) throw notFound(instancePath(d.accountSid, d.sid, request.params.Sid));
        return serialize(m);
      });

      app.delete<{ Params: SidParams }>(`${route}/:Sid.json`, async (request, reply) => {
        const d = await ownedDomain(request);
        if (!(await ctx.store.sipDomainMappings.delete(d.sid, resource.kind, request.params.Sid))) {
          throw notFound(instancePath(d.accountSid, d.sid, request.params.Sid));
        }
        return reply.code(204).send();
      });
    }
  };
}

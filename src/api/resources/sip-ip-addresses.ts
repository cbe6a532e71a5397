import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { newSid, notFound, rfc2822 } from '../../core/index.js';
import type { SipIpAddress } from '../../store/index.js';
import { type ApiContext, accountPath } from '../context.js';
import { asForm } from '../form.js';
import { listEnvelope, readListRequest } from '../paging.js';
import { Params } from '../params.js';
import { friendlyName, ipAddress } from './sip-validation.js';

export function serializeSipIpAddress(a: SipIpAddress): Record<string, unknown> {
  return {
    sid: a.sid,
    account_sid: a.accountSid,
    friendly_name: a.friendlyName,
    ip_address: a.ipAddress,
    cidr_prefix_length: a.cidrPrefixLength,
    ip_access_control_list_sid: a.ipAccessControlListSid,
    date_created: rfc2822(a.dateCreated),
    date_updated: rfc2822(a.dateUpdated),
    uri: `${accountPath(a.accountSid)}/SIP/IpAccessControlLists/${a.ipAccessControlListSid}/IpAddresses/${a.sid}.json`,
  };
}

type ListParams = { AccountSid: string; IpAccessControlListSid: string };
type SidParams = ListParams & { Sid: string };

/** `/SIP/IpAccessControlLists/{IpAccessControlListSid}/IpAddresses.json`: one address or CIDR range each. */
export function sipIpAddressesResource(ctx: ApiContext): FastifyPluginAsync {
  return async (app) => {
    const listPath = (a: string, l: string) => `${accountPath(a)}/SIP/IpAccessControlLists/${l}/IpAddresses.json`;
    const instancePath = (a: string, l: string, s: string) => `${accountPath(a)}/SIP/IpAccessControlLists/${l}/IpAddresses/${s}.json`;

    async function ownedList(request: FastifyRequest<{ Params: ListParams }>): Promise<string> {
      const account = request.account!.sid;
      const l = await ctx.store.sipIpAccessControlLists.getOwned(account, request.params.IpAccessControlListSid);
      if (!l) throw notFound(listPath(account, request.params.IpAccessControlListSid));
      return l.sid;
    }

    async function owned(request: FastifyRequest<{ Params: SidParams }>): Promise<SipIpAddress> {
      const account = request.account!.sid;
      const { IpAccessControlListSid: listSid, Sid } = request.params;
      const a = await ctx.store.sipIpAddresses.findInList(account, listSid, Sid);
      if (!a) throw notFound(instancePath(account, listSid, Sid));
      return a;
    }

    const base = '/Accounts/:AccountSid/SIP/IpAccessControlLists/:IpAccessControlListSid/IpAddresses';

    app.get<{ Params: ListParams }>(`${base}.json`, async (request) => {
      const listSid = await ownedList(request);
      const query = asForm(request.query);
      const list = readListRequest(query);
      const page = await ctx.store.sipIpAddresses.list(listSid, list);
      return listEnvelope('ip_addresses', listPath(request.account!.sid, listSid), query, list, page, serializeSipIpAddress);
    });

    app.post<{ Params: ListParams }>(`${base}.json`, async (request, reply) => {
      const listSid = await ownedList(request);
      const params = new Params(request.form);
      const name = friendlyName(params, true, undefined, 255)!;
      const address = ipAddress(params.required('IpAddress'), params.string('CidrPrefixLength'));
      const now = ctx.clock.now();
      const row = await ctx.store.sipIpAddresses.create({
        sid: newSid('IP'),
        accountSid: request.account!.sid,
        ipAccessControlListSid: listSid,
        friendlyName: name,
        ...address,
        dateCreated: now,
        dateUpdated: now,
      });
      return reply.code(201).send(serializeSipIpAddress(row));
    });

    app.get<{ Params: SidParams }>(`${base}/:Sid.json`, async (request) => serializeSipIpAddress(await owned(request)));

    app.post<{ Params: SidParams }>(`${base}/:Sid.json`, async (request) => {
      const a = await owned(request);
      const params = new Params(request.form);
      const name = friendlyName(params, false, undefined, 255);
      const newAddress = params.string('IpAddress');
      const prefix = params.string('CidrPrefixLength');
      // A new prefix is checked against the address it will apply to (the new one, or the current one).
      const address = newAddress !== undefined || prefix !== undefined
        ? ipAddress(newAddress ?? a.ipAddress, prefix ?? (newAddress !== undefined ? undefined : String(a.cidrPrefixLength)))
        : {};
      const patch = { ...(name !== undefined ? { friendlyName: name } : {}), ...address, dateUpdated: ctx.clock.now() };
      return serializeSipIpAddress((await ctx.store.sipIpAddresses.update(a.sid, patch))!);
    });

    app.delete<{ Params: SidParams }>(`${base}/:Sid.json`, async (request, reply) => {
      const a = await owned(request);
      await ctx.store.sipIpAddresses.delete(a.sid);
      return reply.code(204).send();
    });
  };
}

import type { FastifyPluginAsync } from 'fastify';
import { newSid, notFound, rfc2822 } from '../../core/index.js';
import type { SipIpAccessControlList } from '../../store/index.js';
import { type ApiContext, accountPath } from '../context.js';
import { asForm } from '../form.js';
import { listEnvelope, readListRequest } from '../paging.js';
import { Params } from '../params.js';
import { friendlyName } from './sip-validation.js';

export function serializeSipIpAccessControlList(l: SipIpAccessControlList): Record<string, unknown> {
  const base = `${accountPath(l.accountSid)}/SIP/IpAccessControlLists/${l.sid}`;
  return {
    sid: l.sid,
    account_sid: l.accountSid,
    friendly_name: l.friendlyName,
    date_created: rfc2822(l.dateCreated),
    date_updated: rfc2822(l.dateUpdated),
    subresource_uris: { ip_addresses: `${base}/IpAddresses.json` },
    uri: `${base}.json`,
  };
}

type SidParams = { AccountSid: string; Sid: string };

/** `/SIP/IpAccessControlLists.json`: named sets of addresses and CIDR ranges that domains map to admit calls by source. */
export function sipIpAccessControlListsResource(ctx: ApiContext): FastifyPluginAsync {
  return async (app) => {
    const instancePath = (a: string, s: string) => `${accountPath(a)}/SIP/IpAccessControlLists/${s}.json`;

    app.get('/Accounts/:AccountSid/SIP/IpAccessControlLists.json', async (request) => {
      const query = asForm(request.query);
      const list = readListRequest(query);
      const page = await ctx.store.sipIpAccessControlLists.list(request.account!.sid, list);
      return listEnvelope(
        'ip_access_control_lists', `${accountPath(request.account!.sid)}/SIP/IpAccessControlLists.json`, query, list, page,
        serializeSipIpAccessControlList,
      );
    });

    app.post('/Accounts/:AccountSid/SIP/IpAccessControlLists.json', async (request, reply) => {
      const now = ctx.clock.now();
      const row = await ctx.store.sipIpAccessControlLists.create({
        sid: newSid('AL'),
        accountSid: request.account!.sid,
        friendlyName: friendlyName(new Params(request.form), true, undefined, 255)!,
        dateCreated: now,
        dateUpdated: now,
      });
      return reply.code(201).send(serializeSipIpAccessControlList(row));
    });

    app.get<{ Params: SidParams }>('/Accounts/:AccountSid/SIP/IpAccessControlLists/:Sid.json', async (request) => {
      const l = await ctx.store.sipIpAccessControlLists.getOwned(request.account!.sid, request.params.Sid);
      if (!l) throw notFound(instancePath(request.account!.sid, request.params.Sid));
      return serializeSipIpAccessControlList(l);
    });

    app.post<{ Params: SidParams }>('/Accounts/:AccountSid/SIP/IpAccessControlLists/:Sid.json', async (request) => {
      const l = await ctx.store.sipIpAccessControlLists.getOwned(request.account!.sid, request.params.Sid);
      if (!l) throw notFound(instancePath(request.account!.sid, request.params.Sid));
      const name = friendlyName(new Params(request.form), true, undefined, 255)!;
      return serializeSipIpAccessControlList((await ctx.store.sipIpAccessControlLists.update(l.sid, { friendlyName: name, dateUpdated: ctx.clock.now() }))!);
    });

    app.delete<{ Params: SidParams }>('/Accounts/:AccountSid/SIP/IpAccessControlLists/:Sid.json', async (request, reply) => {
      const l = await ctx.store.sipIpAccessControlLists.getOwned(request.account!.sid, request.params.Sid);
      if (!l) throw notFound(instancePath(request.account!.sid, request.params.Sid));
      await ctx.store.sipIpAccessControlLists.remove(l.sid);
      return reply.code(204).send();
    });
  };
}

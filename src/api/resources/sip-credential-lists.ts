import type { FastifyPluginAsync } from 'fastify';
import { newSid, notFound, rfc2822 } from '../../core/index.js';
import type { SipCredentialList } from '../../store/index.js';
import { type ApiContext, accountPath } from '../context.js';
import { asForm } from '../form.js';
import { listEnvelope, readListRequest } from '../paging.js';
import { Params } from '../params.js';
import { SipErrorCode, friendlyName } from './sip-validation.js';

export function serializeSipCredentialList(l: SipCredentialList): Record<string, unknown> {
  const base = `${accountPath(l.accountSid)}/SIP/CredentialLists/${l.sid}`;
  return {
    account_sid: l.accountSid,
    date_created: rfc2822(l.dateCreated),
    date_updated: rfc2822(l.dateUpdated),
    friendly_name: l.friendlyName,
    sid: l.sid,
    subresource_uris: { credentials: `${base}/Credentials.json` },
    uri: `${base}.json`,
  };
}

type SidParams = { AccountSid: string; Sid: string };

/** `/SIP/CredentialLists.json`: named sets of usernames and passwords that domains map for digest authentication. */
export function sipCredentialListsResource(ctx: ApiContext): FastifyPluginAsync {
  return async (app) => {
    const instancePath = (a: string, s: string) => `${accountPath(a)}/SIP/CredentialLists/${s}.json`;

    app.get('/Accounts/:AccountSid/SIP/CredentialLists.json', async (request) => {
      const query = asForm(request.query);
      const list = readListRequest(query);
      const page = await ctx.store.sipCredentialLists.list(request.account!.sid, list);
      return listEnvelope('credential_lists', `${accountPath(request.account!.sid)}/SIP/CredentialLists.json`, query, list, page, serializeSipCredentialList);
    });

    app.post('/Accounts/:AccountSid/SIP/CredentialLists.json', async (request, reply) => {
      const now = ctx.clock.now();
      const row = await ctx.store.sipCredentialLists.create({
        sid: newSid('CL'),
        accountSid: request.account!.sid,
        friendlyName: friendlyName(new Params(request.form), true, SipErrorCode.CredentialListValidation)!,
        dateCreated: now,
        dateUpdated: now,
      });
      return reply.code(201).send(serializeSipCredentialList(row));
    });

    app.get<{ Params: SidParams }>('/Accounts/:AccountSid/SIP/CredentialLists/:Sid.json', async (request) => {
      const l = await ctx.store.sipCredentialLists.getOwned(request.account!.sid, request.params.Sid);
      if (!l) throw notFound(instancePath(request.account!.sid, request.params.Sid));
      return serializeSipCredentialList(l);
    });

    app.post<{ Params: SidParams }>('/Accounts/:AccountSid/SIP/CredentialLists/:Sid.json', async (request) => {
      const l = await ctx.store.sipCredentialLists.getOwned(request.account!.sid, request.params.Sid);
      if (!l) throw notFound(instancePath(request.account!.sid, request.params.Sid));
      const name = friendlyName(new Params(request.form), true, SipErrorCode.CredentialListValidation)!;
      return serializeSipCredentialList((await ctx.store.sipCredentialLists.update(l.sid, { friendlyName: name, dateUpdated: ctx.clock.now() }))!);
    });

    app.delete<{ Params: SidParams }>('/Accounts/:AccountSid/SIP/CredentialLists/:Sid.json', async (request, reply) => {
      const l = await ctx.store.sipCredentialLists.getOwned(request.account!.sid, request.params.Sid);
      if (!l) throw notFound(instancePath(request.account!.sid, request.params.Sid));
      await ctx.store.sipCredentialLists.remove(l.sid);
      return reply.code(204).send();
    });
  };
}

import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { invalidParameter, newSid, notFound, rfc2822 } from '../../core/index.js';
import { type SipCredential, UsernameTakenError } from '../../store/index.js';
import { type ApiContext, accountPath } from '../context.js';
import { asForm } from '../form.js';
import { listEnvelope, readListRequest } from '../paging.js';
import { Params } from '../params.js';
import { SipErrorCode, credentialPassword, credentialUsername } from './sip-validation.js';

export function serializeSipCredential(c: SipCredential): Record<string, unknown> {
  return {
    sid: c.sid,
    account_sid: c.accountSid,
    credential_list_sid: c.credentialListSid,
    username: c.username,
    date_created: rfc2822(c.dateCreated),
    date_updated: rfc2822(c.dateUpdated),
    uri: `${accountPath(c.accountSid)}/SIP/CredentialLists/${c.credentialListSid}/Credentials/${c.sid}.json`,
  };
}

type ListParams = { AccountSid: string; CredentialListSid: string };
type SidParams = ListParams & { Sid: string };

/**
 * `/SIP/CredentialLists/{CredentialListSid}/Credentials.json`: a username and password per credential. The password
 * is write-only: it is checked against Twilio's strength rule, sealed by the store, and never served.
 */
export function sipCredentialsResource(ctx: ApiContext): FastifyPluginAsync {
  return async (app) => {
    const listPath = (a: string, l: string) => `${accountPath(a)}/SIP/CredentialLists/${l}/Credentials.json`;
    const instancePath = (a: string, l: string, s: string) => `${accountPath(a)}/SIP/CredentialLists/${l}/Credentials/${s}.json`;

    async function ownedList(request: FastifyRequest<{ Params: ListParams }>): Promise<string> {
      const account = request.account!.sid;
      const l = await ctx.store.sipCredentialLists.getOwned(account, request.params.CredentialListSid);
      if (!l) throw notFound(listPath(account, request.params.CredentialListSid));
      return l.sid;
    }

    async function owned(request: FastifyRequest<{ Params: SidParams }>): Promise<SipCredential> {
      const account = request.account!.sid;
      const { CredentialListSid: listSid, Sid } = request.params;
      const c = await ctx.store.sipCredentials.findInList(account, listSid, Sid);
      if (!c) throw notFound(instancePath(account, listSid, Sid));
      return c;
    }

    app.get<{ Params: ListParams }>('/Accounts/:AccountSid/SIP/CredentialLists/:CredentialListSid/Credentials.json', async (request) => {
      const listSid = await ownedList(request);
      const query = asForm(request.query);
      const list = readListRequest(query);
      const page = await ctx.store.sipCredentials.list(listSid, list);
      return listEnvelope('credentials', listPath(request.account!.sid, listSid), query, list, page, serializeSipCredential);
    });

    app.post<{ Params: ListParams }>('/Accounts/:AccountSid/SIP/CredentialLists/:CredentialListSid/Credentials.json', async (request, reply) => {
      const listSid = await ownedList(request);
      const params = new Params(request.form);
      const username = credentialUsername(params);
      const password = credentialPassword(params.required('Password', SipErrorCode.CredentialValidation));
      const now = ctx.clock.now();
      try {
        const created = await ctx.store.sipCredentials.create({
          sid: newSid('CR'),
          accountSid: request.account!.sid,
          credentialListSid: listSid,
          username,
          password,
          dateCreated: now,
          dateUpdated: now,
        });
        return await reply.code(201).send(serializeSipCredential(created));
      } catch (err) {
        if (err instanceof UsernameTakenError) {
          throw invalidParameter(SipErrorCode.CredentialValidation, `Username ${username} already exists in this credential list`);
        }
        throw err;
      }
    });

    app.get<{ Params: SidParams }>('/Accounts/:AccountSid/SIP/CredentialLists/:CredentialListSid/Credentials/:Sid.json', async (request) =>
      serializeSipCredential(await owned(request)),
    );

    app.post<{ Params: SidParams }>('/Accounts/:AccountSid/SIP/CredentialLists/:CredentialListSid/Credentials/:Sid.json', async (request) => {
      const c = await owned(request);
      const password = new Params(request.form).string('Password');
      if (password === undefined) return serializeSipCredential(c);
      return serializeSipCredential((await ctx.store.sipCredentials.changePassword(c.sid, credentialPassword(password), ctx.clock.now()))!);
    });

    app.delete<{ Params: SidParams }>('/Accounts/:AccountSid/SIP/CredentialLists/:CredentialListSid/Credentials/:Sid.json', async (request, reply) => {
      const c = await owned(request);
      await ctx.store.sipCredentials.delete(c.sid);
      return reply.code(204).send();
    });
  };
}

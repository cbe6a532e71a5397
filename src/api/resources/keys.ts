import type { FastifyPluginAsync } from 'fastify';
import { ErrorCode, invalidParameter, notFound, rfc2822 } from '../../core/index.js';
import type { ApiKey } from '../../store/index.js';
import { type ApiContext, accountPath } from '../context.js';
import { asForm } from '../form.js';
import { listEnvelope, readListRequest } from '../paging.js';
import { Params } from '../params.js';

export function serializeKey(k: ApiKey): Record<string, unknown> {
  return { sid: k.sid, friendly_name: k.friendlyName, date_created: rfc2822(k.dateCreated), date_updated: rfc2822(k.dateUpdated) };
}

function friendlyName(params: Params): string | undefined {
  const name = params.string('FriendlyName');
  if (name !== undefined && name.length > 64) throw invalidParameter(ErrorCode.InvalidParameter, 'FriendlyName must be at most 64 characters');
  return name;
}

/** `/Keys.json`: API keys; the secret is shown once, in the creation response, and stored only as a hash. */
export function keysResource(ctx: ApiContext): FastifyPluginAsync {
  return async (app) => {
    const config = { accountCredentialsOnly: true };
    const instancePath = (a: string, s: string) => `${accountPath(a)}/Keys/${s}.json`;

    app.get('/Accounts/:AccountSid/Keys.json', { config }, async (request) => {
      const query = asForm(request.query);
      const list = readListRequest(query);
      const page = await ctx.store.keys.list(request.account!.sid, list);
      return listEnvelope('keys', `${accountPath(request.account!.sid)}/Keys.json`, query, list, page, serializeKey);
    });

    app.post('/Accounts/:AccountSid/Keys.json', { config }, async (request, reply) => {
      const now = ctx.clock.now();
      const { key, secret } = await ctx.store.keys.create({
        accountSid: request.account!.sid,
        friendlyName: friendlyName(new Params(request.form)) ?? '',
        now,
      });
      return reply.code(201).send({ ...serializeKey(key), secret });
    });

    app.get<{ Params: { AccountSid: string; Sid: string } }>('/Accounts/:AccountSid/Keys/:Sid.json', { config }, async (request) => {
      const key = await ctx.store.keys.find(request.account!.sid, request.params.Sid);
      if (!key) throw notFound(instancePath(request.account!.sid, request.params.Sid));
      return serializeKey(key);
    });

    app.post<{ Params: { AccountSid: string; Sid: string } }>('/Accounts/:AccountSid/Keys/:Sid.json', { config }, async (request) => {
      const { Sid } = request.params;
      const key = await ctx.store.keys.find(request.account!.sid, Sid);
      if (!key) throw notFound(instancePath(request.account!.sid, Sid));
      const name = friendlyName(new Params(request.form));
      const updated = name === undefined ? key : await ctx.store.keys.rename(Sid, name, ctx.clock.now());
      return serializeKey(updated!);
    });

    app.delete<{ Params: { AccountSid: string; Sid: string } }>('/Accounts/:AccountSid/Keys/:Sid.json', { config }, async (request, reply) => {
      const { Sid } = request.params;
      if (!(await ctx.store.keys.find(request.account!.sid, Sid))) throw notFound(instancePath(request.account!.sid, Sid));
      await ctx.store.keys.delete(Sid);
      ctx.credentials?.invalidate();
      return reply.code(204).send();
    });
  };
}

import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { ErrorCode, newSid, notFound } from '../../core/index.js';
import type { ConnectionPolicy } from '../../store/index.js';
import type { ApiContext } from '../context.js';
import { asForm } from '../form.js';
import { readListRequest } from '../paging.js';
import { Params } from '../params.js';
import { V1_PREFIX, iso8601, v1ListEnvelope } from '../v1.js';
import { friendlyName } from './sip-validation.js';

export function serializeConnectionPolicy(p: ConnectionPolicy, publicUrl: string): Record<string, unknown> {
  const url = `${publicUrl}${V1_PREFIX}/ConnectionPolicies/${p.sid}`;
  return {
    account_sid: p.accountSid,
    sid: p.sid,
    friendly_name: p.friendlyName,
    date_created: iso8601(p.dateCreated),
    date_updated: iso8601(p.dateUpdated),
    url,
    links: { targets: `${url}/Targets` },
  };
}

/**
 * `/v1/ConnectionPolicies`: the set of SIP entry points (Targets) calls to a customer's infrastructure are sent to.
 * Deleting a policy deletes its targets and detaches the BYOC trunks that used it.
 */
export function connectionPoliciesResource(ctx: ApiContext): FastifyPluginAsync {
  return async (app) => {
    const instancePath = (sid: string) => `${V1_PREFIX}/ConnectionPolicies/${sid}`;
    const serialize = (p: ConnectionPolicy) => serializeConnectionPolicy(p, ctx.publicUrl);

    async function owned(request: FastifyRequest<{ Params: { Sid: string } }>): Promise<ConnectionPolicy> {
      const p = await ctx.store.connectionPolicies.getOwned(request.account!.sid, request.params.Sid);
      if (!p) throw notFound(instancePath(request.params.Sid));
      return p;
    }

    app.get('/ConnectionPolicies', async (request) => {
      const query = asForm(request.query);
      const list = readListRequest(query);
      const page = await ctx.store.connectionPolicies.list(request.account!.sid, list);
      return v1ListEnvelope('connection_policies', ctx.publicUrl, `${V1_PREFIX}/ConnectionPolicies`, query, list, page, serialize);
    });

    app.post('/ConnectionPolicies', async (request, reply) => {
      const now = ctx.clock.now();
      const created = await ctx.store.connectionPolicies.create({
        sid: newSid('NY'),
        accountSid: request.account!.sid,
        friendlyName: friendlyName(new Params(request.form), false, ErrorCode.InvalidParameter, 255) ?? null,
        dateCreated: now,
        dateUpdated: now,
      });
      return reply.code(201).send(serialize(created));
    });

    app.get<{ Params: { Sid: string } }>('/ConnectionPolicies/:Sid', async (request) => serialize(await owned(request)));

    app.post<{ Params: { Sid: string } }>('/ConnectionPolicies/:Sid', async (request) => {
      const p = await owned(request);
      const name = friendlyName(new Params(request.form), false, ErrorCode.InvalidParameter, 255);
      const updated = await ctx.store.connectionPolicies.update(p.sid, { ...(name !== undefined ? { friendlyName: name } : {}), dateUpdated: ctx.clock.now() });
      return serialize(updated!);
    });

    app.delete<{ Params: { Sid: string } }>('/ConnectionPolicies/:Sid', async (request, reply) => {
      const p = await owned(request);
      await ctx.store.connectionPolicies.deleteWithTargets(p.sid, ctx.clock.now());
      return reply.code(204).send();
    });
  };
}

import { isIP } from 'node:net';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { ErrorCode, TwilioError, invalidParameter, newSid, notFound } from '../../core/index.js';
import type { ConnectionPolicyTarget } from '../../store/index.js';
import type { ApiContext } from '../context.js';
import { asForm } from '../form.js';
import { readListRequest } from '../paging.js';
import { Params } from '../params.js';
import { V1_PREFIX, iso8601, v1ListEnvelope } from '../v1.js';
import { friendlyName } from './sip-validation.js';

export function serializeConnectionPolicyTarget(t: ConnectionPolicyTarget, publicUrl: string): Record<string, unknown> {
  return {
    account_sid: t.accountSid,
    connection_policy_sid: t.connectionPolicySid,
    sid: t.sid,
    friendly_name: t.friendlyName,
    target: t.target,
    priority: t.priority,
    weight: t.weight,
    enabled: t.enabled === 1,
    date_created: iso8601(t.dateCreated),
    date_updated: iso8601(t.dateUpdated),
    url: `${publicUrl}${V1_PREFIX}/ConnectionPolicies/${t.connectionPolicySid}/Targets/${t.sid}`,
  };
}

const HOSTNAME = /^(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*\.?$/i;

/**
 * A target is a `sip:` URI (RFC 3261 §19.1.1) naming a host and optionally a user, port and URI parameters, e.g.
 * `sip:sip-box.com:1234`. Twilio: "This must be a `sip:` schema. `sips` is NOT supported."
 */
export function targetUri(value: string): string {
  const match = /^sip:(?:([^@\s;?]+)@)?(\[[0-9a-f:.]+\]|[^:;?@\s[\]]+)(?::(\d{1,5}))?((?:;[^;?\s]+)*)$/i.exec(value);
  const host = match?.[2] ?? '';
  const port = match?.[3] === undefined ? undefined : Number(match[3]);
  const hostOk = host.startsWith('[') ? isIP(host.slice(1, -1)) === 6 : isIP(host) === 4 || HOSTNAME.test(host);
  if (!match || !hostOk || (port !== undefined && (port < 1 || port > 65535))) {
    throw invalidParameter(ErrorCode.InvalidParameter, `Target must be a sip: URI such as sip:sbc.example.com:5060, not '${value}'`);
  }
  return value;
}

function integer(params: Params, name: string, min: number, max: number): number | undefined {
  const v = params.string(name);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!/^\d+$/.test(v) || n < min || n > max) throw invalidParameter(ErrorCode.InvalidParameter, `${name} must be an integer from ${min} to ${max}, not '${v}'`);
  return n;
}

type TargetPatch = Partial<Pick<ConnectionPolicyTarget, 'friendlyName' | 'target' | 'priority' | 'weight' | 'enabled'>>;

function readTarget(params: Params): TargetPatch {
  const target = params.string('Target');
  const enabled = params.boolean('Enabled');
  const patch: TargetPatch = {
    friendlyName: friendlyName(params, false, ErrorCode.InvalidParameter, 255),
    target: target === undefined ? undefined : targetUri(target),
    // Priority 0–65535 (lowest first) and Weight 1–65535 within a priority, as DNS SRV (RFC 2782).
    priority: integer(params, 'Priority', 0, 65535),
    weight: integer(params, 'Weight', 1, 65535),
    enabled: enabled === undefined ? undefined : enabled ? 1 : 0,
  };
  return Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined)) as TargetPatch;
}

type ListParams = { ConnectionPolicySid: string };
type SidParams = ListParams & { Sid: string };

/** `/v1/ConnectionPolicies/{ConnectionPolicySid}/Targets`: the SIP entry points of a connection policy. */
export function connectionPolicyTargetsResource(ctx: ApiContext): FastifyPluginAsync {
  return async (app) => {
    const listPath = (p: string) => `${V1_PREFIX}/ConnectionPolicies/${p}/Targets`;
    const serialize = (t: ConnectionPolicyTarget) => serializeConnectionPolicyTarget(t, ctx.publicUrl);

    async function ownedPolicy(request: FastifyRequest<{ Params: ListParams }>): Promise<string> {
      const p = await ctx.store.connectionPolicies.getOwned(request.account!.sid, request.params.ConnectionPolicySid);
      if (!p) throw notFound(`${V1_PREFIX}/ConnectionPolicies/${request.params.ConnectionPolicySid}`);
      return p.sid;
    }

    async function owned(request: FastifyRequest<{ Params: SidParams }>): Promise<ConnectionPolicyTarget> {
      const { ConnectionPolicySid: policySid, Sid } = request.params;
      const t = await ctx.store.connectionPolicyTargets.findInPolicy(request.account!.sid, policySid, Sid);
      if (!t) throw notFound(`${listPath(policySid)}/${Sid}`);
      return t;
    }

    app.get<{ Params: ListParams }>('/ConnectionPolicies/:ConnectionPolicySid/Targets', async (request) => {
      const policySid = await ownedPolicy(request);
      const query = asForm(request.query);
      const list = readListRequest(query);
      const page = await ctx.store.connectionPolicyTargets.list(policySid, list);
      return v1ListEnvelope('targets', ctx.publicUrl, listPath(policySid), query, list, page, serialize);
    });

    app.post<{ Params: ListParams }>('/ConnectionPolicies/:ConnectionPolicySid/Targets', async (request, reply) => {
      const policySid = await ownedPolicy(request);
      const patch = readTarget(new Params(request.form));
      if (patch.target === undefined) throw new TwilioError(ErrorCode.InvalidParameter, 400, 'Missing required parameter Target in the post body');
      const now = ctx.clock.now();
      const created = await ctx.store.connectionPolicyTargets.create({
        sid: newSid('NE'),
        accountSid: request.account!.sid,
        connectionPolicySid: policySid,
        friendlyName: null,
        // Twilio's defaults: priority 10, weight 10, enabled.
        priority: 10,
        weight: 10,
        enabled: 1,
        ...patch,
        target: patch.target,
        dateCreated: now,
        dateUpdated: now,
      });
      return reply.code(201).send(serialize(created));
    });

    app.get<{ Params: SidParams }>('/ConnectionPolicies/:ConnectionPolicySid/Targets/:Sid', async (request) => serialize(await owned(request)));

    app.post<{ Params: SidParams }>('/ConnectionPolicies/:ConnectionPolicySid/Targets/:Sid', async (request) => {
      const t = await owned(request);
      const updated = await ctx.store.connectionPolicyTargets.update(t.sid, { ...readTarget(new Params(request.form)), dateUpdated: ctx.clock.now() });
      return serialize(updated!);
    });

    app.delete<{ Params: SidParams }>('/ConnectionPolicies/:ConnectionPolicySid/Targets/:Sid', async (request, reply) => {
      const t = await owned(request);
      await ctx.store.connectionPolicyTargets.delete(t.sid);
      return reply.code(204).send();
    });
  };
}

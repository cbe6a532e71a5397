import type { ByocTrunk, CarrierCredentials, ConnectionPolicyTarget, Store } from '../../store/index.js';
import { type RandomSource, routePlan } from './route-plan.js';

/** Everything an originator needs to send one call out through a BYOC trunk. */
export interface TrunkRoute {
  trunk: ByocTrunk;
  /** The enabled targets of the trunk's connection policy in failover order (see `route-plan.ts`). */
  targets: ConnectionPolicyTarget[];
  /** The carrier's digest credentials (Patchbay extension), for a 401/407 from a target (RFC 3261 §22.2). */
  credentials: CarrierCredentials | undefined;
}

/**
 * Why there is no route: `unknown-trunk` (the SID names no trunk of this account), `no-trunk` (the account has no
 * trunk with a connection policy), `no-targets` (the policy has no enabled target).
 */
export type TrunkRouteFailure = 'unknown-trunk' | 'no-trunk' | 'no-targets';

export type TrunkRouteResult = { ok: true; route: TrunkRoute } | { ok: false; reason: TrunkRouteFailure; message: string };

/**
 * Finds the trunk a call leaves through and orders its targets. A call names its trunk as Twilio's `Byoc`
 * parameter does (`POST Calls.json` `Byoc`, `<Number byoc>`); without one, the account's oldest trunk that has a
 * connection policy is used. A trunk serves only its own account, as on Twilio. Each call draws a fresh order, so
 * load spreads by weight across calls.
 */
export class TrunkRoutes {
  constructor(
    private readonly store: Pick<Store, 'byocTrunks' | 'connectionPolicyTargets'>,
    private readonly random: RandomSource = Math.random,
  ) {}

  async resolve(accountSid: string, byocTrunkSid?: string): Promise<TrunkRouteResult> {
    const trunk = byocTrunkSid
      ? await this.store.byocTrunks.findOwned(accountSid, byocTrunkSid)
      : await this.store.byocTrunks.firstRoutable(accountSid);
    if (!trunk) {
      return byocTrunkSid
        ? { ok: false, reason: 'unknown-trunk', message: `BYOC trunk ${byocTrunkSid} was not found` }
        : { ok: false, reason: 'no-trunk', message: 'no BYOC trunk with a connection policy is configured for this account' };
    }
    const targets = trunk.connectionPolicySid ? routePlan(await this.store.connectionPolicyTargets.all(trunk.connectionPolicySid), this.random) : [];
    if (targets.length === 0) {
      return { ok: false, reason: 'no-targets', message: `BYOC trunk ${trunk.sid} has no enabled connection policy target` };
    }
    return { ok: true, route: { trunk, targets, credentials: await this.store.byocTrunks.carrierCredentials(trunk.sid) } };
  }
}

/**
 * The order in which an outbound call tries a trunk's targets: the selection rules of DNS SRV (RFC 2782), which
 * Twilio's connection policy targets follow ("Priority … the lowest number represents the most important target";
 * "Weight … relative share of the load … with the same priority"), and which RFC 3263 §4.4 applies to SIP servers.
 *
 * - Disabled targets are left out.
 * - Targets are tried in increasing `priority`.
 * - Within one priority the order is a weighted random permutation: each next target is drawn with probability
 *   weight / (sum of the weights still in the group), as RFC 2782's running-sum selection does. RFC 2782 gives
 *   weight-0 targets "a very small chance of being selected"; here they come after every weighted target of their
 *   priority, in random order among themselves (the v1 API accepts weights from 1, so only hand-built plans have 0).
 *
 * The result is the failover order: the originator tries the first target and moves to the next on a timeout, a
 * transport error or a 5xx/503 (RFC 3263 §4.3), never on a final answer from the callee (4xx such as 486 Busy).
 */

/** What a route plan needs of a target; connection policy target rows fit as they are. */
export interface WeightedTarget {
  priority: number;
  weight: number;
  /** 1/0 as stored, or a boolean. */
  enabled: number | boolean;
}

/** Uniform in [0, 1), like `Math.random`; injected so tests and simulations are reproducible. */
export type RandomSource = () => number;

export function routePlan<T extends WeightedTarget>(targets: readonly T[], random: RandomSource = Math.random): T[] {
  const groups = new Map<number, T[]>();
  for (const target of targets) {
    if (target.enabled === false || target.enabled === 0) continue;
    const group = groups.get(target.priority);
    if (group) group.push(target);
    else groups.set(target.priority, [target]);
  }
  const plan: T[] = [];
  for (const priority of [...groups.keys()].sort((a, b) => a - b)) plan.push(...weightedOrder(groups.get(priority)!, random));
  return plan;
}

/** RFC 2782's selection repeated until the group is empty: a running sum of weights and one draw per position. */
function weightedOrder<T extends WeightedTarget>(group: readonly T[], random: RandomSource): T[] {
  const weighted = group.filter((t) => t.weight > 0);
  const unweighted = group.filter((t) => !(t.weight > 0));
  const order: T[] = [];
  let total = weighted.reduce((sum, t) => sum + t.weight, 0);
  while (weighted.length > 0) {
    const draw = pick(random) * total;
    let running = 0;
    let index = weighted.length - 1;
    for (let i = 0; i < weighted.length; i++) {
      running += weighted[i].weight;
      if (running > draw) {
        index = i;
        break;
      }
    }
    const [chosen] = weighted.splice(index, 1);
    total -= chosen.weight;
    order.push(chosen);
  }
  while (unweighted.length > 0) order.push(unweighted.splice(Math.floor(pick(random) * unweighted.length), 1)[0]);
  return order;
}

/** A draw clamped into [0, 1), so a faulty source cannot select outside the group. */
function pick(random: RandomSource): number {
  const x = random();
  return Number.isFinite(x) && x > 0 ? Math.min(x, 1 - Number.EPSILON) : 0;
}

/**
 * A small deterministic generator (mulberry32) for tests and simulations; not for anything secret.
 */
export function seededRandom(seed: number): RandomSource {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

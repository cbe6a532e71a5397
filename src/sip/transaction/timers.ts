/**
 * RFC 3261 §17 timer values (Table 4, Appendix A) derived from T1/T2/T4, plus Timer L and M of RFC 6026 §8.
 * Durations of 0 mean "fire at once" (the reliable-transport values of D, I, J, K).
 */
export interface TimerSettings {
  /** RTT estimate, default 500 ms. */
  readonly T1: number;
  /** Maximum retransmit interval for non-INVITE requests and INVITE responses, default 4 s. */
  readonly T2: number;
  /** Maximum duration a message remains in the network, default 5 s. */
  readonly T4: number;
}

export const DEFAULT_TIMER_SETTINGS: TimerSettings = { T1: 500, T2: 4000, T4: 5000 };

export type TimerName = 'A' | 'B' | 'D' | 'E' | 'F' | 'G' | 'H' | 'I' | 'J' | 'K' | 'L' | 'M';

export type TimerTable = Readonly<Record<TimerName, number>> & TimerSettings;

/**
 * Timer table for one transport kind. Timer C (proxy INVITE) is not here: it belongs to proxies, not to user agents.
 *
 *   A  INVITE request retransmit, initially T1 (unreliable only)      §17.1.1.2
 *   B  INVITE transaction timeout, 64*T1                                §17.1.1.2
 *   D  wait for response retransmits, > 32 s unreliable, 0 reliable    §17.1.1.2
 *   E  non-INVITE request retransmit, initially T1 (unreliable only)  §17.1.2.2
 *   F  non-INVITE transaction timeout, 64*T1                            §17.1.2.2
 *   G  INVITE response retransmit, initially T1 (unreliable only)     §17.2.1
 *   H  wait for ACK receipt, 64*T1                                      §17.2.1
 *   I  wait for ACK retransmits, T4 unreliable, 0 reliable             §17.2.1
 *   J  wait for non-INVITE request retransmits, 64*T1 / 0               §17.2.2
 *   K  wait for response retransmits, T4 unreliable, 0 reliable        §17.1.2.2
 *   L  wait for INVITE retransmits after 2xx (server), 64*T1           RFC 6026 §8.7
 *   M  wait for 2xx retransmits (client), 64*T1                         RFC 6026 §8.4
 */
export function timerTable(settings: Partial<TimerSettings> = {}, reliable = false): TimerTable {
  const { T1, T2, T4 } = { ...DEFAULT_TIMER_SETTINGS, ...settings };
  if (!(T1 > 0 && T2 >= T1 && T4 > 0)) throw new RangeError(`invalid SIP timer settings T1=${T1} T2=${T2} T4=${T4}`);
  return {
    T1,
    T2,
    T4,
    A: T1,
    B: 64 * T1,
    D: reliable ? 0 : Math.max(32_000, 64 * T1),
    E: T1,
    F: 64 * T1,
    G: T1,
    H: 64 * T1,
    I: reliable ? 0 : T4,
    J: reliable ? 0 : 64 * T1,
    K: reliable ? 0 : T4,
    L: 64 * T1,
    M: 64 * T1,
  };
}

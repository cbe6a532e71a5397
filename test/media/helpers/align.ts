/**
 * Comparing a received or re-coded signal with the one that was sent: the lag at which they line up best and their
 * normalized cross-correlation there, and the exact position of a bit-exact copy.
 */

export interface Alignment {
  /** `received[i + lag]` corresponds to `sent[i]`. */
  lag: number;
  /** Normalized cross-correlation at that lag over the overlap, in [-1, 1]. */
  correlation: number;
}

/** Normalized cross-correlation of `sent[i]` with `received[i + lag]` over their overlap. */
export function correlationAt(sent: ArrayLike<number>, received: ArrayLike<number>, lag: number): number {
  let xy = 0;
  let xx = 0;
  let yy = 0;
  const from = Math.max(0, -lag);
  const to = Math.min(sent.length, received.length - lag);
  for (let i = from; i < to; i++) {
    const x = sent[i];
    const y = received[i + lag];
    xy += x * y;
    xx += x * x;
    yy += y * y;
  }
  return xx === 0 || yy === 0 ? 0 : xy / Math.sqrt(xx * yy);
}

/** The lag in [minLag, maxLag] with the highest correlation. */
export function bestAlignment(sent: ArrayLike<number>, received: ArrayLike<number>, minLag: number, maxLag: number): Alignment {
  let best: Alignment = { lag: minLag, correlation: -Infinity };
  for (let lag = minLag; lag <= maxLag; lag++) {
    const correlation = correlationAt(sent, received, lag);
    if (correlation > best.correlation) best = { lag, correlation };
  }
  return best;
}

/**
 * Where `sent` occurs in `received` sample for sample, or -1. Only leading and trailing material around it is
 * tolerated (the call's silence before and after the audio); one differing sample inside makes it -1.
 */
export function exactOffset(sent: ArrayLike<number>, received: ArrayLike<number>): number {
  for (let at = 0; at + sent.length <= received.length; at++) {
    let i = 0;
    while (i < sent.length && received[at + i] === sent[i]) i++;
    if (i === sent.length) return at;
  }
  return -1;
}

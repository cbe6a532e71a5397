import type { NameAddr } from '../message/index.js';

/**
 * A final SIP failure carried to the voice layer (STYLE §9, after drachtio): the status and reason of a 3xx–6xx
 * response, or the status the RFC maps a local failure to (§8.1.3.1: timeout → 408, transport error → 503).
 */
export class SipError extends Error {
  override readonly name = 'SipError';
  constructor(
    readonly status: number,
    readonly reason: string,
    /** Contacts of a 3xx (§8.1.3.4), in the order received. */
    readonly contacts: readonly NameAddr[] = [],
  ) {
    super(`SIP ${status} ${reason}`);
  }
}

/** A method called on a leg or user agent in a state that does not allow it, or a pending request at close (STYLE §8). */
export class InvalidStateError extends Error {
  override readonly name = 'InvalidStateError';
}

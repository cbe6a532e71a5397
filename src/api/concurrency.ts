import { ErrorCode, TwilioError } from '../core/index.js';

/**
 * Twilio's API concurrency limit: an account may have so many REST requests in progress at once; one more gets 429
 * with error 20429, which Twilio documents as not processed and safe to retry after backing off (the official helper
 * libraries do so with `autoRetry`). It keeps one account's burst from taking every worker of the node from the
 * others. Counted per node: a cluster admits up to the limit at each node.
 */
export class ApiConcurrency {
  private readonly inProgress = new Map<string, number>();

  /** `limit`: requests in progress per account; `Infinity` for no limit. */
  constructor(readonly limit: number) {
    if (!(limit > 0)) throw new RangeError('the API concurrency limit must be positive');
  }

  /**
   * Counts a request of `accountSid` as in progress and returns how many are, itself included, or throws 20429 when
   * the account is at its limit. Every successful `enter` must be matched by one `leave`.
   */
  enter(accountSid: string): number {
    const count = (this.inProgress.get(accountSid) ?? 0) + 1;
    if (count > this.limit) {
      throw new TwilioError(ErrorCode.TooManyRequests, 429, `Too many concurrent requests: this account may have ${this.limit} in progress; retry after backing off`);
    }
    this.inProgress.set(accountSid, count);
    return count;
  }

  leave(accountSid: string): void {
    const count = (this.inProgress.get(accountSid) ?? 0) - 1;
    if (count > 0) this.inProgress.set(accountSid, count);
    else this.inProgress.delete(accountSid);
  }

  /** Requests of the account in progress now. */
  count(accountSid: string): number {
    return this.inProgress.get(accountSid) ?? 0;
  }
}

import type { FastifyPluginAsync } from 'fastify';
import { ErrorCode, TwilioError, invalidParameter } from '../../core/index.js';
import type { Account, AccountCallLimits, CallLimitsPatch } from '../../store/index.js';
import type { ApiContext } from '../context.js';
import type { Params } from '../params.js';

/**
 * Per-account outbound call limits, a Patchbay extension (Twilio sets CPS per account through support, not the API):
 * set with `PatchbayCallsPerSecond` and `PatchbayMaxConcurrentCalls` on `POST /2010-04-01/Accounts/{Sid}.json`,
 * read at `GET /patchbay/v1/Accounts/{Sid}/CallLimits`. The Account resource itself keeps Twilio's shape.
 */
export const PATCHBAY_PREFIX = '/patchbay/v1';

/** The two parameters, if present: a positive rate (fractions allowed, e.g. 0.5) and a positive integer; empty resets to the default. */
export function readCallLimits(params: Params): CallLimitsPatch | undefined {
  const cps = params.string('PatchbayCallsPerSecond');
  const max = params.string('PatchbayMaxConcurrentCalls');
  if (cps === undefined && max === undefined) return undefined;
  const patch: CallLimitsPatch = {};
  if (cps !== undefined) {
    const n = Number(cps);
    if (cps !== '' && (!/^\d+(\.\d+)?$/.test(cps) || !(n > 0) || n > 10_000)) {
      throw invalidParameter(ErrorCode.InvalidParameter, `PatchbayCallsPerSecond must be a number greater than 0 and at most 10000, not '${cps}'`);
    }
    patch.callsPerSecond = cps === '' ? null : n;
  }
  if (max !== undefined) {
    const n = Number(max);
    if (max !== '' && (!/^\d+$/.test(max) || n < 1 || n > 1_000_000)) {
      throw invalidParameter(ErrorCode.InvalidParameter, `PatchbayMaxConcurrentCalls must be an integer from 1 to 1000000, not '${max}'`);
    }
    patch.maxConcurrentCalls = max === '' ? null : n;
  }
  return patch;
}

/** Only the parent of an account, or the owner account, sets its limits: a subaccount cannot raise its own. */
export function assertMayChangeCallLimits(principal: Account, account: Account): void {
  if (account.parentAccountSid === principal.sid || principal.parentAccountSid === null) return;
  throw new TwilioError(ErrorCode.AuthenticationFailed, 401, 'Authentication Error - only the parent account can change call limits');
}

export function serializeCallLimits(accountSid: string, limits: AccountCallLimits | undefined): Record<string, unknown> {
  return {
    account_sid: accountSid,
    // null: the server's default (1 call per second; no concurrency cap) applies.
    calls_per_second: limits?.callsPerSecond ?? null,
    max_concurrent_calls: limits?.maxConcurrentCalls ?? null,
    url: `${PATCHBAY_PREFIX}/Accounts/${accountSid}/CallLimits`,
  };
}

/** `GET /patchbay/v1/Accounts/{AccountSid}/CallLimits`: the account's own limits, readable by it and its parent. */
export function callLimitsResource(ctx: ApiContext): FastifyPluginAsync {
  return async (app) => {
    app.get('/Accounts/:AccountSid/CallLimits', async (request) => {
      const account = request.account!;
      return serializeCallLimits(account.sid, await ctx.store.accountCallLimits.get(account.sid));
    });
  };
}

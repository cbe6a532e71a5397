import type { FastifyPluginAsync } from 'fastify';
import { ErrorCode, TwilioError, invalidParameter, notFound, rfc2822 } from '../../core/index.js';
import type { Account } from '../../store/index.js';
import { API_VERSION, type ApiContext, accountPath } from '../context.js';
import { asForm } from '../form.js';
import { listEnvelope, readListRequest } from '../paging.js';
import { Params } from '../params.js';
import { assertMayChangeCallLimits, readCallLimits } from './call-limits.js';

const SUBRESOURCES = [
  'addresses', 'conferences', 'signing_keys', 'transcriptions', 'connect_apps', 'sip', 'authorized_connect_apps',
  'usage', 'keys', 'applications', 'recordings', 'short_codes', 'calls', 'notifications', 'incoming_phone_numbers',
  'queues', 'messages', 'outgoing_caller_ids', 'available_phone_numbers', 'balance',
] as const;

const SUBRESOURCE_PATHS: Record<(typeof SUBRESOURCES)[number], string> = {
  addresses: 'Addresses', conferences: 'Conferences', signing_keys: 'SigningKeys', transcriptions: 'Transcriptions',
  connect_apps: 'ConnectApps', sip: 'SIP', authorized_connect_apps: 'AuthorizedConnectApps', usage: 'Usage', keys: 'Keys',
  applications: 'Applications', recordings: 'Recordings', short_codes: 'SMS/ShortCodes', calls: 'Calls',
  notifications: 'Notifications', incoming_phone_numbers: 'IncomingPhoneNumbers', queues: 'Queues', messages: 'Messages',
  outgoing_caller_ids: 'OutgoingCallerIds', available_phone_numbers: 'AvailablePhoneNumbers', balance: 'Balance',
};

export function serializeAccount(a: Account): Record<string, unknown> {
  const base = accountPath(a.sid);
  return {
    auth_token: a.authToken,
    date_created: rfc2822(a.dateCreated),
    date_updated: rfc2822(a.dateUpdated),
    friendly_name: a.friendlyName,
    owner_account_sid: a.parentAccountSid ?? a.sid,
    sid: a.sid,
    status: a.status,
    subresource_uris: Object.fromEntries(SUBRESOURCES.map((k) => [k, `${base}/${SUBRESOURCE_PATHS[k]}.json`])),
    type: a.type,
    uri: `${base}.json`,
  };
}

/** Twilio's default name for a new subaccount: `SubAccount Created at 2024-01-02 03:04 pm`. */
function defaultSubaccountName(now: number): string {
  const d = new Date(now);
  const pad = (n: number) => String(n).padStart(2, '0');
  const hours = d.getUTCHours();
  const h12 = hours % 12 === 0 ? 12 : hours % 12;
  return `SubAccount Created at ${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(h12)}:${pad(d.getUTCMinutes())} ${hours < 12 ? 'am' : 'pm'}`;
}

const STATUSES = ['active', 'suspended', 'closed'] as const;

/** `/Accounts.json` and `/Accounts/{Sid}.json`: subaccounts are created, listed, renamed, suspended and closed here. */
export function accountsResource(ctx: ApiContext): FastifyPluginAsync {
  return async (app) => {
    const config = { accountCredentialsOnly: true };

    app.get('/Accounts.json', { config }, async (request) => {
      const query = asForm(request.query);
      const params = new Params(query);
      const list = readListRequest(query);
      const page = await ctx.store.accounts.list(
        request.principal!.account.sid,
        { friendlyName: params.string('FriendlyName'), status: params.oneOf('Status', STATUSES) },
        list,
      );
      return listEnvelope('accounts', `/${API_VERSION}/Accounts.json`, query, list, page, serializeAccount);
    });

    app.post('/Accounts.json', { config }, async (request, reply) => {
      const parent = request.principal!.account;
      if (parent.parentAccountSid !== null) {
        throw new TwilioError(ErrorCode.AuthenticationFailed, 401, 'Authentication Error - subaccounts cannot create subaccounts');
      }
      const params = new Params(request.form);
      const now = ctx.clock.now();
      const friendlyName = params.string('FriendlyName') || defaultSubaccountName(now);
      if (friendlyName.length > 64) throw invalidParameter(ErrorCode.InvalidParameter, 'FriendlyName must be at most 64 characters');
      const account = await ctx.store.accounts.create({ friendlyName, parentAccountSid: parent.sid, now });
      return reply.code(201).send(serializeAccount(account));
    });

    const instance = { config: { ...config, allowInactiveAccount: true } };

    app.get('/Accounts/:AccountSid.json', instance, async (request) => serializeAccount(request.account!));

    app.post('/Accounts/:AccountSid.json', instance, async (request) => {
      const account = request.account!;
      const params = new Params(request.form);
      const friendlyName = params.string('FriendlyName');
      const status = params.oneOf('Status', STATUSES);
      if (friendlyName !== undefined && friendlyName.length > 64) {
        throw invalidParameter(ErrorCode.InvalidParameter, 'FriendlyName must be at most 64 characters');
      }
      if (status !== undefined && status !== account.status) {
        if (account.parentAccountSid !== request.principal!.account.sid) {
          throw new TwilioError(ErrorCode.AuthenticationFailed, 401, 'Authentication Error - only the parent account can change a subaccount status');
        }
        if (account.status === 'closed') {
          throw invalidParameter(ErrorCode.InvalidParameter, `Account ${account.sid} is closed and cannot be reopened`);
        }
      }
      if (account.status === 'closed' && friendlyName !== undefined) throw notFound(`/${API_VERSION}/Accounts/${account.sid}.json`);
      // Patchbay extension: outbound call limits (see call-limits.ts); not part of the Account JSON.
      const callLimits = readCallLimits(params);
      if (callLimits) {
        assertMayChangeCallLimits(request.principal!.account, account);
        await ctx.store.accountCallLimits.set(account.sid, callLimits, ctx.clock.now());
      }
      const updated = await ctx.store.accounts.update(account.sid, {
        ...(friendlyName !== undefined ? { friendlyName } : {}),
        ...(status !== undefined ? { status } : {}),
        dateUpdated: ctx.clock.now(),
      });
      ctx.credentials?.invalidate();
      return serializeAccount(updated!);
    });
  };
}

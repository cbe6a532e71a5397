import type { FastifyPluginAsync } from 'fastify';
import { notFound, rfc2822 } from '../../core/index.js';
import type { Notification } from '../../store/index.js';
import { type ApiContext, accountPath } from '../context.js';
import { asForm } from '../form.js';
import { listEnvelope, readListRequest } from '../paging.js';
import { Params } from '../params.js';

export function serializeNotification(n: Notification): Record<string, unknown> {
  const base = n.callSid ? `${accountPath(n.accountSid)}/Calls/${n.callSid}` : accountPath(n.accountSid);
  return {
    account_sid: n.accountSid,
    api_version: n.apiVersion,
    call_sid: n.callSid,
    date_created: rfc2822(n.dateCreated),
    date_updated: rfc2822(n.dateUpdated),
    error_code: n.errorCode,
    log: n.log,
    message_date: rfc2822(n.messageDate),
    message_text: n.messageText,
    more_info: n.moreInfo,
    request_method: n.requestMethod,
    request_url: n.requestUrl,
    sid: n.sid,
    uri: `${base}/Notifications/${n.sid}.json`,
  };
}

/** The instance representation adds what the debugger shows: the request made and the response received. */
export function serializeNotificationInstance(n: Notification): Record<string, unknown> {
  return {
    ...serializeNotification(n),
    request_variables: n.requestVariables,
    response_body: n.responseBody,
    response_headers: n.responseHeaders,
  };
}

/** `/Notifications.json` and `/Calls/{CallSid}/Notifications.json`: the errors and warnings of an account's calls. */
export function notificationsResource(ctx: ApiContext): FastifyPluginAsync {
  return async (app) => {
    const list = async (accountSid: string, callSid: string | undefined, rawQuery: unknown, path: string) => {
      const query = asForm(rawQuery);
      const params = new Params(query);
      const req = readListRequest(query);
      const log = params.oneOf('Log', ['0', '1'] as const);
      const page = await ctx.store.notifications.list(accountSid, { callSid, log, messageDate: params.timeRange('MessageDate') }, req);
      return listEnvelope('notifications', path, query, req, page, serializeNotification);
    };

    app.get('/Accounts/:AccountSid/Notifications.json', async (request) =>
      list(request.account!.sid, undefined, request.query, `${accountPath(request.account!.sid)}/Notifications.json`),
    );

    app.get<{ Params: { AccountSid: string; CallSid: string } }>('/Accounts/:AccountSid/Calls/:CallSid/Notifications.json', async (request) => {
      const { CallSid } = request.params;
      const accountSid = request.account!.sid;
      if (!(await ctx.store.calls.getOwned(accountSid, CallSid))) throw notFound(`${accountPath(accountSid)}/Calls/${CallSid}.json`);
      return list(accountSid, CallSid, request.query, `${accountPath(accountSid)}/Calls/${CallSid}/Notifications.json`);
    });

    app.get<{ Params: { AccountSid: string; Sid: string } }>('/Accounts/:AccountSid/Notifications/:Sid.json', async (request) => {
      const n = await ctx.store.notifications.getOwned(request.account!.sid, request.params.Sid);
      if (!n) throw notFound(`${accountPath(request.account!.sid)}/Notifications/${request.params.Sid}.json`);
      return serializeNotificationInstance(n);
    });

    app.get<{ Params: { AccountSid: string; CallSid: string; Sid: string } }>(
      '/Accounts/:AccountSid/Calls/:CallSid/Notifications/:Sid.json',
      async (request) => {
        const n = await ctx.store.notifications.getOwned(request.account!.sid, request.params.Sid);
        if (!n || n.callSid !== request.params.CallSid) {
          throw notFound(`${accountPath(request.account!.sid)}/Calls/${request.params.CallSid}/Notifications/${request.params.Sid}.json`);
        }
        return serializeNotificationInstance(n);
      },
    );
  };
}

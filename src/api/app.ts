import Fastify, { type FastifyBaseLogger, type FastifyError, type FastifyInstance, type FastifyRequest, LogController } from 'fastify';
import { ErrorCode, TwilioError, authenticationFailed } from '../core/index.js';
import { InvalidPageTokenError } from '../store/index.js';
import { CredentialCache, resolveAccount } from './auth.js';
import { ApiConcurrency } from './concurrency.js';
import { API_VERSION, type ApiContext } from './context.js';
import { type Form, parseForm } from './form.js';
import { accountsResource } from './resources/accounts.js';
import { applicationsResource } from './resources/applications.js';
import { byocTrunksResource } from './resources/byoc-trunks.js';
import { PATCHBAY_PREFIX, callLimitsResource } from './resources/call-limits.js';
import { callsResource } from './resources/calls.js';
import { connectionPoliciesResource } from './resources/connection-policies.js';
import { connectionPolicyTargetsResource } from './resources/connection-policy-targets.js';
import { incomingPhoneNumbersResource } from './resources/incoming-phone-numbers.js';
import { keysResource } from './resources/keys.js';
import { notificationsResource } from './resources/notifications.js';
import { recordingsResource } from './resources/recordings.js';
import { sipCredentialListsResource } from './resources/sip-credential-lists.js';
import { sipCredentialsResource } from './resources/sip-credentials.js';
import { sipDomainMappingsResource } from './resources/sip-domain-mappings.js';
import { sipDomainsResource } from './resources/sip-domains.js';
import { sipIpAccessControlListsResource } from './resources/sip-ip-access-control-lists.js';
import { sipIpAddressesResource } from './resources/sip-ip-addresses.js';
import { V1_PREFIX } from './v1.js';

export interface BuildApiOptions extends ApiContext {
  /** Largest request body accepted, in bytes; larger gets 413. */
  bodyLimit?: number;
  /** REST requests one account may have in progress at once; more get 429 / 20429 (default 100, as on Twilio). */
  apiConcurrency?: number;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Lets a parent reach a suspended subaccount's own Account resource (to reactivate it). */
    allowInactiveAccount?: boolean;
    /** Refuses API keys: Twilio reserves /Accounts and /Keys for account credentials. */
    accountCredentialsOnly?: boolean;
    /** Media URLs are fetched without credentials, as on Twilio by default: the SID is unguessable. */
    publicMedia?: boolean;
  }
}

/** The HTTP application: the 2010-04-01 REST API plus whatever routes the composition root adds. */
export function buildApi(options: BuildApiOptions): FastifyInstance {
  const credentials = new CredentialCache(() => options.clock.now());
  const concurrency = new ApiConcurrency(options.apiConcurrency ?? 100);
  // Object.create keeps the caller's accessors live (publicUrl is only known once the port is bound).
  const ctx: BuildApiOptions = Object.create(options, { credentials: { value: credentials } }) as BuildApiOptions;
  const app = Fastify({
    loggerInstance: ctx.logger.child({ component: 'http' }) as FastifyBaseLogger,
    // Per-request access lines would dominate the log at API rates; errors are logged by the error handler.
    logController: new LogController({ disableRequestLogging: true }),
    // Nor a child logger per request: pino builds one for every request to bind its id, which only the error
    // handler's rare lines would use, so that handler names the request itself.
    childLoggerFactory: (logger) => logger,
    bodyLimit: ctx.bodyLimit ?? 1024 * 1024,
    return503OnClosing: true,
  });

  app.decorateRequest('principal', null);
  app.decorateRequest('account', null);
  // The parsed form body (below) or, for a request without one, an empty form.
  const noForm: Form = Object.freeze({});
  app.decorateRequest('form', {
    getter(this: FastifyRequest): Form {
      return this.body && typeof this.body === 'object' ? (this.body as Form) : noForm;
    },
  });

  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => {
    done(null, parseForm(body as string));
  });

  app.setErrorHandler((error: FastifyError | TwilioError | Error, request, reply) => {
    const twilio = toTwilioError(error);
    if (twilio.status >= 500) request.log.error({ err: error, reqId: request.id, url: request.url }, 'request failed');
    if (twilio.status === 401) void reply.header('WWW-Authenticate', 'Basic realm="Twilio API"');
    if (twilio.status === 429) void reply.header('Retry-After', '1');
    return reply.code(twilio.status).send(twilio.toJSON());
  });

  app.setNotFoundHandler((request, reply) => {
    const err = new TwilioError(ErrorCode.NotFound, 404, `The requested resource ${request.url.split('?')[0]} was not found`);
    return reply.code(404).send(err.toJSON());
  });

  /**
   * Basic auth (Account SID + Auth Token, or API key) and the account a request acts on, for every authenticated
   * scope: the 2010-04-01 API and the newer per-product APIs (`/v1`), where resources belong to the authenticating
   * account since their URLs name none.
   */
  const authenticated = (scope: FastifyInstance): void => {
    // One hook for both checks: a request that may not act on the account is refused before its body is read.
    scope.addHook('onRequest', async (request, reply) => {
      const config = request.routeOptions.config;
      if (config.publicMedia) return;
      const principal = await credentials.authenticate(request.headers.authorization, ctx.store);
      if (config.accountCredentialsOnly && principal.apiKeySid) {
        throw authenticationFailed('API keys cannot access this resource; use the Account SID and Auth Token');
      }
      request.principal = principal;
      // Counted from here until the response is done or the client goes away ('close' comes either way).
      const counted = principal.account.sid;
      const inProgress = concurrency.enter(counted);
      reply.raw.once('close', () => concurrency.leave(counted));
      void reply.header('Twilio-Concurrent-Requests', inProgress);
      const params = request.params as { AccountSid?: string };
      request.account = params.AccountSid
        ? await resolveAccount(principal, params.AccountSid, ctx.store, { allowInactive: config.allowInactiveAccount })
        : principal.account;
    });
  };

  app.register(
    async (api) => {
      authenticated(api);
      await api.register(accountsResource(ctx));
      await api.register(keysResource(ctx));
      await api.register(incomingPhoneNumbersResource(ctx));
      await api.register(applicationsResource(ctx));
      await api.register(callsResource(ctx));
      await api.register(recordingsResource(ctx));
      await api.register(notificationsResource(ctx));
      await api.register(sipDomainsResource(ctx));
      await api.register(sipCredentialListsResource(ctx));
      await api.register(sipCredentialsResource(ctx));
      await api.register(sipIpAccessControlListsResource(ctx));
      await api.register(sipIpAddressesResource(ctx));
      await api.register(sipDomainMappingsResource(ctx));
    },
    { prefix: `/${API_VERSION}` },
  );

  app.register(
    async (api) => {
      authenticated(api);
      await api.register(byocTrunksResource(ctx));
      await api.register(connectionPoliciesResource(ctx));
      await api.register(connectionPolicyTargetsResource(ctx));
    },
    { prefix: V1_PREFIX },
  );

  app.register(
    async (api) => {
      authenticated(api);
      await api.register(callLimitsResource(ctx));
    },
    { prefix: PATCHBAY_PREFIX },
  );

  return app;
}

function toTwilioError(error: FastifyError | TwilioError | Error): TwilioError {
  if (error instanceof TwilioError) return error;
  if (error instanceof InvalidPageTokenError) return new TwilioError(ErrorCode.InvalidParameter, 400, error.message);
  const fe = error as FastifyError;
  switch (fe.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new TwilioError(ErrorCode.PayloadTooLarge, 413, 'Request body is too large');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new TwilioError(20415, 415, 'Unsupported Content-Type; send application/x-www-form-urlencoded');
    default:
      break;
  }
  if (typeof fe.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500) {
    return new TwilioError(ErrorCode.InvalidParameter, fe.statusCode, fe.message || 'Bad request');
  }
  return new TwilioError(20500, 500, 'Internal Server Error');
}

import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { ErrorCode, TwilioError, formatNumber, invalidParameter, isE164, newSid, notFound, rfc2822 } from '../../core/index.js';
import type { IncomingPhoneNumber } from '../../store/index.js';
import { resolveAccount } from '../auth.js';
import { type ApiContext, accountPath } from '../context.js';
import { asForm } from '../form.js';
import { listEnvelope, readListRequest } from '../paging.js';
import { Params } from '../params.js';
import { ENDPOINT_DEFAULTS, readEndpointConfig } from './endpoint-config.js';

const TOLL_FREE = /^\+1(800|833|844|855|866|877|888)\d{7}$/;

export function serializeIncomingPhoneNumber(n: IncomingPhoneNumber): Record<string, unknown> {
  return {
    account_sid: n.accountSid,
    address_sid: n.addressSid,
    address_requirements: 'none',
    api_version: n.apiVersion,
    beta: false,
    capabilities: { fax: false, mms: true, sms: true, voice: true },
    date_created: rfc2822(n.dateCreated),
    date_updated: rfc2822(n.dateUpdated),
    friendly_name: n.friendlyName,
    identity_sid: n.identitySid,
    phone_number: n.phoneNumber,
    origin: n.origin,
    sid: n.sid,
    sms_application_sid: n.smsApplicationSid,
    sms_fallback_method: n.smsFallbackMethod,
    sms_fallback_url: n.smsFallbackUrl,
    sms_method: n.smsMethod,
    sms_url: n.smsUrl,
    status_callback: n.statusCallback,
    status_callback_method: n.statusCallbackMethod,
    trunk_sid: n.trunkSid,
    uri: `${accountPath(n.accountSid)}/IncomingPhoneNumbers/${n.sid}.json`,
    voice_receive_mode: n.voiceReceiveMode,
    voice_application_sid: n.voiceApplicationSid,
    voice_caller_id_lookup: n.voiceCallerIdLookup === 1,
    voice_fallback_method: n.voiceFallbackMethod,
    voice_fallback_url: n.voiceFallbackUrl,
    voice_method: n.voiceMethod,
    voice_url: n.voiceUrl,
    emergency_status: n.emergencyStatus,
    emergency_address_sid: n.emergencyAddressSid,
    emergency_address_status: 'unregistered',
    bundle_sid: n.bundleSid,
    status: 'in-use',
    type: n.numberType,
  };
}

type SidParams = { AccountSid: string; Sid: string };

/**
 * `/IncomingPhoneNumbers.json` (and the `Local`, `Mobile`, `TollFree` create variants). Numbers are provisioned
 * from an E.164 `PhoneNumber`, or from an `AreaCode` by taking the first free fictional +1 NPA-555-01XX number;
 * a number belongs to exactly one account on this Patchbay, which is what makes on-net routing possible.
 */
export function incomingPhoneNumbersResource(ctx: ApiContext): FastifyPluginAsync {
  return async (app) => {
    const instancePath = (a: string, s: string) => `${accountPath(a)}/IncomingPhoneNumbers/${s}.json`;

    async function numberSettings(params: Params, accountSid: string) {
      const config = readEndpointConfig(params);
      const voiceApplicationSid = params.has('VoiceApplicationSid') ? params.sid('VoiceApplicationSid', 'AP') ?? null : undefined;
      const smsApplicationSid = params.has('SmsApplicationSid') ? params.sid('SmsApplicationSid', 'AP') ?? null : undefined;
      for (const sid of [voiceApplicationSid, smsApplicationSid]) {
        if (sid && !(await ctx.store.applications.getOwned(accountSid, sid))) {
          throw invalidParameter(ErrorCode.InvalidParameter, `Application ${sid} was not found in this account`);
        }
      }
      const optionalSid = (name: string, prefix: string) => (params.has(name) ? params.sid(name, prefix) ?? null : undefined);
      const patch = {
        ...config,
        voiceApplicationSid,
        smsApplicationSid,
        voiceReceiveMode: params.oneOf('VoiceReceiveMode', ['voice', 'fax'] as const),
        emergencyStatus: params.oneOf('EmergencyStatus', ['Active', 'Inactive'] as const),
        trunkSid: optionalSid('TrunkSid', 'TK'),
        emergencyAddressSid: optionalSid('EmergencyAddressSid', 'AD'),
        identitySid: optionalSid('IdentitySid', 'RI'),
        addressSid: optionalSid('AddressSid', 'AD'),
        bundleSid: optionalSid('BundleSid', 'BU'),
      };
      return Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined)) as Partial<IncomingPhoneNumber>;
    }

    async function pickNumber(params: Params): Promise<string> {
      const phoneNumber = params.string('PhoneNumber');
      if (phoneNumber !== undefined) {
        if (!isE164(phoneNumber)) {
          throw invalidParameter(ErrorCode.PhoneNumberNotValid, `PhoneNumber ${phoneNumber} is not a valid E.164 number`);
        }
        if (await ctx.store.incomingPhoneNumbers.findByPhoneNumber(phoneNumber)) {
          throw invalidParameter(ErrorCode.PhoneNumberAlreadyProvisioned, `PhoneNumber ${phoneNumber} is not available`);
        }
        return phoneNumber;
      }
      const areaCode = params.string('AreaCode');
      if (areaCode === undefined) {
        throw invalidParameter(ErrorCode.PhoneNumberNotValid, 'A PhoneNumber or AreaCode is required');
      }
      if (!/^[2-9]\d{2}$/.test(areaCode)) throw invalidParameter(ErrorCode.PhoneNumberNotValid, `AreaCode ${areaCode} is not a valid area code`);
      for (let line = 100; line <= 199; line++) {
        const candidate = `+1${areaCode}5550${line}`;
        if (!(await ctx.store.incomingPhoneNumbers.findByPhoneNumber(candidate))) return candidate;
      }
      throw invalidParameter(ErrorCode.PhoneNumberAlreadyProvisioned, `No phone numbers are available in area code ${areaCode}`);
    }

    async function create(request: FastifyRequest, numberType: IncomingPhoneNumber['numberType'] | undefined): Promise<Record<string, unknown>> {
      const account = request.account!;
      const params = new Params(request.form);
      const phoneNumber = await pickNumber(params);
      const settings = await numberSettings(params, account.sid);
      const now = ctx.clock.now();
      const row: IncomingPhoneNumber = {
        ...ENDPOINT_DEFAULTS,
        sid: newSid('PN'),
        accountSid: account.sid,
        phoneNumber,
        friendlyName: formatNumber(phoneNumber),
        voiceApplicationSid: null,
        voiceReceiveMode: 'voice',
        smsApplicationSid: null,
        trunkSid: null,
        emergencyStatus: 'Inactive',
        emergencyAddressSid: null,
        identitySid: null,
        addressSid: null,
        bundleSid: null,
        origin: 'twilio',
        numberType: numberType ?? (TOLL_FREE.test(phoneNumber) ? 'toll-free' : 'local'),
        dateCreated: now,
        dateUpdated: now,
        ...settings,
      };
      try {
        return serializeIncomingPhoneNumber(await ctx.store.incomingPhoneNumbers.create(row));
      } catch (err) {
        // Two concurrent purchases of one number: the unique index decides, the loser is told plainly.
        if (await ctx.store.incomingPhoneNumbers.findByPhoneNumber(phoneNumber)) {
          throw invalidParameter(ErrorCode.PhoneNumberAlreadyProvisioned, `PhoneNumber ${phoneNumber} is not available`);
        }
        throw err;
      }
    }

    const variants = [
      { suffix: '', numberType: undefined },
      { suffix: '/Local', numberType: 'local' },
      { suffix: '/Mobile', numberType: 'mobile' },
      { suffix: '/TollFree', numberType: 'toll-free' },
    ] as const;
    for (const { suffix, numberType } of variants) {
      app.get(`/Accounts/:AccountSid/IncomingPhoneNumbers${suffix}.json`, async (request) => {
        const query = asForm(request.query);
        const params = new Params(query);
        const list = readListRequest(query);
        const accountSid = request.account!.sid;
        const page = await ctx.store.incomingPhoneNumbers.list(
          accountSid,
          { friendlyName: params.string('FriendlyName'), phoneNumber: params.string('PhoneNumber'), origin: params.string('Origin'), numberType },
          list,
        );
        const path = `${accountPath(accountSid)}/IncomingPhoneNumbers${suffix}.json`;
        return listEnvelope('incoming_phone_numbers', path, query, list, page, serializeIncomingPhoneNumber);
      });
      app.post(`/Accounts/:AccountSid/IncomingPhoneNumbers${suffix}.json`, async (request, reply) =>
        reply.code(201).send(await create(request, numberType)),
      );
    }

    app.get<{ Params: SidParams }>('/Accounts/:AccountSid/IncomingPhoneNumbers/:Sid.json', async (request) => {
      const n = await ctx.store.incomingPhoneNumbers.getOwned(request.account!.sid, request.params.Sid);
      if (!n) throw notFound(instancePath(request.account!.sid, request.params.Sid));
      return serializeIncomingPhoneNumber(n);
    });

    app.post<{ Params: SidParams }>('/Accounts/:AccountSid/IncomingPhoneNumbers/:Sid.json', async (request) => {
      const account = request.account!;
      const existing = await ctx.store.incomingPhoneNumbers.getOwned(account.sid, request.params.Sid);
      if (!existing) throw notFound(instancePath(account.sid, request.params.Sid));
      const params = new Params(request.form);
      // `AccountSid` moves the number to another account the caller controls (itself or one of its subaccounts).
      const targetSid = params.sid('AccountSid', 'AC');
      let owner = account.sid;
      if (targetSid && targetSid !== account.sid) {
        const target = await resolveAccount(request.principal!, targetSid, ctx.store).catch(() => {
          throw new TwilioError(ErrorCode.InvalidParameter, 400, `AccountSid ${targetSid} is not an account you can transfer numbers to`);
        });
        owner = target.sid;
      }
      const settings = await numberSettings(params, owner);
      if (owner !== account.sid) {
        // Application links do not travel with the number unless they were re-specified for the new owner.
        if (!('voiceApplicationSid' in settings)) settings.voiceApplicationSid = null;
        if (!('smsApplicationSid' in settings)) settings.smsApplicationSid = null;
      }
      const updated = await ctx.store.incomingPhoneNumbers.update(existing.sid, {
        ...settings,
        accountSid: owner,
        dateUpdated: ctx.clock.now(),
      });
      return serializeIncomingPhoneNumber(updated!);
    });

    app.delete<{ Params: SidParams }>('/Accounts/:AccountSid/IncomingPhoneNumbers/:Sid.json', async (request, reply) => {
      const n = await ctx.store.incomingPhoneNumbers.getOwned(request.account!.sid, request.params.Sid);
      if (!n) throw notFound(instancePath(request.account!.sid, request.params.Sid));
      await ctx.store.incomingPhoneNumbers.delete(n.sid);
      return reply.code(204).send();
    });
  };
}

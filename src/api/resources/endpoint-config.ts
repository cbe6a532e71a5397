import type { Params } from '../params.js';

/** The voice and SMS webhook settings that phone numbers and applications share, read from a form. */
export interface EndpointConfigPatch {
  friendlyName?: string;
  apiVersion?: string;
  voiceUrl?: string | null;
  voiceMethod?: string;
  voiceFallbackUrl?: string | null;
  voiceFallbackMethod?: string;
  voiceCallerIdLookup?: number;
  smsUrl?: string | null;
  smsMethod?: string;
  smsFallbackUrl?: string | null;
  smsFallbackMethod?: string;
  statusCallback?: string | null;
  statusCallbackMethod?: string;
}

const defined = <T extends object>(o: T): T =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;

export function readEndpointConfig(params: Params): EndpointConfigPatch {
  const lookup = params.boolean('VoiceCallerIdLookup');
  const apiVersion = params.oneOf('ApiVersion', ['2010-04-01', '2008-08-01'] as const);
  return defined({
    friendlyName: params.string('FriendlyName'),
    apiVersion,
    voiceUrl: params.url('VoiceUrl'),
    voiceMethod: params.method('VoiceMethod'),
    voiceFallbackUrl: params.url('VoiceFallbackUrl'),
    voiceFallbackMethod: params.method('VoiceFallbackMethod'),
    voiceCallerIdLookup: lookup === undefined ? undefined : lookup ? 1 : 0,
    smsUrl: params.url('SmsUrl'),
    smsMethod: params.method('SmsMethod'),
    smsFallbackUrl: params.url('SmsFallbackUrl'),
    smsFallbackMethod: params.method('SmsFallbackMethod'),
    statusCallback: params.url('StatusCallback'),
    statusCallbackMethod: params.method('StatusCallbackMethod'),
  });
}

export const ENDPOINT_DEFAULTS = {
  apiVersion: '2010-04-01',
  voiceUrl: null,
  voiceMethod: 'POST',
  voiceFallbackUrl: null,
  voiceFallbackMethod: 'POST',
  voiceCallerIdLookup: 0,
  smsUrl: null,
  smsMethod: 'POST',
  smsFallbackUrl: null,
  smsFallbackMethod: 'POST',
  statusCallback: null,
  statusCallbackMethod: 'POST',
} as const;

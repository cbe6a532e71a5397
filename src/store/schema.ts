/**
 * Table shapes as Kysely sees them (camelCase through CamelCasePlugin; columns are snake_case in SQL).
 * Timestamps are epoch milliseconds; booleans are 0/1 integers so SQLite and PostgreSQL agree.
 */
export interface AccountTable {
  sid: string;
  parentAccountSid: string | null;
  friendlyName: string;
  status: 'active' | 'suspended' | 'closed';
  type: 'Trial' | 'Full';
  authToken: string;
  dateCreated: number;
  dateUpdated: number;
}

export interface KeyTable {
  sid: string;
  accountSid: string;
  friendlyName: string;
  secretSalt: string;
  secretHash: string;
  dateCreated: number;
  dateUpdated: number;
}

export interface IncomingPhoneNumberTable {
  sid: string;
  accountSid: string;
  phoneNumber: string;
  friendlyName: string;
  apiVersion: string;
  voiceUrl: string | null;
  voiceMethod: string;
  voiceFallbackUrl: string | null;
  voiceFallbackMethod: string;
  voiceCallerIdLookup: number;
  voiceApplicationSid: string | null;
  voiceReceiveMode: string;
  smsUrl: string | null;
  smsMethod: string;
  smsFallbackUrl: string | null;
  smsFallbackMethod: string;
  smsApplicationSid: string | null;
  statusCallback: string | null;
  statusCallbackMethod: string;
  trunkSid: string | null;
  emergencyStatus: string;
  emergencyAddressSid: string | null;
  identitySid: string | null;
  addressSid: string | null;
  bundleSid: string | null;
  origin: string;
  dateCreated: number;
  dateUpdated: number;
}

export interface ApplicationTable {
  sid: string;
  accountSid: string;
  friendlyName: string;
  apiVersion: string;
  voiceUrl: string | null;
  voiceMethod: string;
  voiceFallbackUrl: string | null;
  voiceFallbackMethod: string;
  statusCallback: string | null;
  statusCallbackMethod: string;
  voiceCallerIdLookup: number;
  smsUrl: string | null;
  smsMethod: string;
  smsFallbackUrl: string | null;
  smsFallbackMethod: string;
  smsStatusCallback: string | null;
  messageStatusCallback: string | null;
  publicApplicationConnectEnabled: number;
  dateCreated: number;
  dateUpdated: number;
}

export type CallStatus =
  | 'queued' | 'initiated' | 'ringing' | 'in-progress' | 'completed' | 'busy' | 'failed' | 'no-answer' | 'canceled';
export type CallDirection = 'inbound' | 'outbound-api' | 'outbound-dial' | 'trunking-terminating' | 'trunking-originating';

export interface CallTable {
  sid: string;
  accountSid: string;
  parentCallSid: string | null;
  to: string;
  from: string;
  phoneNumberSid: string | null;
  status: CallStatus;
  startTime: number | null;
  endTime: number | null;
  duration: number | null;
  price: string | null;
  priceUnit: string;
  direction: CallDirection;
  answeredBy: string | null;
  apiVersion: string;
  forwardedFrom: string | null;
  groupSid: string | null;
  callerName: string | null;
  queueTime: number;
  trunkSid: string | null;
  dateCreated: number;
  dateUpdated: number;
}

export type RecordingStatus = 'in-progress' | 'paused' | 'stopped' | 'processing' | 'completed' | 'absent';

export interface RecordingTable {
  sid: string;
  accountSid: string;
  callSid: string | null;
  conferenceSid: string | null;
  startTime: number;
  duration: number | null;
  status: RecordingStatus;
  channels: number;
  source: string;
  errorCode: number | null;
  track: string;
  price: string | null;
  priceUnit: string;
  /** Path of the WAV file relative to the data directory; null until the recording is durable. */
  mediaPath: string | null;
  dateCreated: number;
  dateUpdated: number;
}

export interface NotificationTable {
  sid: string;
  accountSid: string;
  callSid: string | null;
  apiVersion: string;
  errorCode: string;
  log: string;
  messageDate: number;
  messageText: string;
  moreInfo: string;
  requestMethod: string | null;
  requestUrl: string | null;
  requestVariables: string | null;
  responseBody: string | null;
  responseHeaders: string | null;
  dateCreated: number;
  dateUpdated: number;
}

export interface Database {
  accounts: AccountTable;
  keys: KeyTable;
  incomingPhoneNumbers: IncomingPhoneNumberTable;
  applications: ApplicationTable;
  calls: CallTable;
  recordings: RecordingTable;
  notifications: NotificationTable;
}

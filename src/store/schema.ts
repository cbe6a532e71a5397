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
  /** `local`, `mobile` or `toll-free`: set by the create endpoint used (`/Local.json`, …). */
  numberType: 'local' | 'mobile' | 'toll-free';
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
  /**
   * Internal, not part of Twilio's JSON: the node id of the cluster node that holds the call (created it, or placed
   * it after taking it from the queue); null for calls stored before nodes were recorded (a single-node setup).
   */
  nodeId: string | null;
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
  sipDomains: SipDomainTable;
  sipCredentialLists: SipCredentialListTable;
  sipCredentials: SipCredentialTable;
  sipIpAccessControlLists: SipIpAccessControlListTable;
  sipIpAddresses: SipIpAddressTable;
  sipDomainMappings: SipDomainMappingTable;
  registrations: RegistrationTable;
  byocTrunks: ByocTrunkTable;
  connectionPolicies: ConnectionPolicyTable;
  connectionPolicyTargets: ConnectionPolicyTargetTable;
  accountCallLimits: AccountCallLimitsTable;
  outboundCallQueue: OutboundCallQueueTable;
  clusterNodes: ClusterNodeTable;
}

/** A SIP domain (`SIP/Domains`): a host name that SIP requests are addressed to, owned by one account. */
export interface SipDomainTable {
  sid: string;
  accountSid: string;
  /** Lower-case; unique across the server, since a request names only the host. */
  domainName: string;
  friendlyName: string;
  apiVersion: string;
  voiceUrl: string | null;
  voiceMethod: string;
  voiceFallbackUrl: string | null;
  voiceFallbackMethod: string;
  voiceStatusCallbackUrl: string | null;
  voiceStatusCallbackMethod: string;
  sipRegistration: number;
  emergencyCallingEnabled: number;
  secure: number;
  byocTrunkSid: string | null;
  emergencyCallerSid: string | null;
  dateCreated: number;
  dateUpdated: number;
}

export interface SipCredentialListTable {
  sid: string;
  accountSid: string;
  friendlyName: string;
  dateCreated: number;
  dateUpdated: number;
}

export interface SipCredentialTable {
  sid: string;
  accountSid: string;
  credentialListSid: string;
  username: string;
  /** The password sealed with the server's credential key (see `sip-credential-cipher.ts`); never served. */
  sealedPassword: string;
  dateCreated: number;
  dateUpdated: number;
}

export interface SipIpAccessControlListTable {
  sid: string;
  accountSid: string;
  friendlyName: string;
  dateCreated: number;
  dateUpdated: number;
}

export interface SipIpAddressTable {
  sid: string;
  accountSid: string;
  ipAccessControlListSid: string;
  friendlyName: string;
  ipAddress: string;
  cidrPrefixLength: number;
  dateCreated: number;
  dateUpdated: number;
}

/**
 * Which list a domain uses for what: the legacy mappings (`credential-list`, `ip-acl`, both for calls), the
 * `Auth/Calls` ones and `Auth/Registrations`.
 */
export type SipMappingKind = 'credential-list' | 'ip-acl' | 'calls-credential-list' | 'calls-ip-acl' | 'registrations-credential-list';

export interface SipDomainMappingTable {
  domainSid: string;
  kind: SipMappingKind;
  /** The mapped list's SID (CL or AL): Twilio serves it as the mapping's `sid`. */
  sid: string;
  accountSid: string;
  dateCreated: number;
  dateUpdated: number;
}

/** One Contact binding of an address-of-record (RFC 3261 §10.3), kept across restarts. */
export interface RegistrationTable {
  id: string;
  domainSid: string;
  /** The address-of-record's user part, as sent (case-sensitive, RFC 3261 §19.1.4). */
  aor: string;
  contactUri: string;
  /** The whole Contact header value as received (display name and header parameters), for responses. */
  contact: string;
  q: number | null;
  expiresAt: number;
  callId: string;
  cseq: number;
  /** Transport, address and port the REGISTER came from, to reach a contact behind NAT. */
  sourceTransport: string;
  sourceAddress: string;
  sourcePort: number;
  /** RFC 5626 §4.2: +sip.instance and reg-id, when the UA sent them. */
  instanceId: string | null;
  regId: number | null;
  dateCreated: number;
  dateUpdated: number;
}

/** A BYOC trunk (Voice v1 `ByocTrunks`): a carrier's SIP network, reached through its connection policy. */
export interface ByocTrunkTable {
  sid: string;
  accountSid: string;
  friendlyName: string | null;
  voiceUrl: string | null;
  voiceMethod: string;
  voiceFallbackUrl: string | null;
  voiceFallbackMethod: string;
  statusCallbackUrl: string | null;
  statusCallbackMethod: string;
  cnamLookupEnabled: number;
  connectionPolicySid: string | null;
  fromDomainSid: string | null;
  /** Patchbay extension: the digest username the carrier challenges outbound INVITEs for (RFC 3261 §22.2). */
  sipAuthUsername: string | null;
  /** Its password, sealed like SIP credentials (`sip-credential-cipher.ts`, the trunk SID as associated data). */
  sealedSipAuthPassword: string | null;
  dateCreated: number;
  dateUpdated: number;
}

export interface ConnectionPolicyTable {
  sid: string;
  accountSid: string;
  friendlyName: string | null;
  dateCreated: number;
  dateUpdated: number;
}

/** One entry point of a connection policy: a `sip:` URI with an SRV-style priority and weight (RFC 2782). */
export interface ConnectionPolicyTargetTable {
  sid: string;
  accountSid: string;
  connectionPolicySid: string;
  friendlyName: string | null;
  target: string;
  priority: number;
  weight: number;
  enabled: number;
  dateCreated: number;
  dateUpdated: number;
}

/** Per-account outbound call limits (Patchbay extension); a missing row or null column means the server default. */
export interface AccountCallLimitsTable {
  accountSid: string;
  callsPerSecond: number | null;
  maxConcurrentCalls: number | null;
  dateUpdated: number;
}

/** A call waiting in the outbound call queue; deleted when it is released or canceled. */
export interface OutboundCallQueueTable {
  callSid: string;
  accountSid: string;
  /**
   * Release order; FIFO per account follows it. Strictly increasing per node and never below the enqueue time in ms,
   * so the rows of several nodes interleave in about the order they arrived (ties broken by `callSid`).
   */
  seq: number;
  enqueuedAt: number;
  /** Opaque to the queue: what the originator needs to place the call once released. */
  data: string | null;
  /** The node id of the node that holds the call; null for rows no node has taken yet. */
  owner: string | null;
  /** Epoch ms until which `owner` holds the row; after it, any node may take it (0: anyone, at once). */
  leaseExpiresAt: number;
}

/** A running cluster node and its last heartbeat (epoch ms, its own clock). */
export interface ClusterNodeTable {
  nodeId: string;
  seenAt: number;
}

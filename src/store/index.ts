import { type DatabaseHandle, type Dialect, type OpenDatabaseOptions, openDatabase } from './database.js';
import { AccountCallLimitsRepository } from './repositories/account-call-limits.js';
import { AccountRepository } from './repositories/accounts.js';
import { ApplicationRepository } from './repositories/applications.js';
import { ByocTrunkRepository } from './repositories/byoc-trunks.js';
import { CallRepository } from './repositories/calls.js';
import { ClusterNodeRepository } from './repositories/cluster-nodes.js';
import { ConnectionPolicyRepository } from './repositories/connection-policies.js';
import { ConnectionPolicyTargetRepository } from './repositories/connection-policy-targets.js';
import { IncomingPhoneNumberRepository } from './repositories/incoming-phone-numbers.js';
import { KeyRepository } from './repositories/keys.js';
import { NotificationRepository } from './repositories/notifications.js';
import { OutboundCallQueueRepository } from './repositories/outbound-call-queue.js';
import { RecordingRepository } from './repositories/recordings.js';
import { RegistrationRepository } from './repositories/registrations.js';
import { CredentialCipher, loadOrCreateCredentialKey } from './repositories/sip-credential-cipher.js';
import { SipCredentialListRepository } from './repositories/sip-credential-lists.js';
import { SipCredentialRepository } from './repositories/sip-credentials.js';
import { SipDomainMappingRepository } from './repositories/sip-domain-mappings.js';
import { SipDomainRepository } from './repositories/sip-domains.js';
import { SipIpAccessControlListRepository } from './repositories/sip-ip-access-control-lists.js';
import { SipIpAddressRepository } from './repositories/sip-ip-addresses.js';

/** Every repository over one database: what services receive instead of a connection. */
export interface Store {
  readonly dialect: Dialect;
  readonly location: string;
  readonly accounts: AccountRepository;
  readonly keys: KeyRepository;
  readonly incomingPhoneNumbers: IncomingPhoneNumberRepository;
  readonly applications: ApplicationRepository;
  readonly calls: CallRepository;
  readonly recordings: RecordingRepository;
  readonly notifications: NotificationRepository;
  readonly sipDomains: SipDomainRepository;
  readonly sipCredentialLists: SipCredentialListRepository;
  readonly sipCredentials: SipCredentialRepository;
  readonly sipIpAccessControlLists: SipIpAccessControlListRepository;
  readonly sipIpAddresses: SipIpAddressRepository;
  readonly sipDomainMappings: SipDomainMappingRepository;
  readonly registrations: RegistrationRepository;
  readonly byocTrunks: ByocTrunkRepository;
  readonly connectionPolicies: ConnectionPolicyRepository;
  readonly connectionPolicyTargets: ConnectionPolicyTargetRepository;
  readonly accountCallLimits: AccountCallLimitsRepository;
  readonly outboundCallQueue: OutboundCallQueueRepository;
  readonly clusterNodes: ClusterNodeRepository;
  close(): Promise<void>;
}

export interface StoreOptions {
  /**
   * The 32-byte key that seals SIP credential passwords, asked for on first use. Every node of a cluster needs the
   * same one. Without it, sealing or opening a SIP password throws.
   */
  sipCredentialKey?: () => Uint8Array;
  /** This node's id in a cluster: the node of the calls it stores (see `CallRepositoryOptions.nodeId`). */
  nodeId?: string;
}

export interface OpenStoreOptions extends OpenDatabaseOptions {
  /** The SIP credential key; default: `<dataDir>/sip-credentials.key`, created on first use. */
  sipCredentialKey?: Uint8Array;
  /** This node's id in a cluster (see `StoreOptions.nodeId`). */
  nodeId?: string;
}

export function storeOver(handle: DatabaseHandle, options: StoreOptions = {}): Store {
  const { db } = handle;
  let cipher: CredentialCipher | undefined;
  const sipCipher = (): CredentialCipher => {
    if (!options.sipCredentialKey) throw new Error('no SIP credential key was configured for this store');
    cipher ??= new CredentialCipher(options.sipCredentialKey());
    return cipher;
  };
  return {
    dialect: handle.dialect,
    location: handle.location,
    accounts: new AccountRepository(handle),
    keys: new KeyRepository(handle),
    incomingPhoneNumbers: new IncomingPhoneNumberRepository(handle),
    applications: new ApplicationRepository(handle),
    calls: new CallRepository(handle, { nodeId: options.nodeId }),
    recordings: new RecordingRepository(handle),
    notifications: new NotificationRepository(handle),
    sipDomains: new SipDomainRepository(handle),
    sipCredentialLists: new SipCredentialListRepository(handle),
    sipCredentials: new SipCredentialRepository(handle, sipCipher),
    sipIpAccessControlLists: new SipIpAccessControlListRepository(handle),
    sipIpAddresses: new SipIpAddressRepository(handle),
    sipDomainMappings: new SipDomainMappingRepository(db),
    registrations: new RegistrationRepository(db),
    byocTrunks: new ByocTrunkRepository(handle, sipCipher),
    connectionPolicies: new ConnectionPolicyRepository(handle),
    connectionPolicyTargets: new ConnectionPolicyTargetRepository(handle),
    accountCallLimits: new AccountCallLimitsRepository(db),
    outboundCallQueue: new OutboundCallQueueRepository(db),
    clusterNodes: new ClusterNodeRepository(db),
    close: () => handle.close(),
  };
}

export async function openStore(options: OpenStoreOptions): Promise<Store> {
  const key = options.sipCredentialKey;
  return storeOver(await openDatabase(options), {
    sipCredentialKey: () => key ?? loadOrCreateCredentialKey(options.dataDir),
    nodeId: options.nodeId,
  });
}

export { isPostgresUrl, type Dialect } from './database.js';
export { type Page, type PageRequest, InvalidPageTokenError } from './paging.js';
export type { TimeRange } from './repositories/range.js';
export { type Account, newAuthToken } from './repositories/accounts.js';
export type { ApiKey } from './repositories/keys.js';
export type { IncomingPhoneNumber, IncomingPhoneNumberFilters } from './repositories/incoming-phone-numbers.js';
export type { Application } from './repositories/applications.js';
export type { Call, CallFilters, NewCall } from './repositories/calls.js';
export type { ClusterNode } from './repositories/cluster-nodes.js';
export type { Recording, RecordingFilters } from './repositories/recordings.js';
export type { Notification, NotificationFilters } from './repositories/notifications.js';
export type { CallStatus, CallDirection, RecordingStatus } from './schema.js';
export type { SipMappingKind } from './schema.js';
export { type SipDomain, DomainNameTakenError } from './repositories/sip-domains.js';
export type { SipCredentialList } from './repositories/sip-credential-lists.js';
export { type SipCredential, UsernameTakenError } from './repositories/sip-credentials.js';
export type { SipIpAccessControlList } from './repositories/sip-ip-access-control-lists.js';
export type { SipIpAddress } from './repositories/sip-ip-addresses.js';
export { type SipDomainMapping, MappingExistsError, CREDENTIAL_LIST_KINDS } from './repositories/sip-domain-mappings.js';
export type { Registration, RegistrationInput } from './repositories/registrations.js';
export { CredentialCipher, CREDENTIAL_KEY_FILE, loadOrCreateCredentialKey } from './repositories/sip-credential-cipher.js';
export type { ByocTrunk, CarrierCredentials } from './repositories/byoc-trunks.js';
export type { ConnectionPolicy } from './repositories/connection-policies.js';
export type { ConnectionPolicyTarget } from './repositories/connection-policy-targets.js';
export type { AccountCallLimits, CallLimitsPatch } from './repositories/account-call-limits.js';
export type { QueuedCallRow } from './repositories/outbound-call-queue.js';

import { type DatabaseHandle, type Dialect, type OpenDatabaseOptions, openDatabase } from './database.js';
import { AccountRepository } from './repositories/accounts.js';
import { ApplicationRepository } from './repositories/applications.js';
import { CallRepository } from './repositories/calls.js';
import { IncomingPhoneNumberRepository } from './repositories/incoming-phone-numbers.js';
import { KeyRepository } from './repositories/keys.js';
import { NotificationRepository } from './repositories/notifications.js';
import { RecordingRepository } from './repositories/recordings.js';

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
  close(): Promise<void>;
}

export function storeOver(handle: DatabaseHandle): Store {
  const { db } = handle;
  return {
    dialect: handle.dialect,
    location: handle.location,
    accounts: new AccountRepository(db),
    keys: new KeyRepository(db),
    incomingPhoneNumbers: new IncomingPhoneNumberRepository(db),
    applications: new ApplicationRepository(db),
    calls: new CallRepository(db),
    recordings: new RecordingRepository(db),
    notifications: new NotificationRepository(db),
    close: () => handle.close(),
  };
}

export async function openStore(options: OpenDatabaseOptions): Promise<Store> {
  return storeOver(await openDatabase(options));
}

export { isPostgresUrl, type Dialect } from './database.js';
export { type Page, type PageRequest, InvalidPageTokenError } from './paging.js';
export type { TimeRange } from './repositories/range.js';
export { type Account, newAuthToken } from './repositories/accounts.js';
export type { ApiKey } from './repositories/keys.js';
export type { IncomingPhoneNumber, IncomingPhoneNumberFilters } from './repositories/incoming-phone-numbers.js';
export type { Application } from './repositories/applications.js';
export type { Call, CallFilters } from './repositories/calls.js';
export type { Recording, RecordingFilters } from './repositories/recordings.js';
export type { Notification, NotificationFilters } from './repositories/notifications.js';
export type { CallStatus, CallDirection, RecordingStatus } from './schema.js';

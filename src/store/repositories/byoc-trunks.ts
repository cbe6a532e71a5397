import type { ByocTrunkTable } from '../schema.js';
import { type Page, type PageRequest, keysetPage } from '../paging.js';
import type { CredentialCipher } from './sip-credential-cipher.js';
import type { StoreDatabase } from '../database.js';
import { SidRepository } from './sid-repository.js';

/** A trunk as the API shows it: the carrier password never leaves the store except to answer a digest challenge. */
export type ByocTrunk = Omit<ByocTrunkTable, 'sealedSipAuthPassword'>;

/** Digest credentials for the carrier (Patchbay extension): undefined fields leave them, null clears them. */
export interface CarrierPassword {
  sipAuthPassword?: string | null;
}

/** What the originator answers a carrier's 401/407 with (RFC 3261 §22.2). */
export interface CarrierCredentials {
  username: string;
  password: string;
}

const publicColumns = [
  'sid', 'accountSid', 'friendlyName', 'voiceUrl', 'voiceMethod', 'voiceFallbackUrl', 'voiceFallbackMethod',
  'statusCallbackUrl', 'statusCallbackMethod', 'cnamLookupEnabled', 'connectionPolicySid', 'fromDomainSid',
  'sipAuthUsername', 'dateCreated', 'dateUpdated',
] as const;

export class ByocTrunkRepository extends SidRepository<'byocTrunks'> {
  /** The cipher is built on first use, as for SIP credentials. */
  constructor(
    database: StoreDatabase,
    private readonly cipher: () => CredentialCipher,
  ) {
    super(database, 'byocTrunks');
  }

  async create(input: ByocTrunk & CarrierPassword): Promise<ByocTrunk> {
    const { sipAuthPassword, ...trunk } = input;
    await this.insertRow({ ...trunk, sealedSipAuthPassword: this.seal(trunk.sid, sipAuthPassword) ?? null });
    return trunk;
  }

  findOwned(accountSid: string, sid: string): Promise<ByocTrunk | undefined> {
    return this.db.selectFrom('byocTrunks').select(publicColumns).where('sid', '=', sid).where('accountSid', '=', accountSid).executeTakeFirst();
  }

  list(accountSid: string, page: PageRequest): Promise<Page<ByocTrunk>> {
    const q = this.db.selectFrom('byocTrunks').select(publicColumns).where('accountSid', '=', accountSid);
    return keysetPage(q, page, { timeColumn: 'dateCreated', order: 'asc' });
  }

  /** The account's oldest trunk that has a connection policy: where its calls go when they name no trunk. */
  async firstRoutable(accountSid: string): Promise<ByocTrunk | undefined> {
    const statement = this.compiled('firstRoutable', ['accountSid'], (p) =>
      this.db
        .selectFrom('byocTrunks')
        .select(publicColumns)
        .where('accountSid', '=', p.accountSid)
        .where('connectionPolicySid', 'is not', null)
        .orderBy('dateCreated')
        .orderBy('sid')
        .compile(),
    );
    const [row] = await statement.run<ByocTrunk>({ accountSid });
    return row;
  }

  async change(sid: string, patch: Partial<Omit<ByocTrunk, 'sid' | 'accountSid'>> & CarrierPassword): Promise<ByocTrunk | undefined> {
    const { sipAuthPassword, ...rest } = patch;
    const sealed = this.seal(sid, sipAuthPassword);
    const row = await this.update(sid, { ...rest, ...(sealed !== undefined ? { sealedSipAuthPassword: sealed } : {}) });
    if (!row) return undefined;
    const { sealedSipAuthPassword: _sealed, ...trunk } = row;
    return trunk;
  }

  /** Trunks that route through a policy lose it when the policy is deleted. */
  async detachPolicy(policySid: string, now: number): Promise<void> {
    await this.db.updateTable('byocTrunks').set({ connectionPolicySid: null, dateUpdated: now }).where('connectionPolicySid', '=', policySid).execute();
  }

  /**
   * The carrier's digest credentials, when the trunk has both a username and a password that opens under this
   * server's key; undefined otherwise (the INVITE then goes out without credentials).
   */
  async carrierCredentials(sid: string): Promise<CarrierCredentials | undefined> {
    const statement = this.compiled('carrierCredentials', ['sid'], (p) =>
      this.db.selectFrom('byocTrunks').select(['sipAuthUsername', 'sealedSipAuthPassword']).where('sid', '=', p.sid).compile(),
    );
    const [row] = await statement.run<Pick<ByocTrunkTable, 'sipAuthUsername' | 'sealedSipAuthPassword'>>({ sid });
    if (!row?.sipAuthUsername || !row.sealedSipAuthPassword) return undefined;
    const password = this.cipher().open(row.sealedSipAuthPassword, sid);
    return password === undefined ? undefined : { username: row.sipAuthUsername, password };
  }

  private seal(sid: string, password: string | null | undefined): string | null | undefined {
    if (password === undefined || password === null) return password;
    return this.cipher().seal(password, sid);
  }
}

import type { SipDomainTable } from '../schema.js';
import { type Page, type PageRequest, keysetPage } from '../paging.js';
import type { StoreDatabase } from '../database.js';
import { SidRepository } from './sid-repository.js';

export type SipDomain = SipDomainTable;

/** Thrown when a domain name is already taken by any account on this server. */
export class DomainNameTakenError extends Error {
  constructor(readonly domainName: string) {
    super(`SIP domain ${domainName} already exists`);
    this.name = 'DomainNameTakenError';
  }
}

export class SipDomainRepository extends SidRepository<'sipDomains'> {
  constructor(database: StoreDatabase) {
    super(database, 'sipDomains');
  }

  /** Creates the domain; the name is compared case-insensitively (host names are, RFC 3261 §19.1.4). */
  async create(row: SipDomain): Promise<SipDomain> {
    const domainName = row.domainName.toLowerCase();
    if (await this.findByDomainName(domainName)) throw new DomainNameTakenError(domainName);
    try {
      return await this.insertRow({ ...row, domainName });
    } catch (err) {
      // Lost a race with another insert of the same name: the unique index decides.
      if (await this.findByDomainName(domainName)) throw new DomainNameTakenError(domainName);
      throw err;
    }
  }

  async rename(sid: string, patch: Partial<SipDomain>): Promise<SipDomain | undefined> {
    if (patch.domainName !== undefined) {
      const domainName = patch.domainName.toLowerCase();
      const holder = await this.findByDomainName(domainName);
      if (holder && holder.sid !== sid) throw new DomainNameTakenError(domainName);
      patch = { ...patch, domainName };
    }
    try {
      return await this.update(sid, patch);
    } catch (err) {
      if (patch.domainName !== undefined) {
        const holder = await this.findByDomainName(patch.domainName);
        if (holder && holder.sid !== sid) throw new DomainNameTakenError(patch.domainName);
      }
      throw err;
    }
  }

  findByDomainName(domainName: string): Promise<SipDomain | undefined> {
    return this.db.selectFrom('sipDomains').selectAll().where('domainName', '=', domainName.toLowerCase()).executeTakeFirst();
  }

  list(accountSid: string, page: PageRequest): Promise<Page<SipDomain>> {
    const q = this.db.selectFrom('sipDomains').selectAll().where('accountSid', '=', accountSid);
    return keysetPage(q, page, { timeColumn: 'dateCreated', order: 'asc' });
  }

  /** Deletes the domain with its mappings and registrations. */
  async remove(sid: string): Promise<boolean> {
    return this.db.transaction().execute(async (tx) => {
      await tx.deleteFrom('sipDomainMappings').where('domainSid', '=', sid).execute();
      await tx.deleteFrom('registrations').where('domainSid', '=', sid).execute();
      const result = await tx.deleteFrom('sipDomains').where('sid', '=', sid).executeTakeFirst();
      return Number(result.numDeletedRows) > 0;
    });
  }
}

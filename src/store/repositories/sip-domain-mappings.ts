import type { Kysely } from 'kysely';
import type { Database, SipDomainMappingTable, SipMappingKind } from '../schema.js';
import { type Page, type PageRequest, keysetPage } from '../paging.js';

/** A mapping as served: the mapped list's SID and its current friendly name. */
export interface SipDomainMapping extends SipDomainMappingTable {
  friendlyName: string;
}

export class MappingExistsError extends Error {
  constructor(readonly sid: string) {
    super(`${sid} is already mapped to this domain`);
    this.name = 'MappingExistsError';
  }
}

/** Kinds whose mapped SID is a credential list (CL); the others map IP access control lists (AL). */
export const CREDENTIAL_LIST_KINDS: readonly SipMappingKind[] = ['credential-list', 'calls-credential-list', 'registrations-credential-list'];

/** Links between a SIP domain and the credential lists and IP access control lists it uses. */
export class SipDomainMappingRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async create(row: SipDomainMappingTable): Promise<SipDomainMapping> {
    if (await this.findRow(row.domainSid, row.kind, row.sid)) throw new MappingExistsError(row.sid);
    try {
      await this.db.insertInto('sipDomainMappings').values(row).execute();
    } catch (err) {
      if (await this.findRow(row.domainSid, row.kind, row.sid)) throw new MappingExistsError(row.sid);
      throw err;
    }
    return (await this.withNames(row.kind, [row]))[0]!;
  }

  async find(domainSid: string, kind: SipMappingKind, sid: string): Promise<SipDomainMapping | undefined> {
    const row = await this.findRow(domainSid, kind, sid);
    return row && (await this.withNames(kind, [row]))[0];
  }

  async list(domainSid: string, kind: SipMappingKind, page: PageRequest): Promise<Page<SipDomainMapping>> {
    const q = this.db.selectFrom('sipDomainMappings').selectAll().where('domainSid', '=', domainSid).where('kind', '=', kind);
    const result = await keysetPage(q, page, { timeColumn: 'dateCreated', order: 'asc' });
    return { ...result, items: await this.withNames(kind, result.items) };
  }

  async delete(domainSid: string, kind: SipMappingKind, sid: string): Promise<boolean> {
    const result = await this.db
      .deleteFrom('sipDomainMappings')
      .where('domainSid', '=', domainSid)
      .where('kind', '=', kind)
      .where('sid', '=', sid)
      .executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  /** SIDs of the lists mapped to a domain under any of `kinds`, oldest mapping first, without duplicates. */
  async listSids(domainSid: string, kinds: readonly SipMappingKind[]): Promise<string[]> {
    if (kinds.length === 0) return [];
    const rows = await this.db
      .selectFrom('sipDomainMappings')
      .select(['sid'])
      .where('domainSid', '=', domainSid)
      .where('kind', 'in', kinds)
      .orderBy('dateCreated')
      .orderBy('sid')
      .execute();
    return [...new Set(rows.map((r) => r.sid))];
  }

  /** Which kinds of mapping a domain has at all (for its `auth_type`). */
  async kindsOf(domainSid: string): Promise<SipMappingKind[]> {
    const rows = await this.db.selectFrom('sipDomainMappings').select('kind').distinct().where('domainSid', '=', domainSid).execute();
    return rows.map((r) => r.kind);
  }

  /** {@link kindsOf} for several domains in one query (for a page of domains). */
  async kindsOfMany(domainSids: readonly string[]): Promise<Map<string, SipMappingKind[]>> {
    const out = new Map<string, SipMappingKind[]>(domainSids.map((sid) => [sid, []]));
    if (domainSids.length === 0) return out;
    const rows = await this.db
      .selectFrom('sipDomainMappings')
      .select(['domainSid', 'kind'])
      .distinct()
      .where('domainSid', 'in', domainSids)
      .execute();
    for (const r of rows) out.get(r.domainSid)?.push(r.kind);
    return out;
  }

  private findRow(domainSid: string, kind: SipMappingKind, sid: string): Promise<SipDomainMappingTable | undefined> {
    return this.db
      .selectFrom('sipDomainMappings')
      .selectAll()
      .where('domainSid', '=', domainSid)
      .where('kind', '=', kind)
      .where('sid', '=', sid)
      .executeTakeFirst();
  }

  private async withNames(kind: SipMappingKind, rows: SipDomainMappingTable[]): Promise<SipDomainMapping[]> {
    if (rows.length === 0) return [];
    const sids = rows.map((r) => r.sid);
    const names = CREDENTIAL_LIST_KINDS.includes(kind)
      ? await this.db.selectFrom('sipCredentialLists').select(['sid', 'friendlyName']).where('sid', 'in', sids).execute()
      : await this.db.selectFrom('sipIpAccessControlLists').select(['sid', 'friendlyName']).where('sid', 'in', sids).execute();
    const byId = new Map(names.map((n) => [n.sid, n.friendlyName]));
    return rows.map((r) => ({ ...r, friendlyName: byId.get(r.sid) ?? '' }));
  }
}

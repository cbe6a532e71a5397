import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database, RegistrationTable } from '../schema.js';

export type Registration = RegistrationTable;
/** A binding to write: the id and the dates are the repository's business. */
export type RegistrationInput = Omit<RegistrationTable, 'id' | 'dateCreated' | 'dateUpdated'>;

/**
 * Contact bindings of SIP registrations (RFC 3261 §10.3), per domain and address-of-record. Expired rows are never
 * returned; `deleteExpired` removes them for good.
 */
export class RegistrationRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /** Unexpired bindings of one address-of-record, highest q first (RFC 3261 §10.2.1.2: absent q ranks as 1.0). */
  async find(domainSid: string, aor: string, now: number): Promise<Registration[]> {
    const rows = await this.db
      .selectFrom('registrations')
      .selectAll()
      .where('domainSid', '=', domainSid)
      .where('aor', '=', aor)
      .where('expiresAt', '>', now)
      .orderBy('dateCreated')
      .orderBy('id')
      .execute();
    return rows.sort((a, b) => (b.q ?? 1) - (a.q ?? 1));
  }

  /**
   * Replaces every binding of an address-of-record in one transaction: the registrar computes the new set from the
   * old one (§10.3 steps 6–7), so readers never see half an update. Rows whose contact URI survives keep their
   * creation date.
   */
  async replace(domainSid: string, aor: string, bindings: readonly RegistrationInput[], now: number): Promise<void> {
    await this.db.transaction().execute(async (tx) => {
      const old = await tx
        .selectFrom('registrations')
        .select(['contactUri', 'dateCreated'])
        .where('domainSid', '=', domainSid)
        .where('aor', '=', aor)
        .execute();
      const created = new Map(old.map((r) => [r.contactUri, r.dateCreated]));
      await tx.deleteFrom('registrations').where('domainSid', '=', domainSid).where('aor', '=', aor).execute();
      if (bindings.length === 0) return;
      await tx
        .insertInto('registrations')
        .values(bindings.map((b) => ({ ...b, domainSid, aor, id: randomBytes(16).toString('hex'), dateCreated: created.get(b.contactUri) ?? now, dateUpdated: now })))
        .execute();
    });
  }

  /** Deletes bindings that expired at or before `now`; returns how many. */
  async deleteExpired(now: number): Promise<number> {
    const result = await this.db.deleteFrom('registrations').where('expiresAt', '<=', now).executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  /** How many unexpired bindings a domain has (for the console and metrics). */
  async countForDomain(domainSid: string, now: number): Promise<number> {
    const row = await this.db
      .selectFrom('registrations')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('domainSid', '=', domainSid)
      .where('expiresAt', '>', now)
      .executeTakeFirst();
    return Number(row?.n ?? 0);
  }
}

import { randomBytes } from 'node:crypto';

/** Twilio SID prefixes used by Patchbay (reference §1.1). */
export type SidPrefix =
  | 'AC' | 'CA' | 'RE' | 'QU' | 'CF' | 'PN' | 'AP' | 'SM' | 'MM' | 'ME' | 'UT' | 'NO' | 'SK' | 'TR'
  | 'SD' | 'CL' | 'CR' | 'AL' | 'IP' | 'MZ' | 'BY' | 'NC' | 'WS' | 'WK' | 'WA' | 'WQ' | 'WW' | 'WT'
  | 'WR' | 'TC' | 'WC' | 'EV' | 'NY' | 'NE';

/** Random bytes drawn a block at a time: one randomBytes call per 256 SIDs instead of one (and a Buffer) per SID. */
const POOL_BYTES = 4096;
let pool = Buffer.alloc(0);
let used = 0;

/** A 34-character SID: two-letter prefix and 32 lowercase hex digits. */
export function newSid(prefix: SidPrefix): string {
  if (used + 16 > pool.length) {
    pool = randomBytes(POOL_BYTES);
    used = 0;
  }
  const sid = prefix + pool.toString('hex', used, used + 16);
  used += 16;
  return sid;
}

export function isSid(value: unknown, prefix?: SidPrefix): value is string {
  if (typeof value !== 'string' || !/^[A-Z]{2}[0-9a-fA-F]{32}$/.test(value)) return false;
  return prefix === undefined || value.startsWith(prefix);
}

import { randomBytes } from 'node:crypto';

/** Twilio SID prefixes used by Patchbay (reference §1.1). */
export type SidPrefix =
  | 'AC' | 'CA' | 'RE' | 'QU' | 'CF' | 'PN' | 'AP' | 'SM' | 'MM' | 'ME' | 'UT' | 'NO' | 'SK' | 'TR'
  | 'SD' | 'CL' | 'CR' | 'AL' | 'IP' | 'MZ' | 'BY' | 'NC' | 'WS' | 'WK' | 'WA' | 'WQ' | 'WW' | 'WT'
  | 'WR' | 'TC' | 'WC' | 'EV' | 'NY' | 'NE';

/** A 34-character SID: two-letter prefix and 32 lowercase hex digits. */
export function newSid(prefix: SidPrefix): string {
  return prefix + randomBytes(16).toString('hex');
}

export function isSid(value: unknown, prefix?: SidPrefix): value is string {
  if (typeof value !== 'string' || !/^[A-Z]{2}[0-9a-fA-F]{32}$/.test(value)) return false;
  return prefix === undefined || value.startsWith(prefix);
}

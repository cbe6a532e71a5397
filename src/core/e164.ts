/** E.164: a plus sign, a non-zero leading digit, at most 15 digits in all. */
export function isE164(value: string): boolean {
  return /^\+[1-9]\d{1,14}$/.test(value);
}

/**
 * The `*_formatted` form Twilio shows: NANP numbers as `(415) 555-1212`, other E.164 numbers unchanged,
 * non-numbers (SIP URIs, `client:` identities) unchanged.
 */
export function formatNumber(value: string): string {
  const nanp = /^\+1(\d{3})(\d{3})(\d{4})$/.exec(value);
  return nanp ? `(${nanp[1]}) ${nanp[2]}-${nanp[3]}` : value;
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const pad = (n: number) => String(n).padStart(2, '0');

/** RFC 2822 date in GMT as Twilio writes it: `Fri, 20 Aug 2010 01:13:42 +0000`. */
export function rfc2822(date: Date | number): string {
  const d = typeof date === 'number' ? new Date(date) : date;
  return (
    `${DAYS[d.getUTCDay()]}, ${pad(d.getUTCDate())} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()} ` +
    `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} +0000`
  );
}

/** Nullable variant for optional timestamps stored as epoch milliseconds. */
export function rfc2822OrNull(ms: number | null | undefined): string | null {
  return ms === null || ms === undefined ? null : rfc2822(ms);
}

/**
 * Parses the date forms Twilio accepts in filters: `YYYY-MM-DD` (midnight GMT) and ISO 8601 date-times.
 * Returns epoch milliseconds or undefined when the value is not a date.
 */
export function parseFilterDate(value: string): number | undefined {
  if (/^\d{4}-\d{2}-\d{2}$/.test(value)) {
    const ms = Date.parse(`${value}T00:00:00Z`);
    return Number.isNaN(ms) ? undefined : ms;
  }
  if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/.test(value)) {
    const ms = Date.parse(value);
    return Number.isNaN(ms) ? undefined : ms;
  }
  return undefined;
}

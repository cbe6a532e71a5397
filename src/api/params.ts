import { ErrorCode, TwilioError, invalidParameter, parseFilterDate } from '../core/index.js';
import type { TimeRange } from '../store/index.js';
import type { Form } from './form.js';

/**
 * Reading typed parameters out of a form. Every failure is a TwilioError with the code Twilio uses, so handlers
 * never build error JSON themselves. Unknown parameters are ignored, as Twilio does.
 */
export class Params {
  constructor(private readonly form: Form) {}

  has(name: string): boolean {
    return this.form[name] !== undefined;
  }

  /** The first value of a parameter (Twilio takes the first of repeated scalar parameters). */
  string(name: string): string | undefined {
    const v = this.form[name];
    return Array.isArray(v) ? v[0] : v;
  }

  all(name: string): string[] {
    const v = this.form[name];
    return v === undefined ? [] : Array.isArray(v) ? v : [v];
  }

  required(name: string, code: number = ErrorCode.InvalidParameter): string {
    const v = this.string(name);
    if (v === undefined || v === '') throw new TwilioError(code, 400, `Missing required parameter ${name} in the post body`);
    return v;
  }

  /** A URL parameter: absent → undefined, empty → null (clears it), otherwise an absolute http(s) URL. */
  url(name: string, code: number = ErrorCode.InvalidUrlParameter): string | null | undefined {
    const v = this.string(name);
    if (v === undefined) return undefined;
    if (v === '') return null;
    if (!isHttpUrl(v)) throw invalidParameter(code, `${name} is not a valid URL: ${v}`);
    return v;
  }

  /** `GET` or `POST`, case-insensitive as Twilio accepts them; stored upper-case. */
  method(name: string): string | undefined {
    const v = this.string(name);
    if (v === undefined) return undefined;
    const upper = v.toUpperCase();
    if (upper !== 'GET' && upper !== 'POST') {
      throw invalidParameter(ErrorCode.InvalidParameter, `${name} must be GET or POST, not '${v}'`);
    }
    return upper;
  }

  boolean(name: string): boolean | undefined {
    const v = this.string(name);
    if (v === undefined) return undefined;
    const lower = v.toLowerCase();
    if (lower === 'true') return true;
    if (lower === 'false') return false;
    throw invalidParameter(ErrorCode.InvalidParameter, `${name} must be true or false, not '${v}'`);
  }

  oneOf<T extends string>(name: string, allowed: readonly T[]): T | undefined {
    const v = this.string(name);
    if (v === undefined) return undefined;
    const match = allowed.find((a) => a.toLowerCase() === v.toLowerCase());
    if (!match) throw invalidParameter(ErrorCode.InvalidParameter, `${name} must be one of ${allowed.join(', ')}, not '${v}'`);
    return match;
  }

  sid(name: string, prefix: string): string | undefined {
    const v = this.string(name);
    if (v === undefined || v === '') return undefined;
    if (!new RegExp(`^${prefix}[0-9a-fA-F]{32}$`).test(v)) {
      throw invalidParameter(ErrorCode.InvalidParameter, `${name} is not a valid ${prefix} SID: ${v}`);
    }
    return v;
  }

  /** `Name`, `Name<` and `Name>` as one inclusive range; a bare date matches that whole GMT day. */
  timeRange(name: string): TimeRange | undefined {
    const on = this.string(name);
    const before = this.string(`${name}<`);
    const after = this.string(`${name}>`);
    if (on === undefined && before === undefined && after === undefined) return undefined;
    const parse = (key: string, value: string) => {
      const ms = parseFilterDate(value);
      if (ms === undefined) throw invalidParameter(ErrorCode.InvalidParameter, `${key} is not a valid date: ${value}`);
      return ms;
    };
    const range: TimeRange = {};
    if (on !== undefined) {
      // `Name=` selects a GMT day ("calls that started on this date"); a date-time selects the day it falls on.
      const day = Math.floor(parse(name, on) / 86_400_000) * 86_400_000;
      range.on = { from: day, to: day + 86_400_000 - 1 };
    }
    // A bare day as an upper bound includes the whole day.
    if (before !== undefined) range.before = parse(`${name}<`, before) + (/^\d{4}-\d{2}-\d{2}$/.test(before) ? 86_400_000 - 1 : 0);
    if (after !== undefined) range.after = parse(`${name}>`, after);
    return range;
  }
}

export function isHttpUrl(value: string): boolean {
  if (value.length > 4096) return false;
  try {
    const u = new URL(value);
    return (u.protocol === 'http:' || u.protocol === 'https:') && u.hostname !== '';
  } catch {
    return false;
  }
}

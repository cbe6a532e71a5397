/**
 * Reading TwiML attributes into typed values. Names are case-sensitive (reference §3.1); an attribute the element
 * does not define is a 12200 schema warning; a bad value is a warning with the verb's own code where Twilio has one
 * (reference §9 and the error pages cited in `notifications.ts`), and the default applies, as Twilio does.
 */
import { ErrorCode } from '../../core/index.js';
import type { NotificationDraft } from '../notifications.js';
import type { HttpMethod } from '../webhook/params.js';
import type { RecordingStatusEvent } from './types.js';
import type { XmlElement } from './xml.js';

export const RECORDING_EVENTS: readonly RecordingStatusEvent[] = ['in-progress', 'completed', 'absent'];

/** Collects the warnings of one document and resolves its relative URLs. */
export class ParseContext {
  readonly warnings: NotificationDraft[] = [];

  constructor(readonly documentUrl: string | null) {}

  warn(code: number, message: string): void {
    this.warnings.push({ code, level: 'warning', message, requestUrl: this.documentUrl });
  }

  error(code: number, message: string): void {
    this.warnings.push({ code, level: 'error', message, requestUrl: this.documentUrl });
  }

  /** Resolves `value` against the document URL (RFC 3986 §5); null (with an 11100 warning) when it cannot be. */
  resolveUrl(value: string, where: string): string | null {
    const trimmed = value.trim();
    try {
      const url = this.documentUrl === null ? new URL(trimmed) : new URL(trimmed, this.documentUrl);
      if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('scheme');
      return url.toString();
    } catch {
      this.warn(ErrorCode.InvalidUrl, `${where}: '${value}' is not a valid URL${this.documentUrl === null ? ' (inline TwiML needs absolute URLs)' : ''}`);
      return null;
    }
  }
}

export class AttrReader {
  private readonly read = new Set<string>();

  constructor(
    private readonly el: XmlElement,
    private readonly ctx: ParseContext,
    /** Attribute names the element defines; any other is reported by `finish()`. */
    private readonly allowed: readonly string[],
  ) {}

  private raw(name: string): string | undefined {
    if (!this.allowed.includes(name)) throw new Error(`internal: <${this.el.name}> reads undeclared attribute ${name}`);
    this.read.add(name);
    return this.el.attributes[name];
  }

  /** Reports attributes outside the element's schema (12200) — call once all are read. */
  finish(): void {
    for (const name of Object.keys(this.el.attributes)) {
      if (!this.allowed.includes(name)) {
        this.ctx.warn(ErrorCode.SchemaValidationWarning, `<${this.el.name}>: unknown attribute '${name}'`);
      }
    }
  }

  has(name: string): boolean {
    return this.raw(name) !== undefined;
  }

  string(name: string): string | null;
  string(name: string, fallback: string): string;
  string(name: string, fallback: string | null = null): string | null {
    return this.raw(name) ?? fallback;
  }

  private bad(name: string, value: string, code: number, expected: string): void {
    this.ctx.warn(code, `<${this.el.name}> ${name}="${value}": ${expected}`);
  }

  /** An integer in [min, max]; `code` is the verb's own warning code. */
  int(name: string, fallback: number, opts: { min?: number; max?: number; code?: number } = {}): number {
    const v = this.raw(name);
    if (v === undefined) return fallback;
    const n = /^\s*[+-]?\d+\s*$/.test(v) ? Number(v) : NaN;
    const min = opts.min ?? Number.MIN_SAFE_INTEGER;
    const max = opts.max ?? Number.MAX_SAFE_INTEGER;
    if (!Number.isSafeInteger(n) || n < min || n > max) {
      const range = opts.max !== undefined ? `an integer from ${min} to ${max}` : `an integer ≥ ${min}`;
      this.bad(name, v, opts.code ?? ErrorCode.SchemaValidationWarning, `must be ${range}; using ${fallback}`);
      return fallback;
    }
    return n;
  }

  optionalInt(name: string, opts: { min?: number; max?: number; code?: number } = {}): number | null {
    if (this.raw(name) === undefined) return null;
    const sentinel = Number.MIN_SAFE_INTEGER;
    const n = this.int(name, sentinel, opts);
    return n === sentinel ? null : n;
  }

  /** `true`/`false` (reference §3.1: booleans are the words). */
  bool(name: string, fallback: boolean, code: number = ErrorCode.SchemaValidationWarning): boolean {
    const v = this.raw(name);
    if (v === undefined) return fallback;
    if (v === 'true') return true;
    if (v === 'false') return false;
    this.bad(name, v, code, `must be true or false; using ${fallback}`);
    return fallback;
  }

  oneOf<T extends string>(name: string, values: readonly T[], fallback: T, code: number = ErrorCode.SchemaValidationWarning): T {
    const v = this.raw(name);
    if (v === undefined) return fallback;
    if ((values as readonly string[]).includes(v)) return v as T;
    this.bad(name, v, code, `must be one of ${values.join(', ')}; using ${fallback}`);
    return fallback;
  }

  optionalOneOf<T extends string>(name: string, values: readonly T[], code: number = ErrorCode.SchemaValidationWarning): T | null {
    const v = this.raw(name);
    if (v === undefined) return null;
    if ((values as readonly string[]).includes(v)) return v as T;
    this.bad(name, v, code, `must be one of ${values.join(', ')}; ignored`);
    return null;
  }

  /** `GET` or `POST`, default POST (reference §1.2: every `*Method` defaults to POST). */
  method(name: string, fallback: HttpMethod = 'POST'): HttpMethod {
    const v = this.raw(name);
    if (v === undefined || v === '') return fallback;
    const upper = v.toUpperCase();
    if (upper === 'GET' || upper === 'POST') return upper;
    this.bad(name, v, ErrorCode.SchemaValidationWarning, `must be GET or POST; using ${fallback}`);
    return fallback;
  }

  /** A URL resolved against the document; absent or empty → null. */
  url(name: string): string | null {
    const v = this.raw(name);
    if (v === undefined || v.trim() === '') return null;
    return this.ctx.resolveUrl(v, `<${this.el.name}> ${name}`);
  }

  /** A space-separated list drawn from `values`; unknown entries are dropped with a warning. */
  list<T extends string>(name: string, values: readonly T[], fallback: readonly T[], code: number = ErrorCode.SchemaValidationWarning): T[] {
    const v = this.raw(name);
    if (v === undefined) return [...fallback];
    const out: T[] = [];
    for (const item of v.split(/[\s,]+/).filter(Boolean)) {
      if ((values as readonly string[]).includes(item)) {
        if (!out.includes(item as T)) out.push(item as T);
      } else this.bad(name, item, code, `unknown value, expected ${values.join(' ')}`);
    }
    return out;
  }
}

/**
 * The child elements of `el` that the schema allows, in order. Others are reported (12200) and skipped; so is
 * non-blank text in an element that takes none.
 */
export function childElements(el: XmlElement, allowed: readonly string[], ctx: ParseContext, takesText = false): XmlElement[] {
  const out: XmlElement[] = [];
  for (const child of el.children) {
    if (child.type === 'text') {
      if (!takesText && child.text.trim() !== '') {
        ctx.warn(ErrorCode.SchemaValidationWarning, `<${el.name}> does not take text ('${child.text.trim().slice(0, 40)}')`);
      }
      continue;
    }
    if (allowed.includes(child.name)) out.push(child);
    else {
      const hint = allowed.find((a) => a.toLowerCase() === child.name.toLowerCase());
      ctx.warn(
        ErrorCode.SchemaValidationWarning,
        hint ? `<${child.name}> is not TwiML (names are case-sensitive: <${hint}>)` : `<${child.name}> is not allowed inside <${el.name}>`,
      );
    }
  }
  return out;
}

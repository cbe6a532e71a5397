import { headerKey, canonicalHeaderName } from './header-names.js';
import { splitList } from './grammar.js';

/** One header field line as received or added (RFC 3261 §7.3). */
export interface HeaderField {
  /** The name as written on the wire (or as given by the caller). */
  readonly name: string;
  /** Lower-case long-form key (`v` → `via`). */
  readonly key: string;
  /** The value with folding unfolded and surrounding whitespace trimmed. */
  readonly value: string;
  /** The exact wire bytes of the field, folding and line terminator included; absent for added fields. */
  readonly raw?: Buffer;
}

/**
 * The ordered header fields of a message. Lookups are case-insensitive and understand compact forms (§7.3.3).
 * Received fields keep their exact bytes so that an unmodified message serializes byte for byte (§7.3.1: order of
 * fields with the same name is significant, so it is kept).
 */
export class Headers implements Iterable<HeaderField> {
  #fields: HeaderField[];
  /** Incremented on every mutation; lets messages cache parsed values. */
  #version = 0;

  constructor(fields: Iterable<HeaderField> = []) {
    this.#fields = [...fields];
  }

  static field(name: string, value: string): HeaderField {
    return { name, key: headerKey(name), value };
  }

  get version(): number {
    return this.#version;
  }

  get size(): number {
    return this.#fields.length;
  }

  [Symbol.iterator](): Iterator<HeaderField> {
    return this.#fields[Symbol.iterator]();
  }

  has(name: string): boolean {
    const key = headerKey(name);
    return this.#fields.some((f) => f.key === key);
  }

  /** The value of the first field with this name. */
  get(name: string): string | undefined {
    const key = headerKey(name);
    for (const f of this.#fields) if (f.key === key) return f.value;
    return undefined;
  }

  /** The values of every field with this name, one per field line, in order. */
  getAll(name: string): string[] {
    const key = headerKey(name);
    const out: string[] = [];
    for (const f of this.#fields) if (f.key === key) out.push(f.value);
    return out;
  }

  /** Number of field lines with this name. */
  count(name: string): number {
    const key = headerKey(name);
    let n = 0;
    for (const f of this.#fields) if (f.key === key) n++;
    return n;
  }

  /**
   * All list elements of a list header across its field lines (§7.3.1: `a, b` equals two lines `a` and `b`),
   * split on commas outside quotes and <>. Empty elements are dropped. Null on an unterminated quoted string.
   */
  list(name: string): string[] | null {
    const out: string[] = [];
    for (const v of this.getAll(name)) {
      const parts = splitList(v);
      if (parts === null) return null;
      for (const p of parts) if (p.length > 0) out.push(p);
    }
    return out;
  }

  /** Replaces every field with this name by one field (appended where the first one was, else at the end). */
  set(name: string, value: string): this {
    const key = headerKey(name);
    const idx = this.#fields.findIndex((f) => f.key === key);
    const field: HeaderField = { name: canonicalHeaderName(name), key, value };
    this.#fields = this.#fields.filter((f) => f.key !== key);
    if (idx < 0) this.#fields.push(field);
    else this.#fields.splice(Math.min(idx, this.#fields.length), 0, field);
    this.#version++;
    return this;
  }

  append(name: string, value: string): this {
    this.#fields.push({ name: canonicalHeaderName(name), key: headerKey(name), value });
    this.#version++;
    return this;
  }

  /** Inserts a field before the first field of the same name (e.g. a new top Via, §8.1.1.7), else at the end. */
  prepend(name: string, value: string): this {
    const key = headerKey(name);
    const idx = this.#fields.findIndex((f) => f.key === key);
    const field: HeaderField = { name: canonicalHeaderName(name), key, value };
    if (idx < 0) this.#fields.push(field);
    else this.#fields.splice(idx, 0, field);
    this.#version++;
    return this;
  }

  /** Replaces the value of the first field with this name, keeping its position (and its wire name). */
  replaceFirst(name: string, value: string): this {
    const key = headerKey(name);
    const idx = this.#fields.findIndex((f) => f.key === key);
    if (idx < 0) return this.append(name, value);
    const old = this.#fields[idx];
    this.#fields[idx] = { name: old?.name ?? canonicalHeaderName(name), key, value };
    this.#version++;
    return this;
  }

  /** Adds a received field as is (used by the parser and to copy fields between messages). */
  appendField(field: HeaderField): this {
    this.#fields.push(field);
    this.#version++;
    return this;
  }

  remove(name: string): this {
    const key = headerKey(name);
    const before = this.#fields.length;
    this.#fields = this.#fields.filter((f) => f.key !== key);
    if (this.#fields.length !== before) this.#version++;
    return this;
  }

  /** Field lines with this name, as received (with their raw bytes). */
  fields(name: string): HeaderField[] {
    const key = headerKey(name);
    return this.#fields.filter((f) => f.key === key);
  }

  clone(): Headers {
    return new Headers(this.#fields);
  }

  /** Wire chunks: raw bytes for received fields, `Name: value\r\n` for added ones. */
  toChunks(): Buffer[] {
    return this.#fields.map((f) => f.raw ?? Buffer.from(`${f.name}: ${f.value}\r\n`, 'utf8'));
  }
}

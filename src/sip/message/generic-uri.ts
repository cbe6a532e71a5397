/**
 * A URI whose scheme the stack does not interpret (RFC 3261 §19.1: "other" URI schemes such as tel:, http:, isbn:).
 * Kept opaque so that unknown schemes in To/From/Contact survive untouched (RFC 4475 §3.3.4).
 */
export class GenericUri {
  readonly kind = 'generic' as const;

  constructor(
    /** Lower-case scheme, e.g. `tel`. */
    readonly scheme: string,
    /** Everything after the first ":" exactly as on the wire. */
    readonly opaque: string,
  ) {}

  toString(): string {
    return `${this.scheme}:${this.opaque}`;
  }
}

/** Where a REGISTER came from: the flow to use for reaching a contact behind NAT (RFC 3261 §18.2.1, RFC 3581). */
export interface FlowSource {
  /** Via transport as sent, e.g. `UDP`, `TCP`, `WS`. */
  readonly transport: string;
  readonly address: string;
  readonly port: number;
}

/** One Contact bound to an address-of-record (RFC 3261 §10.3). */
export interface Binding {
  /** The contact URI, as received. */
  readonly contactUri: string;
  /** The whole Contact value as received without its `expires` parameter (display name and header parameters). */
  readonly contact: string;
  /** RFC 3261 §20.10 q, 0 to 1; null when absent (ranks as 1.0). */
  readonly q: number | null;
  /** Epoch milliseconds. */
  readonly expiresAt: number;
  readonly callId: string;
  readonly cseq: number;
  readonly source: FlowSource;
  /** RFC 5626 §4.2 / RFC 5627 `+sip.instance` and `reg-id` as sent (reg-id only with an instance). */
  readonly instanceId: string | null;
  readonly regId: number | null;
}

/**
 * Persistence of bindings. `replace` must make the new set visible at once; the registrar serialises updates of one
 * address-of-record itself.
 */
export interface BindingStore {
  /** Unexpired bindings of the address-of-record. */
  find(domainSid: string, aor: string, now: number): Promise<Binding[]>;
  /** Makes `bindings` the complete set of the address-of-record. */
  replace(domainSid: string, aor: string, bindings: readonly Binding[], now: number): Promise<void>;
}

import type { Clock, Logger } from '../core/index.js';
import type { Account, Call, Store } from '../store/index.js';
import type { LiveCallControl, OriginateRequest } from '../voice/index.js';
import type { Principal } from './auth.js';
import type { Form } from './form.js';

/** Told when accounts or keys change, so cached authentications are dropped. */
export interface CredentialChanges {
  invalidate(): void;
}

/** What every REST resource plugin receives: dependencies passed in, nothing global. */
export interface ApiContext {
  store: Store;
  clock: Clock;
  logger: Logger;
  /** Base for absolute URLs such as recording media (no trailing slash). */
  publicUrl: string;
  /**
   * Where recording files are (`PATCHBAY_RECORDINGS_DIR`). A recording's `mediaPath` is its file name there (rows
   * written before that setting existed hold `recordings/<file>`, relative to the default, which resolves the same).
   */
  recordingsDir: string;
  /** Set by buildApi; resources that change accounts or keys call it. */
  credentials?: CredentialChanges;
  /** Live calls held by this node (REST `POST Calls/{Sid}.json`); absent when no voice service runs. */
  liveCalls?: LiveCallControl;
  /** Places calls created through `POST Calls.json`; absent when no voice service runs (the route then answers 21200). */
  originate?: { create(account: Account, request: OriginateRequest): Promise<Call> };
}

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | null;
    /** The account named in the URL, once access to it is checked. */
    account: Account | null;
    form: Form;
  }
}

export const API_VERSION = '2010-04-01';
export const accountPath = (accountSid: string) => `/${API_VERSION}/Accounts/${accountSid}`;

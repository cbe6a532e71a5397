import type { Migration, MigrationProvider } from 'kysely';
import * as m0001 from './0001-initial.js';
import * as m0002 from './0002-sip.js';
import * as m0003 from './0003-trunks-and-call-queue.js';
import * as m0004 from './0004-outbound-call-queue-leases.js';
import * as m0005 from './0005-call-nodes.js';

/** Versioned migrations, applied in name order at start-up. Never edit one that has shipped; add the next. */
export const migrations: MigrationProvider = {
  async getMigrations(): Promise<Record<string, Migration>> {
    return {
      '0001-initial': m0001, '0002-sip': m0002, '0003-trunks-and-call-queue': m0003,
      '0004-outbound-call-queue-leases': m0004, '0005-call-nodes': m0005,
    };
  },
};

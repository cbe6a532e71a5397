import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { readOrCreateDataFile } from './data-file.js';

export const NODE_ID_FILE = 'node-id';

/**
 * This node's identity in a cluster: 32 hex digits in `<dataDir>/node-id`, generated on first start and kept, so the
 * node is the same one after a restart (it takes back the waiting calls it owned at once, instead of waiting for
 * their leases to run out as it would for another node's). Each node has its own data directory; two nodes started
 * on one directory would share an identity, and with it their claims.
 */
export function loadOrCreateNodeId(dataDir: string): string {
  const text = readOrCreateDataFile(dataDir, NODE_ID_FILE, () => randomBytes(16).toString('hex') + '\n').trim();
  if (!/^[0-9a-f]{32}$/.test(text)) throw new Error(`${path.join(dataDir, NODE_ID_FILE)} does not hold a node id (32 hex digits)`);
  return text;
}

import path from 'node:path';
import type { LogLevel } from './core/index.js';

/** The configuration contract: every `PATCHBAY_*` variable, each also a `start` flag. */
export interface Config {
  host: string;
  httpPort: number;
  sipPort: number;
  rtpPorts: { min: number; max: number };
  /** An answered call that receives neither RTP nor RTCP this long is hung up (its BYE was lost); 0 never. */
  rtpTimeoutSeconds: number;
  /** Base of every absolute URL Patchbay hands out; defaults to http://<host>:<http port> once bound. */
  publicUrl: string | undefined;
  dataDir: string;
  /** Where recordings are written and served from; shared storage in a cluster. */
  recordingsDir: string;
  databaseUrl: string | undefined;
  redisUrl: string | undefined;
  accountSid: string | undefined;
  authToken: string | undefined;
  logLevel: LogLevel;
  /** Digest algorithms offered to SIP phones, most preferred first (RFC 8760 §2.4). */
  sipDigestAlgorithms: Array<'SHA-256' | 'MD5'>;
  /** Busy share of the event loop (0–1, smoothed) beyond which new calls are refused; null: never. */
  overloadThreshold: number | null;
  /** The 32-byte key sealing stored SIP passwords and signing digest nonces; unset: `<dataDir>/sip-credentials.key`. */
  credentialKey: Uint8Array | undefined;
  /** On SIGTERM, how long (s) the node drains before it ends the calls still up; 0 ends them at once. */
  drainSeconds: number;
  /** REST requests one account may have in progress at once on this node; `Infinity` for no limit. */
  apiConcurrency: number;
}

export interface Setting {
  env: string;
  flag: string;
  description: string;
  default: string;
}

export const SETTINGS: Setting[] = [
  { env: 'PATCHBAY_HOST', flag: 'host', description: 'address to bind HTTP, SIP and RTP on', default: '0.0.0.0' },
  { env: 'PATCHBAY_HTTP_PORT', flag: 'http-port', description: 'HTTP port (REST API, WebSocket); 0 picks a free port', default: '8080' },
  { env: 'PATCHBAY_SIP_PORT', flag: 'sip-port', description: 'SIP port, UDP and TCP; 0 picks a free port', default: '5060' },
  { env: 'PATCHBAY_RTP_PORTS', flag: 'rtp-ports', description: 'RTP port range', default: '20000-29999' },
  { env: 'PATCHBAY_RTP_TIMEOUT', flag: 'rtp-timeout', description: 'seconds without RTP or RTCP after which an answered call is hung up (a lost BYE); 0 never', default: '60' },
  { env: 'PATCHBAY_PUBLIC_URL', flag: 'public-url', description: 'base of every uri, media and recording URL', default: 'http://<host>:<http port>' },
  { env: 'PATCHBAY_DATA_DIR', flag: 'data-dir', description: 'where the SQLite file, recordings and media live', default: './data' },
  { env: 'PATCHBAY_RECORDINGS_DIR', flag: 'recordings-dir', description: 'where recording files are kept; in a cluster, storage every node mounts at this path', default: '<data dir>/recordings' },
  { env: 'PATCHBAY_DATABASE_URL', flag: 'database-url', description: 'postgres://… selects PostgreSQL', default: 'SQLite file in the data dir' },
  { env: 'PATCHBAY_REDIS_URL', flag: 'redis-url', description: 'redis://… for the cluster bus', default: 'unset: in-process bus' },
  { env: 'PATCHBAY_CREDENTIAL_KEY', flag: 'credential-key', description: '64 hex digits sealing stored SIP passwords and signing digest nonces; every node of a cluster needs the same', default: 'generated in <data dir>/sip-credentials.key' },
  { env: 'PATCHBAY_ACCOUNT_SID', flag: 'account-sid', description: 'owner Account SID seeded on first start', default: 'generated' },
  { env: 'PATCHBAY_AUTH_TOKEN', flag: 'auth-token', description: 'owner Auth Token seeded on first start', default: 'generated' },
  { env: 'PATCHBAY_LOG_LEVEL', flag: 'log-level', description: 'fatal, error, warn, info, debug, trace or silent', default: 'info' },
  { env: 'PATCHBAY_OVERLOAD_THRESHOLD', flag: 'overload-threshold', description: 'percent of time the event loop may be busy (averaged over about a second) while SIP peers retransmit to us before new SIP requests get 503 and queued outbound calls wait; 100 never', default: '95' },
  { env: 'PATCHBAY_DRAIN_SECONDS', flag: 'drain-seconds', description: 'on SIGTERM, refuse new calls and wait up to this long for the calls up to end before ending the rest (a second signal stops at once)', default: '0' },
  { env: 'PATCHBAY_API_CONCURRENCY', flag: 'api-concurrency', description: 'REST requests one account may have in progress at once (per node); more get 429 with error 20429; 0 no limit', default: '100' },
  { env: 'PATCHBAY_SIP_DIGEST_ALGORITHMS', flag: 'sip-digest-algorithms', description: 'digest challenges offered, preferred first (MD5,SHA-256 for phones that only answer the first)', default: 'SHA-256,MD5' },
];

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

const LEVELS: LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

function port(name: string, value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n > 65535) throw new ConfigError(`${name} must be a port number 0–65535, not '${value}'`);
  return n;
}

/**
 * Resolves the configuration from flags (highest precedence) over environment variables over defaults, and says
 * exactly which setting is wrong when one is.
 */
export function readConfig(env: NodeJS.ProcessEnv, flags: Record<string, string | undefined> = {}): Config {
  const get = (envName: string, flag: string) => flags[flag] ?? (env[envName] === '' ? undefined : env[envName]);
  const rtp = get('PATCHBAY_RTP_PORTS', 'rtp-ports') ?? '20000-29999';
  const range = /^(\d+)-(\d+)$/.exec(rtp);
  if (!range) throw new ConfigError(`PATCHBAY_RTP_PORTS must look like 20000-29999, not '${rtp}'`);
  const rtpPorts = { min: port('PATCHBAY_RTP_PORTS', range[1]), max: port('PATCHBAY_RTP_PORTS', range[2]) };
  if (rtpPorts.min > rtpPorts.max || rtpPorts.max - rtpPorts.min < 1) {
    throw new ConfigError(`PATCHBAY_RTP_PORTS must be an ascending range of at least two ports, not '${rtp}'`);
  }
  const rtpTimeoutText = get('PATCHBAY_RTP_TIMEOUT', 'rtp-timeout') ?? '60';
  if (!/^\d+$/.test(rtpTimeoutText) || Number(rtpTimeoutText) > 86_400) {
    throw new ConfigError(`PATCHBAY_RTP_TIMEOUT must be whole seconds from 0 (never) to 86400, not '${rtpTimeoutText}'`);
  }
  const logLevel = (get('PATCHBAY_LOG_LEVEL', 'log-level') ?? 'info') as LogLevel;
  if (!LEVELS.includes(logLevel)) throw new ConfigError(`PATCHBAY_LOG_LEVEL must be one of ${LEVELS.join(', ')}, not '${logLevel}'`);
  const accountSid = get('PATCHBAY_ACCOUNT_SID', 'account-sid');
  if (accountSid !== undefined && !/^AC[0-9a-fA-F]{32}$/.test(accountSid)) {
    throw new ConfigError(`PATCHBAY_ACCOUNT_SID must be AC followed by 32 hex digits, not '${accountSid}'`);
  }
  const authToken = get('PATCHBAY_AUTH_TOKEN', 'auth-token');
  if (authToken !== undefined && !/^[0-9A-Za-z]{16,64}$/.test(authToken)) {
    throw new ConfigError('PATCHBAY_AUTH_TOKEN must be 16–64 letters or digits');
  }
  const publicUrl = get('PATCHBAY_PUBLIC_URL', 'public-url');
  if (publicUrl !== undefined && !/^https?:\/\/[^/]+/.test(publicUrl)) {
    throw new ConfigError(`PATCHBAY_PUBLIC_URL must be an http(s) URL, not '${publicUrl}'`);
  }
  const algorithmsText = get('PATCHBAY_SIP_DIGEST_ALGORITHMS', 'sip-digest-algorithms') ?? 'SHA-256,MD5';
  const sipDigestAlgorithms = algorithmsText.split(',').map((a) => a.trim().toUpperCase());
  if (sipDigestAlgorithms.length === 0 || sipDigestAlgorithms.some((a) => a !== 'SHA-256' && a !== 'MD5') || new Set(sipDigestAlgorithms).size !== sipDigestAlgorithms.length) {
    throw new ConfigError(`PATCHBAY_SIP_DIGEST_ALGORITHMS must list SHA-256 and/or MD5, comma-separated, not '${algorithmsText}'`);
  }
  const overloadText = get('PATCHBAY_OVERLOAD_THRESHOLD', 'overload-threshold') ?? '95';
  if (!/^\d+$/.test(overloadText) || Number(overloadText) < 10 || Number(overloadText) > 100) {
    throw new ConfigError(`PATCHBAY_OVERLOAD_THRESHOLD must be a whole percent from 10 to 100 (never), not '${overloadText}'`);
  }
  const credentialKeyText = get('PATCHBAY_CREDENTIAL_KEY', 'credential-key');
  if (credentialKeyText !== undefined && !/^[0-9a-fA-F]{64}$/.test(credentialKeyText)) {
    throw new ConfigError('PATCHBAY_CREDENTIAL_KEY must be 64 hex digits (32 bytes), e.g. from `openssl rand -hex 32`');
  }
  const drainText = get('PATCHBAY_DRAIN_SECONDS', 'drain-seconds') ?? '0';
  if (!/^\d+$/.test(drainText) || Number(drainText) > 86_400) {
    throw new ConfigError(`PATCHBAY_DRAIN_SECONDS must be whole seconds from 0 to 86400, not '${drainText}'`);
  }
  const concurrencyText = get('PATCHBAY_API_CONCURRENCY', 'api-concurrency') ?? '100';
  if (!/^\d+$/.test(concurrencyText) || Number(concurrencyText) > 1_000_000) {
    throw new ConfigError(`PATCHBAY_API_CONCURRENCY must be a whole number of requests (0 for no limit), not '${concurrencyText}'`);
  }
  const dataDir = path.resolve(get('PATCHBAY_DATA_DIR', 'data-dir') ?? './data');
  return {
    host: get('PATCHBAY_HOST', 'host') ?? '0.0.0.0',
    httpPort: port('PATCHBAY_HTTP_PORT', get('PATCHBAY_HTTP_PORT', 'http-port') ?? '8080'),
    sipPort: port('PATCHBAY_SIP_PORT', get('PATCHBAY_SIP_PORT', 'sip-port') ?? '5060'),
    rtpPorts,
    rtpTimeoutSeconds: Number(rtpTimeoutText),
    publicUrl: publicUrl?.replace(/\/+$/, ''),
    dataDir,
    recordingsDir: path.resolve(get('PATCHBAY_RECORDINGS_DIR', 'recordings-dir') ?? path.join(dataDir, 'recordings')),
    databaseUrl: get('PATCHBAY_DATABASE_URL', 'database-url'),
    redisUrl: get('PATCHBAY_REDIS_URL', 'redis-url'),
    accountSid,
    authToken,
    logLevel,
    sipDigestAlgorithms: sipDigestAlgorithms as Config['sipDigestAlgorithms'],
    overloadThreshold: overloadText === '100' ? null : Number(overloadText) / 100,
    credentialKey: credentialKeyText === undefined ? undefined : Buffer.from(credentialKeyText, 'hex'),
    apiConcurrency: concurrencyText === '0' ? Infinity : Number(concurrencyText),
    drainSeconds: Number(drainText),
  };
}

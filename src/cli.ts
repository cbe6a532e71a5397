import { parseArgs } from 'node:util';
import { readFileSync } from 'node:fs';
import { ConfigError, SETTINGS, readConfig } from './config.js';
import { startServer } from './server.js';

const VERSION = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;

const MAIN_HELP = `Patchbay ${VERSION} — self-hosted, Twilio-compatible programmable voice

Usage: patchbay [command] [options]

Commands:
  start      start the server (the default command)

Options:
  -h, --help     show help (also: patchbay start --help)
  -v, --version  print the version
`;

function startHelp(): string {
  const rows = SETTINGS.map((s) => `  --${s.flag.padEnd(14)} ${s.env.padEnd(23)} ${s.description} [${s.default}]`);
  return `Usage: patchbay start [options]

Starts the REST API, the SIP endpoint and the media engine. Every option can also be set through the
environment variable beside it; a flag wins over the variable.

Options:                 Environment variable
${rows.join('\n')}
  -h, --help                                     show this help
`;
}

/** Runs the CLI and resolves with the process exit code (the server keeps running until SIGTERM/SIGINT). */
export async function main(argv: string[]): Promise<number> {
  const command = argv[0] && !argv[0].startsWith('-') ? argv[0] : 'start';
  const rest = argv[0] === command ? argv.slice(1) : argv;
  if (command !== 'start') {
    process.stderr.write(`patchbay: unknown command '${command}'\n\n${MAIN_HELP}`);
    return 2;
  }
  const options = Object.fromEntries([
    ...SETTINGS.map((s) => [s.flag, { type: 'string' as const }]),
    ['help', { type: 'boolean' as const, short: 'h' }],
    ['version', { type: 'boolean' as const, short: 'v' }],
  ]);
  let values: Record<string, string | boolean | undefined>;
  try {
    values = parseArgs({ args: rest, options, strict: true, allowPositionals: false }).values as Record<string, string | boolean | undefined>;
  } catch (err) {
    process.stderr.write(`patchbay: ${(err as Error).message}\n\n${startHelp()}`);
    return 2;
  }
  if (values.version) {
    process.stdout.write(`${VERSION}\n`);
    return 0;
  }
  if (values.help) {
    process.stdout.write(argv[0] === 'start' ? startHelp() : `${MAIN_HELP}\n${startHelp()}`);
    return 0;
  }

  let config;
  try {
    const flags = Object.fromEntries(Object.entries(values).filter((e): e is [string, string] => typeof e[1] === 'string'));
    config = readConfig(process.env, flags);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`patchbay: ${err.message}\n`);
      return 2;
    }
    throw err;
  }

  let server;
  try {
    server = await startServer(config);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const hint = e.code === 'EADDRINUSE' ? ' (another program uses that port; choose another with --http-port / --sip-port, or 0 for a free one)' : '';
    process.stderr.write(`patchbay: could not start: ${e.message}${hint}\n`);
    return 1;
  }

  const line = (label: string, value: string) => `  ${label.padEnd(13)} ${value}\n`;
  process.stdout.write(
    `\nPatchbay ${VERSION} is running\n` +
      line('REST API', `${server.publicUrl}/2010-04-01`) +
      line('SIP', `sip:${server.sip.advertisedHost}:${server.sip.udp?.port ?? server.sip.tcp?.port} (UDP, TCP)`) +
      line('SIP over WS', `${server.httpUrl.replace(/^http/, 'ws')}${server.sip.webSocketPath}`) +
      line('RTP ports', `${config.rtpPorts.min}-${config.rtpPorts.max}`) +
      line('Health', `${server.httpUrl}/health`) +
      line('Data', `${server.store.dialect === 'sqlite' ? 'SQLite' : 'PostgreSQL'} ${server.dataLocation}`) +
      line('Bus', server.bus.kind) +
      line('Node ID', server.nodeId) +
      line('Metrics', `${server.httpUrl}/metrics`) +
      line('Speech', server.tts.installed ? `espeak-ng ${server.tts.version}` : `espeak-ng missing — install it with: ${server.tts.hint}`) +
      line('Account SID', server.owner.sid) +
      line('Auth Token', server.owner.authToken) +
      `\nPoint the twilio helper library at ${server.publicUrl} with these credentials. Stop with Ctrl+C.\n\n`,
  );

  await new Promise<void>((resolve) => {
    let closing = false;
    let draining = false;
    const close = () => {
      if (closing) return;
      closing = true;
      server.close().then(resolve, resolve);
    };
    const calls = (n: number) => `${n} call${n === 1 ? '' : 's'}`;
    const onSignal = (signal: NodeJS.Signals) => {
      if (draining) {
        // A second signal ends the drain: the calls still up are ended now.
        process.stdout.write(`${signal} received again: ending the ${calls(server.liveCalls)} still up\n`);
        close();
        return;
      }
      if (config.drainSeconds === 0 || server.liveCalls === 0) {
        process.stdout.write(`\n${signal} received, shutting down…\n`);
        close();
        return;
      }
      draining = true;
      process.stdout.write(
        `\n${signal} received: draining — new calls are refused; waiting up to ${config.drainSeconds} s for ${calls(server.liveCalls)} to end (send it again to stop now)\n`,
      );
      void server.drain(config.drainSeconds * 1000, (left) => process.stdout.write(`  draining: ${calls(left)} still up\n`)).then((left) => {
        process.stdout.write(left === 0 ? 'every call has ended, shutting down…\n' : `drain time is up: ending the ${calls(left)} still up…\n`);
        close();
      });
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
  });
  return 0;
}

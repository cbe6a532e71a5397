import { pino, type Logger as PinoLogger, type DestinationStream } from 'pino';

export type Logger = PinoLogger;
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

export function createLogger(level: LogLevel = 'info', destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: undefined,
      // Secrets never reach the log, whatever a caller passes.
      redact: { paths: ['authToken', 'auth_token', 'secret', 'password', '*.authToken', '*.auth_token', '*.secret', '*.password'], censor: '[redacted]' },
    },
    destination,
  );
}

/** A logger that discards everything, for tests. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}

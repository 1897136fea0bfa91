import { pino, type Logger } from 'pino';

export type { Logger };

/** Structured JSON logs on stdout; pipe through `npx pino-pretty` to read them locally. */
export function createLogger(level: string, base: Record<string, unknown> = {}): Logger {
  return pino({
    level,
    base: { ...base },
    redact: {
      paths: ['*.password', '*.accessToken', '*.refreshToken', '*.authorization', 'req.headers.authorization'],
      censor: '[redacted]',
    },
  });
}

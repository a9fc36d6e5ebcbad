import pino, { type DestinationStream, type Logger } from 'pino';
import { prettyDestination } from './log-pretty';
import { traceLogFields } from './trace/context';

/** Option names whose values are secrets wherever they appear: redacted in logs, never shown in messages. */
export const SECRET_KEYS: readonly string[] = [
  'appSecret',
  'encryptKey',
  'verificationToken',
  'token',
  'pass',
  'password',
  'secret',
  'accessToken',
  'botToken',
  'appToken',
];

/**
 * The secret values a logger scrubs from every line it writes. It only grows: a reload that brings
 * new credentials adds them, and a rotated-out secret stays scrubbed, since it is still a secret.
 */
class SecretScrubber {
  private values = new Set<string>();
  private escaped: string[] = [];

  add(secrets: Iterable<string>): void {
    const before = this.values.size;
    for (const s of secrets) if (typeof s === 'string' && s.length >= 4) this.values.add(s);
    if (this.values.size === before) return;
    // Longest first, so a secret that contains another is replaced whole. Lines are JSON: match the escaped form.
    this.escaped = [...this.values].sort((a, b) => b.length - a.length).map((v) => JSON.stringify(v).slice(1, -1));
  }

  scrub(line: string): string {
    return this.escaped.reduce((acc, v) => (acc.includes(v) ? acc.split(v).join('[redacted]') : acc), line);
  }

  /** For text that is not JSON: the values as they are, longest first. */
  scrubText(text: string): string {
    const raw = [...this.values].sort((a, b) => b.length - a.length);
    return raw.reduce((acc, v) => (acc.includes(v) ? acc.split(v).join('[redacted]') : acc), text);
  }
}

const scrubbers = new WeakMap<Logger, SecretScrubber>();

/** `log.format`: readable lines, JSON lines, or readable lines only when stdout is a terminal. */
export type LogFormat = 'auto' | 'pretty' | 'json';

/**
 * The gateway's logger: JSON lines, or readable ones (`format`; `auto` is readable when stdout is a
 * terminal and no `destination` is given). Secrets are kept out two ways: known secret keys are redacted
 * wherever they appear in a logged object, and every configured secret value is scrubbed from the
 * output line, so even an error message that quotes a secret does not leak it.
 */
export function createLogger(
  level: string,
  secrets: Iterable<string> = [],
  destination?: DestinationStream,
  format: LogFormat = 'json',
): Logger {
  const scrubber = new SecretScrubber();
  scrubber.add(secrets);
  const terminal = !destination && process.stdout.isTTY === true;
  const pretty = format === 'pretty' || (format === 'auto' && terminal);
  const out = pretty
    ? prettyDestination(destination ?? process.stdout, terminal && !process.env.NO_COLOR)
    : (destination ?? pino.destination({ dest: 1, sync: false }));
  const logger = pino(
    {
      level,
      base: { name: 'chat-gateway' },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: SECRET_KEYS.flatMap((k) => [k, `*.${k}`, `*.*.${k}`]), censor: '[redacted]' },
      hooks: { streamWrite: (line: string) => scrubber.scrub(line) },
      // Lines written while a message is handled carry its trace_id and span_id: one grep finds its way.
      mixin: traceLogFields,
    },
    out,
  );
  scrubbers.set(logger, scrubber);
  return logger;
}

/**
 * Adds secret values to what a logger made by `createLogger` scrubs (its child loggers included), e.g.
 * after a reload brought new credentials. Returns false for a logger `createLogger` did not make.
 */
export function addLogSecrets(logger: Logger, secrets: Iterable<string>): boolean {
  const scrubber = scrubbers.get(logger);
  scrubber?.add(secrets);
  return scrubber !== undefined;
}

/**
 * Writes text for a person (a banner) to where `logger` writes, after every line it logged so far (its
 * destination may still be writing them), with the secrets it scrubs removed.
 */
export function writeAfterLog(logger: Logger, text: string): void {
  const stream = (logger as unknown as Record<symbol, DestinationStream>)[pino.symbols.streamSym];
  const scrubber = scrubbers.get(logger);
  stream.write(scrubber ? scrubber.scrubText(text) : text);
}

export type { Logger };

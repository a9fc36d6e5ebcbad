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

/** Secrets shorter than this are not scrubbed (they would match ordinary text). */
const MIN_SECRET = 4;

/**
 * Finds secret values in text in one pass, however many there are (one process may hold 10,000 bots'
 * credentials): candidates are looked up by the four characters they start with, longest first, so a
 * secret that contains another is replaced whole.
 */
class SecretMatcher {
  private readonly byStart = new Map<string, string[]>();

  constructor(values: Iterable<string>) {
    for (const v of values) {
      const list = this.byStart.get(v.slice(0, MIN_SECRET));
      if (list) list.push(v);
      else this.byStart.set(v.slice(0, MIN_SECRET), [v]);
    }
    for (const list of this.byStart.values()) list.sort((a, b) => b.length - a.length);
  }

  replace(text: string, by: string): string {
    if (!this.byStart.size) return text;
    let out = '';
    let copied = 0;
    for (let i = 0; i + MIN_SECRET <= text.length;) {
      const found = this.byStart.get(text.slice(i, i + MIN_SECRET))?.find((v) => text.startsWith(v, i));
      if (!found) {
        i++;
        continue;
      }
      out += text.slice(copied, i) + by;
      i += found.length;
      copied = i;
    }
    return copied ? out + text.slice(copied) : text;
  }
}

/**
 * The secret values a logger scrubs from every line it writes. It only grows: a reload that brings
 * new credentials adds them, and a rotated-out secret stays scrubbed, since it is still a secret.
 */
class SecretScrubber {
  private values = new Set<string>();
  /** Lines are JSON: they hold a secret in its escaped form. */
  private json = new SecretMatcher([]);
  private text = new SecretMatcher([]);

  add(secrets: Iterable<string>): void {
    const before = this.values.size;
    for (const s of secrets) if (typeof s === 'string' && s.length >= MIN_SECRET) this.values.add(s);
    if (this.values.size === before) return;
    this.json = new SecretMatcher([...this.values].map((v) => JSON.stringify(v).slice(1, -1)));
    this.text = new SecretMatcher(this.values);
  }

  scrub(line: string): string {
    return this.json.replace(line, '[redacted]');
  }

  /** For text that is not JSON: the values as they are. */
  scrubText(text: string): string {
    return this.text.replace(text, '[redacted]');
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

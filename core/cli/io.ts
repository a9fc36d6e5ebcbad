import { existsSync } from 'node:fs';
import type { GatewayConfig } from '../config/load';
import { ConfigError, formatIssue } from '../config/issues';
import { GatewayError } from '../errors';

/** Where a command writes: stdout and stderr, or a test's buffers. */
export interface Io {
  out: (s: string) => void;
  err: (s: string) => void;
}

export const stdio: Io = { out: (s) => process.stdout.write(s), err: (s) => process.stderr.write(s) };

/**
 * Runs `read` on a config file and prints what stops a command the way an operator reads it: a missing
 * file, every config problem at file:line:col, or a gateway error with its code and hint. Undefined on failure.
 */
export function readOrReport<T>(file: string, io: Io, read: (file: string) => T): T | undefined {
  if (!existsSync(file)) {
    io.err(`chat-gateway: [E_CONFIG] config file ${file} not found (pass -c FILE or set CHAT_GATEWAY_CONFIG)\n`);
    return undefined;
  }
  try {
    return read(file);
  } catch (err) {
    if (err instanceof ConfigError) {
      const n = err.issues.length;
      io.err(`${err.issues.map(formatIssue).join('\n')}\n\n[${err.code}] ${n} problem${n === 1 ? '' : 's'} in ${file}\n`);
      return undefined;
    }
    if (reportError(err, io)) return undefined;
    throw err;
  }
}

/**
 * Prints a `GatewayError` as `chat-gateway: [E_CODE] message` with its hint (docs/errors.md has a section
 * per code); false for any other error (a bug: let it surface).
 */
export function reportError(err: unknown, io: Io): boolean {
  if (!(err instanceof GatewayError)) return false;
  io.err(`chat-gateway: [${err.code}] ${err.message}${err.hint ? `\n  hint: ${err.hint}` : ''}\n`);
  return true;
}

/** What a valid config probably did not mean (an empty file), on stderr: it does not stop the command. */
export function reportWarnings(config: Pick<GatewayConfig, 'warnings'>, io: Io): void {
  for (const w of config.warnings) io.err(`${formatIssue({ ...w, message: `warning: ${w.message}` })}\n`);
}

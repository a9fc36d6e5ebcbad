import { readFileSync } from 'node:fs';
import type { Logger } from 'pino';
import { loadConfig, type GatewayConfig } from '../config/load';
import { ConfigError, formatIssue } from '../config/issues';
import { GatewayError } from '../errors';

/** Reads and validates a config file (`text` is its content when the caller read it already). */
export type ConfigReader = (file: string, text?: string) => GatewayConfig;

export const readConfigFile: ConfigReader = (file, text) => loadConfig(file, text === undefined ? {} : { text });

/**
 * Reads the config file for a reload. A file with problems is refused: each problem is logged on its
 * own line with file:line:col (the same text `chat-gateway validate` prints), then one line saying the
 * previous config keeps running.
 */
export function readForReload(
  file: string,
  read: ConfigReader,
  log: Logger,
): { ok: true; config: GatewayConfig; text?: string } | { ok: false; problems: string[]; text?: string } {
  let text: string | undefined;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    // The reader reports the unreadable file with its hint.
  }
  try {
    return { ok: true, config: read(file, text), ...(text === undefined ? {} : { text }) };
  } catch (err) {
    let problems: string[];
    if (err instanceof ConfigError) {
      problems = err.issues.map(formatIssue);
      for (const i of err.issues)
        log.error({ file: i.file, line: i.line, col: i.col, key: i.path, hint: i.hint }, formatIssue({ ...i, hint: undefined }));
    } else if (err instanceof GatewayError) {
      problems = [err.message];
      log.error({ hint: err.hint }, err.message);
    } else throw err;
    log.error(
      { file, problems: problems.length },
      `config reload refused: ${problems.length} problem${problems.length === 1 ? '' : 's'} in ${file}; still running the previous config`,
    );
    return { ok: false, problems, ...(text === undefined ? {} : { text }) };
  }
}

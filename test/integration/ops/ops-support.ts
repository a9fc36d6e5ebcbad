import { renameSync, writeFileSync } from 'node:fs';
import pino from 'pino';
import { loadConfig } from '../../../core/config/load';
import { main, type Io } from '../../../core/cli/main';
import { createLogger } from '../../../core/log';
import { Gateway, configSecrets, type GatewayOptions } from '../../../core/runtime/gateway';
import { LogCapture, writeConfig } from '../../support';

export interface Ops {
  gateway: Gateway;
  logs: LogCapture;
  file: string;
}

/**
 * Starts a gateway from a config file the way `chat-gateway start` does (reloads read the same file
 * with the same environment), with its log lines captured.
 */
export async function startFromFile(
  file: string,
  opts: Omit<GatewayOptions, 'logger' | 'read'> & { env?: NodeJS.ProcessEnv } = {},
): Promise<Ops> {
  const env = { ...process.env, ...opts.env };
  const read = (f: string, text?: string) => loadConfig(f, { env, ...(text === undefined ? {} : { text }) });
  const config = read(file);
  const logs = new LogCapture();
  const logger = createLogger('debug', configSecrets(config), logs as unknown as pino.DestinationStream);
  const gateway = await Gateway.start(config, { ...opts, logger, read });
  return { gateway, logs, file };
}

export async function startOps(yaml: string, opts: Parameters<typeof startFromFile>[1] = {}): Promise<Ops> {
  return startFromFile(writeConfig(yaml), opts);
}

/** Replaces the file the way editors do: write a new file next to it, then rename it over the old one. */
export function replaceFile(file: string, text: string): void {
  const tmp = `${file}.swp`;
  writeFileSync(tmp, text);
  renameSync(tmp, file);
}

/** Runs the CLI in-process as an operator would from a shell, capturing what it prints. */
export async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: Io = { out: (s) => (out += s), err: (s) => (err += s) };
  const code = await main(argv, io);
  return { code, out, err };
}

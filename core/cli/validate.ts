import { loadConfig } from '../config/load';
import { readOrReport, reportWarnings, type Io } from './io';

/** `chat-gateway validate`: every problem at file:line:col and exit 1, or the instances (and any warning) and exit 0. */
export function validate(file: string, io: Io): number {
  const config = readOrReport(file, io, (f) => loadConfig(f));
  if (!config) return 1;
  reportWarnings(config, io);
  const list = config.instances.map((i) => `  ${i.channel}/${i.account}${i.enabled ? '' : ' (disabled)'}`).join('\n');
  io.out(
    `${file}: valid, ${config.instances.length} plugin instance${config.instances.length === 1 ? '' : 's'}${list ? `:\n${list}` : ''}\n`,
  );
  return 0;
}

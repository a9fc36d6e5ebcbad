import { GatewayError } from '../errors';

/** One problem in a config file, located at the line and column of the offending node. */
export interface ConfigIssue {
  file: string;
  line: number;
  col: number;
  /** Dotted path of the key: `plugins[0].appId`. */
  path: string;
  message: string;
  hint?: string;
}

export function formatIssue(i: ConfigIssue): string {
  const where = `${i.file}:${i.line}:${i.col}`;
  return `${where}: ${i.path ? `${i.path}: ` : ''}${i.message}${i.hint ? `\n    hint: ${i.hint}` : ''}`;
}

/** Thrown when a config file has any problem: carries every issue found, not only the first. */
export class ConfigError extends GatewayError {
  constructor(readonly issues: ConfigIssue[]) {
    super(
      'E_CONFIG',
      `${issues.length} problem${issues.length === 1 ? '' : 's'} in the configuration:\n${issues.map(formatIssue).join('\n')}`,
      'fix each reported file:line:col; run `chat-gateway validate -c FILE` to check without starting',
    );
    this.name = 'ConfigError';
  }
}

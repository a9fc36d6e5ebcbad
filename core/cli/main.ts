import 'reflect-metadata';
import { pair, PAIR_USAGE } from './pair';
import { reload } from './reload';
import { start } from './start';
import { status } from './status';
import { validate } from './validate';
import { stdio, type Io } from './io';
import { gatewayVersion, PLUGIN_API_MINOR, PLUGIN_API_VERSION } from '../plugin/version';

export type { Io } from './io';

const USAGE = `chat-gateway — connects chat platforms to agents through NATS

Usage:
  chat-gateway start    [-c FILE]           start the gateway (stops on SIGINT/SIGTERM, reloads on SIGHUP
                                            and when the file changes)
  chat-gateway validate [-c FILE]           check a config file; prints every problem with file:line:col
  chat-gateway reload   [-c FILE] [--json]  make every running gateway re-read its config file
  chat-gateway status   [-c FILE] [--json]  each instance's state and last traffic; exit 1 unless all
                                            enabled instances are connected
  ${PAIR_USAGE}
                                            pending pairing codes and approved senders (--json for list)
  chat-gateway help                         this text
  chat-gateway --version                    the version of chat-gateway, its plugin API and Node.js

Options:
  -c, --config FILE   config file (default: $CHAT_GATEWAY_CONFIG or config/gateway.yaml)
`;

/** The options each command takes besides -c. */
const COMMANDS: Record<string, { options: string[]; positionals: number }> = {
  help: { options: [], positionals: 0 },
  version: { options: [], positionals: 0 },
  start: { options: [], positionals: 0 },
  validate: { options: [], positionals: 0 },
  reload: { options: ['--json'], positionals: 0 },
  status: { options: ['--json'], positionals: 0 },
  pair: { options: ['--json', '--instance'], positionals: 2 },
};

interface Args {
  command: string;
  config: string;
  json: boolean;
  instance?: string;
  positionals: string[];
  error?: string;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { command: 'help', config: process.env.CHAT_GATEWAY_CONFIG || 'config/gateway.yaml', json: false, positionals: [] };
  const rest = [...argv];
  if (rest[0] && !rest[0].startsWith('-')) args.command = rest.shift()!;
  const spec = COMMANDS[args.command];
  const fail = (error: string) => ({ ...args, error });
  while (rest.length) {
    const a = rest.shift()!;
    const [flag, inline] =
      a.startsWith('--') && a.includes('=') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a, undefined];
    const value = () => inline ?? rest.shift();
    if (flag === '-h' || flag === '--help') args.command = 'help';
    else if (flag === '-V' || flag === '--version') args.command = 'version';
    else if (flag === '-c' || flag === '--config') {
      const v = value();
      if (!v) return fail(`${flag} needs a file name`);
      args.config = v;
    } else if (spec?.options.includes(flag) && flag === '--json') args.json = true;
    else if (spec?.options.includes(flag) && flag === '--instance') {
      const v = value();
      if (!v) return fail('--instance needs CHANNEL/ACCOUNT');
      args.instance = v;
    } else if (a.startsWith('-')) return fail(`unknown option ${a}`);
    else if (spec && args.positionals.length < spec.positionals) args.positionals.push(a);
    else return fail(`unexpected argument "${a}"`);
  }
  return args;
}

/** Runs the CLI; resolves with the exit code (start resolves when the gateway has stopped). */
export async function main(argv: string[], io: Io = stdio): Promise<number> {
  const args = parseArgs(argv);
  if (args.error) {
    io.err(`chat-gateway: ${args.error}\n\n${USAGE}`);
    return 2;
  }
  switch (args.command) {
    case 'help':
      io.out(USAGE);
      return 0;
    case 'version':
      io.out(`chat-gateway ${gatewayVersion()} (plugin API ${PLUGIN_API_VERSION}.${PLUGIN_API_MINOR}, Node.js ${process.version})\n`);
      return 0;
    case 'validate':
      return validate(args.config, io);
    case 'start':
      return start(args.config, io);
    case 'reload':
      return reload(args.config, args.json, io);
    case 'status':
      return status(args.config, args.json, io);
    case 'pair':
      return pair(
        args.config,
        {
          action: args.positionals[0],
          target: args.positionals[1],
          json: args.json,
          ...(args.instance ? { instance: args.instance } : {}),
        },
        io,
      );
    default:
      io.err(`chat-gateway: unknown command "${args.command}"\n\n${USAGE}`);
      return 2;
  }
}

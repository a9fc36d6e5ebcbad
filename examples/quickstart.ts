import 'reflect-metadata';
import { relative, resolve } from 'node:path';
import { readOrReport, reportError, reportWarnings, stdio } from '../core/cli/io';
import { loadConfig } from '../core/config/load';
import { writeAfterLog } from '../core/log';
import { Gateway } from '../core/runtime/gateway';
import { startEchoAgent } from './echo-agent';
import { renderBanner } from './quickstart-banner';

/**
 * `npm start`: the whole gateway on one machine in one command. Starts NATS if none runs (the gateway
 * does that), the gateway with config/gateway.yaml (web chat on; Feishu when its variables are set)
 * and the echo agent, then prints where to chat. Edits of the config file are applied while it runs.
 * Ctrl-C (or closing the terminal) stops everything.
 */
async function main(): Promise<number> {
  const file = process.env.CHAT_GATEWAY_CONFIG ?? resolve(__dirname, '../../config/gateway.yaml');
  const config = readOrReport(file, stdio, (f) => loadConfig(f));
  if (!config) return 1;
  reportWarnings(config, stdio);
  let gateway: Gateway;
  let stopAgent: () => Promise<void>;
  try {
    gateway = await Gateway.start(config, { watch: true });
  } catch (err) {
    if (reportError(err, stdio)) return 1;
    throw err;
  }
  try {
    stopAgent = await startEchoAgent({
      servers: config.nats.servers,
      prefix: config.nats.prefix,
      ...(config.nats.user ? { user: config.nats.user, pass: config.nats.pass } : {}),
      ...(config.nats.token ? { token: config.nats.token } : {}),
      log: (line) => gateway.log.info({ component: 'echo-agent' }, line),
    });
  } catch (err) {
    await gateway.stop();
    throw err;
  }
  // The banner sums up the log lines above it: it goes the way they go, after them.
  const shown = relative(process.cwd(), file).startsWith('..') ? file : relative(process.cwd(), file);
  writeAfterLog(gateway.log, renderBanner(gateway, process.uptime() * 1000, shown, Math.min(process.stdout.columns || 100, 120)));
  return new Promise<number>((done) => {
    let stopping = false;
    const stop = () => {
      if (stopping) return;
      stopping = true;
      writeAfterLog(gateway.log, '  stopping…\n');
      void stopAgent()
        .then(() => gateway.stop())
        .then(
          () => done(0),
          () => done(1),
        );
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    // A closed terminal: stop too, or the nats-server this started would outlive it.
    process.once('SIGHUP', stop);
  });
}

main().then((code) => process.exit(code));

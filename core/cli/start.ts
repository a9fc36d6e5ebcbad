import { loadConfig } from '../config/load';
import { Gateway } from '../runtime/gateway';
import { readOrReport, reportError, reportWarnings, type Io } from './io';

/**
 * `chat-gateway start`: runs until SIGINT or SIGTERM (a second one exits at once). SIGHUP and changes to
 * the config file reload it; `chat-gateway reload` does the same over NATS.
 */
export async function start(file: string, io: Io): Promise<number> {
  const config = readOrReport(file, io, (f) => loadConfig(f));
  if (!config) return 1;
  reportWarnings(config, io);
  let gateway: Gateway;
  try {
    gateway = await Gateway.start(config, { watch: true });
  } catch (err) {
    if (reportError(err, io)) return 1;
    throw err;
  }
  const onHup = () => {
    gateway.log.info({ signal: 'SIGHUP' }, 'reload requested');
    void gateway.reloadFromFile('SIGHUP');
  };
  process.on('SIGHUP', onHup);
  return new Promise<number>((resolve) => {
    let signals = 0;
    const onSignal = (sig: NodeJS.Signals) => {
      if (++signals > 1) {
        io.err(`chat-gateway: ${sig} again, exiting without waiting\n`);
        process.exit(1);
      }
      gateway.log.info({ signal: sig }, 'shutdown requested');
      gateway.stop().then(
        () => resolve(0),
        (err: Error) => {
          io.err(`chat-gateway: stop failed: ${err.message}\n`);
          resolve(1);
        },
      );
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  }).finally(() => {
    process.removeAllListeners('SIGINT');
    process.removeAllListeners('SIGTERM');
    process.off('SIGHUP', onHup);
  });
}

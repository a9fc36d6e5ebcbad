import 'reflect-metadata';
import { resolve } from 'node:path';
import { loadConfig } from '../core/config/load';
import { ConfigError, formatIssue } from '../core/config/issues';
import { GatewayError } from '../core/errors';
import { Gateway } from '../core/runtime/gateway';
import { startEchoAgent } from './echo-agent';

/**
 * `npm start`: the whole gateway on one machine in one command. Starts NATS if none runs (the gateway
 * does that), the gateway with config/gateway.yaml (web chat on; Feishu when its variables are set)
 * and the echo agent, then prints where to chat. Ctrl-C stops everything.
 */
async function main(): Promise<number> {
  const started = Date.now();
  const file = process.env.CHAT_GATEWAY_CONFIG ?? resolve(__dirname, '../../config/gateway.yaml');
  let gateway: Gateway;
  try {
    const config = loadConfig(file);
    gateway = await Gateway.start(config);
    const stopAgent = await startEchoAgent({
      servers: config.nats.servers,
      prefix: config.nats.prefix,
      ...(config.nats.user ? { user: config.nats.user, pass: config.nats.pass } : {}),
      ...(config.nats.token ? { token: config.nats.token } : {}),
      log: (line) => gateway.log.info({ component: 'echo-agent' }, line),
    });
    const pages = gateway.instances
      .filter((i) => i.config.channel === 'webchat' && i.state === 'started')
      .map((i) => `${gateway.http.url}/webchat/${i.config.account}/`);
    const lines = [
      '',
      `  chat-gateway is running (ready in ${((Date.now() - started) / 1000).toFixed(1)} s), with the echo agent answering.`,
      ...pages.map((p) => `  Open ${p} and say something.`),
      `  Health: ${gateway.http.url}/readyz   Metrics: ${gateway.http.url}/metrics`,
      '  Ctrl-C stops everything.',
      '',
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
    return await new Promise<number>((done) => {
      const stop = () => {
        process.stdout.write('\n  stopping…\n');
        void stopAgent()
          .then(() => gateway.stop())
          .then(
            () => done(0),
            () => done(1),
          );
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
  } catch (err) {
    if (err instanceof ConfigError) process.stderr.write(`${err.issues.map(formatIssue).join('\n')}\n`);
    else if (err instanceof GatewayError) process.stderr.write(`chat-gateway: ${err.message}${err.hint ? `\n  hint: ${err.hint}` : ''}\n`);
    else throw err;
    return 1;
  }
}

main().then((code) => process.exit(code));

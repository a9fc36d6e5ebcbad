import { subjects } from '../contract/subjects';
import { requestReload, type ReloadAnswer } from '../runtime/control';
import { readOrReport, type Io } from './io';
import { withNats } from './with-nats';
import { readOpsConfig } from './ops-config';

/**
 * `chat-gateway reload`: asks every gateway running against the config's NATS and prefix to re-read its
 * config file, over `<prefix>.control.reload`, and prints each one's result. Exit 0 when every gateway
 * applied its file, 1 when one refused it or none answered.
 */
export async function reload(file: string, json: boolean, io: Io, opts: { acceptMs?: number } = {}): Promise<number> {
  const cfg = readOrReport(file, io, readOpsConfig);
  if (!cfg) return 1;
  return withNats(cfg, io, async (nc) => {
    const s = subjects(cfg.nats.prefix);
    const answers = await requestReload(nc, s, opts);
    if (json) io.out(`${JSON.stringify(answers, null, 2)}\n`);
    if (!answers.length) {
      io.err(
        `chat-gateway: no gateway answered on ${s.control('reload')}: none runs against ${cfg.nats.servers.join(', ')} with prefix "${cfg.nats.prefix}"\n  hint: start one, or send SIGHUP to the process (docker kill -s HUP <container>)\n`,
      );
      return 1;
    }
    if (!json) for (const a of answers) print(a, io);
    return answers.every((a) => a.ok) ? 0 : 1;
  });
}

function print(a: ReloadAnswer, io: Io): void {
  if (!a.ok) {
    io.err(
      `${a.replica}: reload refused, still running the previous config:\n${a.problems.map((p) => `  ${p.replace(/\n/g, '\n  ')}`).join('\n')}\n`,
    );
    return;
  }
  const { added, removed, restarted, unchanged } = a.summary;
  const part = (n: string, list: string[]) => `${list.length} ${n}${list.length ? ` (${list.join(', ')})` : ''}`;
  io.out(
    `${a.replica}: reloaded: ${part('added', added)}, ${part('removed', removed)}, ${part('restarted', restarted)}, ${unchanged.length} unchanged\n`,
  );
}

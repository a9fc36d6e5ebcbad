import type { Msg, NatsConnection, Subscription } from '@nats-io/transport-node';
import type { Logger } from 'pino';
import { gatherAnswers } from '../bus/gather';
import type { Subjects } from '../contract/subjects';
import type { ReloadSummary } from './reload-plan';

/** The result of re-reading the config file: applied, or refused with every problem (file:line:col). */
export type ReloadOutcome = { ok: true; summary: ReloadSummary } | { ok: false; problems: string[] };

/** What one gateway answers to a reload request; `replica` names the process (host:pid:random). */
export type ReloadAnswer = { replica: string } & ReloadOutcome;

type Reply = { replica: string; phase: 'accepted' } | ({ replica: string; phase: 'done' } & ReloadOutcome);

/**
 * Answers reload requests on `<prefix>.control.reload`. Every gateway subscribes (no queue group), so
 * one request reloads every replica sharing the NATS and prefix, in whatever container it runs. Each
 * answers twice: `accepted` at once, so the requester knows how many results to wait for, then `done`.
 */
export function serveControl(
  nc: NatsConnection,
  s: Subjects,
  replica: string,
  reload: (reason: string) => Promise<ReloadOutcome>,
  log: Logger,
): Subscription {
  return nc.subscribe(s.control('reload'), {
    callback: (err, msg) => {
      if (err || !msg.reply) return;
      log.info({ reply: msg.reply }, 'reload requested over NATS');
      respond(msg, { replica, phase: 'accepted' });
      reload('requested over NATS').then(
        (outcome) => respond(msg, { replica, phase: 'done', ...outcome }),
        (e: Error) => respond(msg, { replica, phase: 'done', ok: false, problems: [e.message] }),
      );
    },
  });
}

function respond(msg: Msg, reply: Reply): void {
  msg.respond(JSON.stringify(reply));
}

/**
 * Asks every gateway on this NATS and prefix to reload its config file and waits for each result:
 * gateways that accepted within `acceptMs` are waited for up to `doneMs`. Resolves with one answer per
 * gateway (none when nobody runs).
 */
export async function requestReload(
  nc: NatsConnection,
  s: Subjects,
  opts: { acceptMs?: number; doneMs?: number } = {},
): Promise<ReloadAnswer[]> {
  const { acceptMs = 1000, doneMs = 120_000 } = opts;
  const accepted = new Set<string>();
  const done = new Map<string, ReloadAnswer>();
  await gatherAnswers<Reply>(nc, s.control('reload'), JSON.stringify({ from: 'chat-gateway reload' }), ({ finish, after }) => {
    let acceptClosed = false;
    const check = () => {
      if (acceptClosed && done.size >= accepted.size) finish();
    };
    after(acceptMs, () => {
      acceptClosed = true;
      check();
    });
    after(acceptMs + doneMs, finish);
    return (reply) => {
      accepted.add(reply.replica);
      if (reply.phase === 'done') {
        const { phase: _phase, ...answer } = reply;
        done.set(reply.replica, answer);
      }
      check();
    };
  });
  for (const replica of accepted) {
    if (!done.has(replica))
      done.set(replica, {
        replica,
        ok: false,
        problems: [`no result within ${Math.round(doneMs / 1000)} s; the reload may still be running (see that gateway's log)`],
      });
  }
  return [...done.values()];
}

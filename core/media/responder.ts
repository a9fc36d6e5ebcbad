import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import type { Logger } from 'pino';
import type { MediaReply } from '../contract/schemas';
import { parseSubject, type Subjects } from '../contract/subjects';
import { checkMediaRequest } from '../contract/validate';
import type { MediaFetcher } from './fetch';

/**
 * Answers `<prefix>.media.<channel>.<account>` requests: the bytes of an inbound media part, stored in
 * the media bucket, named in the reply. Every replica subscribes in one queue group, so each request is
 * answered once; a bad request gets `E_SCHEMA`, an account this gateway does not run `E_UNKNOWN_ACCOUNT`.
 */
export function serveMedia(
  nc: NatsConnection,
  subjects: Subjects,
  fetcherOf: (channel: string, account: string) => MediaFetcher | undefined,
  log: Logger,
): Subscription {
  return nc.subscribe(`${subjects.prefix}.media.*.*`, {
    queue: 'chat-gateway-media',
    callback: (_err, msg) => {
      void (async () => {
        const answer = (r: MediaReply) => msg.respond(JSON.stringify(r));
        const to = parseSubject(subjects.prefix, msg.subject);
        let value: unknown;
        try {
          value = JSON.parse(msg.string());
        } catch (err) {
          return answer({ ok: false, error: { code: 'E_SCHEMA', message: `the request is not JSON: ${(err as Error).message}` } });
        }
        const checked = checkMediaRequest(value);
        if (!checked.ok) return answer({ ok: false, error: { code: 'E_SCHEMA', message: checked.message } });
        const fetcher = to && fetcherOf(to.channel, to.account);
        if (!fetcher) {
          return answer({
            ok: false,
            error: {
              code: 'E_UNKNOWN_ACCOUNT',
              message: `no running instance serves ${to ? `${to.channel}/${to.account}` : msg.subject} on this gateway`,
            },
          });
        }
        const reply = await fetcher.fetch(checked.value);
        if (!reply.ok)
          log.info(
            { channel: to!.channel, account: to!.account, ref: checked.value.ref, err: reply.error.message },
            'media request failed',
          );
        answer(reply);
      })().catch((err: Error) => log.warn({ err: err.message }, 'media request not answered'));
    },
  });
}

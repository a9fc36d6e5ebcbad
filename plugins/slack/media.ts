import type { Logger } from 'pino';
import {
  DeliveryError,
  classifyFailure,
  sleep,
  type FetchLike,
  type MediaDownload,
  type MediaFile,
  type MediaRequest,
} from '../../core/plugin';
import type { SlackApi } from './api';
import { parseMessageId } from './messages';

/** Slack takes files up to 1 GB. */
export const MAX_FILE_BYTES = 1024 ** 3;
/** Slack shares an uploaded file in its message a moment after files.completeUploadExternal: how long to look. */
const SHARE_WAITS_MS = [0, 300, 1000, 2000];

interface SlackFileInfo {
  id?: string;
  name?: string;
  mimetype?: string;
  size?: number;
  url_private?: string;
  url_private_download?: string;
  shares?: { public?: Record<string, Array<{ ts?: string }>>; private?: Record<string, Array<{ ts?: string }>> };
}

const EXTENSIONS: Record<string, string> = {
  'image/png': 'png',
  'image/jpeg': 'jpg',
  'image/gif': 'gif',
  'application/pdf': 'pdf',
  'text/csv': 'csv',
  'text/plain': 'txt',
};

/**
 * Files both ways. Inbound: `files.info` names the file's `url_private_download` (and where it is
 * shared: the message asked about must be one of them), which is fetched with the bot token, and only
 * from Slack's own hosts. Outbound: the external upload flow as `@slack/web-api`'s `filesUploadV2` runs it
 * (`files.getUploadURLExternal`, the bytes, `files.completeUploadExternal` into the conversation or
 * thread, all files of an envelope in one message), then `files.info` for the message's ts.
 */
export class Media {
  private readonly trusted: string[];

  constructor(
    private readonly api: SlackApi,
    private readonly fetch: FetchLike,
    private readonly botToken: string,
    apiUrl: string,
    private readonly log: Logger,
  ) {
    this.trusted = [new URL(apiUrl).host];
  }

  async download(req: MediaRequest, signal: AbortSignal): Promise<MediaDownload> {
    const { channel, ts } = parseMessageId(req.messageId);
    const file = await this.info(req.ref);
    const shared = [...Object.entries(file.shares?.public ?? {}), ...Object.entries(file.shares?.private ?? {})];
    const here = shared.find(([ch]) => ch === channel)?.[1];
    if (!here || (here.length && !here.some((s) => s.ts === ts)))
      throw DeliveryError.permanent(
        `file ${req.ref} is not on message ${req.messageId}: ask with the message.id of the message that has it`,
        {
          platformCode: 'file_not_found',
        },
      );
    const url = file.url_private_download ?? file.url_private;
    if (!url) throw DeliveryError.permanent(`Slack gives no download URL for file ${req.ref} (an external or deleted file)`);
    this.checkHost(url);
    const res = await this.fetch(url, { headers: { authorization: `Bearer ${this.botToken}` }, signal }).catch((err: Error) => {
      throw classifyFailure({ network: true }, `download of file ${req.ref}: no answer from Slack: ${err.message}`);
    });
    if (res.status !== 200) {
      await res.body?.cancel();
      throw classifyFailure({ status: res.status }, `download of file ${req.ref}: Slack answered HTTP ${res.status}`);
    }
    const type = res.headers.get('content-type') ?? '';
    if (type.startsWith('text/html') && !(file.mimetype ?? '').startsWith('text/html')) {
      await res.body?.cancel();
      throw DeliveryError.permanent(
        `download of file ${req.ref}: Slack answered with its sign-in page instead of the file: the bot token needs the files:read scope (OAuth & Permissions), then reinstall the app`,
      );
    }
    const length = Number(res.headers.get('content-length'));
    return {
      body: res.body as unknown as AsyncIterable<Uint8Array>,
      mime: file.mimetype || type || 'application/octet-stream',
      ...(Number.isFinite(length) && length > 0 ? { size: length } : file.size ? { size: file.size } : {}),
      ...(file.name ? { name: file.name } : {}),
    };
  }

  /** Uploads the files into the conversation (thread) as one message; returns its message id when Slack reports it. */
  async upload(files: MediaFile[], place: { channel: string; thread?: string }, comment: string | undefined): Promise<string[]> {
    const uploads = await Promise.all(
      files.map(async (f) => ({ file: await f.read(), filename: f.name ?? defaultName(f), title: f.name ?? defaultName(f) })),
    );
    const r = await this.api.deliveryCall('files.uploadV2', () =>
      this.api.web.filesUploadV2({
        channel_id: place.channel,
        ...(place.thread ? { thread_ts: place.thread } : {}),
        ...(comment ? { initial_comment: comment } : {}),
        file_uploads: uploads,
      } as Parameters<SlackApi['web']['filesUploadV2']>[0]),
    );
    const ids = (r.files as Array<{ files?: Array<{ id?: string }> }>).flatMap((c) => c.files ?? []).map((f) => f.id);
    const first = ids.find((id): id is string => !!id);
    const ts = first ? await this.shareTs(first, place.channel) : undefined;
    if (!ts) this.log.warn({ files: ids, channel: place.channel }, 'files uploaded; Slack did not say which message shares them yet');
    return ts ? [`${place.channel}:${ts}`] : [];
  }

  private async info(file: string): Promise<SlackFileInfo> {
    const r = await this.api.deliveryCall('files.info', () => this.api.web.files.info({ file }));
    if (!r.file) throw DeliveryError.permanent(`files.info answered no file for ${file}`, { platformCode: 'file_not_found' });
    return r.file as SlackFileInfo;
  }

  /** The ts of the message sharing an uploaded file in `channel` (Slack shares it a moment later). */
  private async shareTs(file: string, channel: string): Promise<string | undefined> {
    for (const wait of SHARE_WAITS_MS) {
      if (wait) await sleep(wait);
      const f = await this.info(file);
      const ts = (f.shares?.public?.[channel] ?? f.shares?.private?.[channel])?.[0]?.ts;
      if (ts) return ts;
    }
    return undefined;
  }

  /** The bot token goes only to Slack: `*.slack.com`, `*.slack-edge.com`, or the configured Web API host. */
  private checkHost(url: string): void {
    const host = new URL(url).host;
    if (this.trusted.includes(host) || /(^|\.)slack\.com$/.test(host) || /(^|\.)slack-edge\.com$/.test(host)) return;
    throw DeliveryError.permanent(`file URL ${url} is not on a Slack host: the bot token is not sent there`);
  }
}

function defaultName(f: MediaFile): string {
  return `${f.kind}.${EXTENSIONS[f.mime] ?? 'bin'}`;
}

import {
  Context,
  DeliveryError,
  Options,
  Type,
  definePlugin,
  inject,
  injectable,
  type ActionButton,
  type ChannelAdapter,
  type Draft,
  type EditResult,
  type MediaDownload,
  type MediaRequest,
  type OptionsOf,
  type OutboundEnvelope,
  type PluginContext,
  type PublishResult,
  type ReactionRequest,
  type SendInfo,
  type SendResult,
  type SentMessage,
} from '../../core/plugin';
import { Instances } from './instances';

/**
 * A test-only channel with every plugin API 1.2 capability: native streaming, edits, deletes, buttons,
 * reactions, typing, media both ways and every event kind. Its "platform" is a module-level world that
 * every gateway in the process shares (so a second replica continues the first one's messages).
 */
const optionsSchema = Type.Object({
  editDelayMs: Type.Integer({ minimum: 0, default: 0 }),
  maxImageBytes: Type.Integer({ minimum: 1, default: 1024 * 1024 }),
});

/** A message on the pretend platform. */
export interface RichMessage {
  id: string;
  conversation: string;
  text: string;
  buttons: ActionButton[];
  files: Array<{ name?: string; mime: string; bytes: Buffer }>;
  edits: number;
  streaming: boolean;
  deleted: boolean;
  /** The handle core gave back on the last edit: proves the platform state travels with the message. */
  lastHandle?: unknown;
}

export const world = {
  messages: new Map<string, RichMessage>(),
  reactions: [] as ReactionRequest[],
  typing: [] as string[],
  /** What fetchMedia serves, by ref; `downloads` counts calls. */
  files: new Map<string, { bytes: Buffer; mime: string; name?: string; truncate?: boolean }>(),
  downloads: 0,
  editCalls: 0,
  reset() {
    this.messages.clear();
    this.reactions = [];
    this.typing = [];
    this.files.clear();
    this.downloads = 0;
    this.editCalls = 0;
  },
};

let counter = 0;

@injectable()
export class RichAdapter implements ChannelAdapter {
  constructor(
    @inject(Context) readonly ctx: PluginContext,
    @inject(Options) readonly options: OptionsOf<typeof optionsSchema>,
  ) {}

  async start(): Promise<void> {
    rich.started(this.ctx.account, this);
  }

  async stop(): Promise<void> {
    rich.stopped(this.ctx.account, this);
  }

  async send(env: OutboundEnvelope, info: SendInfo): Promise<SendResult> {
    const id = `rm_${++counter}`;
    const files = await Promise.all(
      info.attachments.map(async (f) => ({ mime: f.mime, bytes: await f.read(), ...(f.name ? { name: f.name } : {}) })),
    );
    world.messages.set(id, {
      id,
      conversation: env.conversation?.id ?? env.replyTo ?? '',
      text: env.text ?? '',
      buttons: info.actions,
      files,
      edits: 0,
      streaming: env.stream === true,
      deleted: false,
    });
    return { messageIds: [id], handle: { frames: 0, seq: info.sequence } };
  }

  async edit(env: OutboundEnvelope, target: SentMessage, info: SendInfo): Promise<EditResult> {
    world.editCalls++;
    if (this.options.editDelayMs) await new Promise((r) => setTimeout(r, this.options.editDelayMs));
    const m = world.messages.get(target.messageIds[0]!);
    if (!m || m.deleted) throw DeliveryError.permanent('no such message', { platformCode: 404 });
    const handle = target.handle as { frames: number; seq: number };
    if (info.sequence <= handle.seq)
      throw DeliveryError.permanent(`sequence ${info.sequence} is not after ${handle.seq}`, { platformCode: 'bad_sequence' });
    m.text = env.text ?? '';
    m.buttons = info.actions;
    m.edits++;
    m.streaming = target.streaming && !env.done;
    m.lastHandle = target.handle;
    return { handle: { frames: handle.frames + 1, seq: info.sequence } };
  }

  async delete(target: SentMessage): Promise<void> {
    const m = world.messages.get(target.messageIds[0]!);
    if (m) m.deleted = true;
  }

  async react(reaction: ReactionRequest): Promise<void> {
    world.reactions.push(reaction);
  }

  async typing(target: { conversation?: string; replyTo?: string }): Promise<void> {
    world.typing.push(target.conversation ?? target.replyTo ?? '');
  }

  async fetchMedia(req: MediaRequest): Promise<MediaDownload> {
    world.downloads++;
    const f = world.files.get(req.ref);
    if (!f) throw DeliveryError.permanent(`no resource ${req.ref} on message ${req.messageId}`, { platformCode: 234003 });
    const bytes = f.truncate ? f.bytes.subarray(0, f.bytes.length / 2) : f.bytes;
    return {
      body: (async function* () {
        for (let i = 0; i < bytes.length; i += 64 * 1024) yield bytes.subarray(i, i + 64 * 1024);
      })(),
      mime: f.mime,
      size: f.bytes.length,
      ...(f.name ? { name: f.name } : {}),
    };
  }

  /** Something happening on the "platform". */
  receive(draft: Draft): Promise<PublishResult> {
    return this.ctx.publish(draft);
  }
}

export const rich = new Instances<RichAdapter>('rich');

export default definePlugin({
  name: 'rich',
  apiVersion: '1.2',
  options: optionsSchema,
  adapter: RichAdapter,
  capabilities: {
    streaming: 'native',
    edit: true,
    delete: true,
    actions: { max: 3 },
    reactions: true,
    typing: true,
    media: { kinds: ['image', 'file'], maxBytes: { image: 1024 * 1024 } },
    events: ['action', 'command', 'reaction', 'member', 'recall'],
  },
});

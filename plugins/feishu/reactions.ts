import { DeliveryError, type PluginStore, type ReactionRequest } from '../../core/plugin';
import type { FeishuApi } from './api';

/** The contract's neutral names as Feishu emoji types. */
const TO_FEISHU: Record<string, string> = {
  thumbsup: 'THUMBSUP',
  thumbsdown: 'ThumbsDown',
  ok: 'OK',
  heart: 'HEART',
  done: 'DONE',
  check: 'CheckMark',
  cross: 'CrossMark',
  eyes: 'GLANCE',
  clap: 'APPLAUSE',
  fire: 'Fire',
  pray: 'THANKS',
};

const FROM_FEISHU = Object.fromEntries(Object.entries(TO_FEISHU).map(([k, v]) => [v, k]));
const NEUTRAL = Object.keys(TO_FEISHU).join(', ');

/** Feishu's reaction codes: the emoji type is unknown; the message is gone or not the bot's to see. */
export const REACTION_CODES = { invalidType: 231001, messageNotFound: 231003, reactionGone: 231011 } as const;

/** A reaction's emoji type for Feishu: a neutral name mapped, Feishu's own (`Typing`, `OnIt`) as it is. */
export function feishuEmoji(emoji: string): string {
  return TO_FEISHU[emoji] ?? emoji;
}

/** A reaction Feishu reports, in neutral terms where there is one. */
export function neutralEmoji(emojiType: string): string {
  return FROM_FEISHU[emojiType] ?? emojiType;
}

const key = (messageId: string, emojiType: string) => `reaction.${messageId}.${emojiType}`;

/**
 * The bot's reactions. Feishu removes a reaction by its id, so the id of each one the bot adds is kept
 * in `ctx.store` (any replica can take it back). Adding one the bot already has is done; removing one
 * it has not (or no longer) is done too. An emoji type Feishu does not know is `E_UNSUPPORTED`.
 */
export class Reactions {
  constructor(
    private readonly api: FeishuApi,
    private readonly store: PluginStore,
  ) {}

  async react(r: ReactionRequest): Promise<void> {
    const type = feishuEmoji(r.emoji);
    if (r.remove) return this.remove(r.messageId, type);
    if (await this.store.get(key(r.messageId, type))) return;
    await this.add(r.messageId, type);
  }

  /** Adds the reaction and remembers its id; returns the id. */
  async add(messageId: string, type: string): Promise<string> {
    let id: string;
    try {
      id = await this.api.addReaction(messageId, type);
    } catch (err) {
      if ((err as DeliveryError).platformCode === REACTION_CODES.invalidType)
        throw DeliveryError.permanent(`Feishu has no emoji type "${type}": use a neutral name (${NEUTRAL}) or a Feishu emoji_type`, {
          code: 'E_UNSUPPORTED',
          platformCode: REACTION_CODES.invalidType,
        });
      throw err;
    }
    if (id) await this.store.put(key(messageId, type), id);
    return id;
  }

  async remove(messageId: string, type: string): Promise<void> {
    const id = await this.store.get(key(messageId, type));
    if (!id) return;
    try {
      await this.api.removeReaction(messageId, id);
    } catch (err) {
      const code = (err as DeliveryError).platformCode;
      if (code !== REACTION_CODES.reactionGone && code !== REACTION_CODES.messageNotFound) throw err;
    }
    await this.store.delete(key(messageId, type));
  }
}

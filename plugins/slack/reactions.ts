import { DeliveryError, type ReactionRequest } from '../../core/plugin';
import type { SlackApi } from './api';
import { parseMessageId } from './messages';

/** The contract's neutral names as Slack's emoji names. */
const TO_SLACK: Record<string, string> = {
  thumbsup: '+1',
  thumbsdown: '-1',
  eyes: 'eyes',
  check: 'white_check_mark',
  done: 'white_check_mark',
  cross: 'x',
  heart: 'heart',
  ok: 'ok_hand',
  fire: 'fire',
  clap: 'clap',
  pray: 'pray',
};

/** Slack's names (and aliases) of the neutral ones, for reactions people add. */
const FROM_SLACK: Record<string, string> = {
  '+1': 'thumbsup',
  thumbsup: 'thumbsup',
  '-1': 'thumbsdown',
  thumbsdown: 'thumbsdown',
  eyes: 'eyes',
  white_check_mark: 'check',
  heavy_check_mark: 'check',
  x: 'cross',
  heavy_multiplication_x: 'cross',
  heart: 'heart',
  ok_hand: 'ok',
  fire: 'fire',
  clap: 'clap',
  pray: 'pray',
};

const NEUTRAL = Object.keys(TO_SLACK).join(', ');

/** A reaction's name for Slack: a neutral name mapped, Slack's own (`:tada:` or `tada`) as it is. */
export function slackEmoji(emoji: string): string {
  const name = emoji.replace(/^:|:$/g, '');
  return TO_SLACK[name] ?? name;
}

/** A reaction Slack reports, in neutral terms where there is one (skin tones dropped for the mapping). */
export function neutralEmoji(reaction: string): string {
  return FROM_SLACK[reaction.split('::')[0]!] ?? reaction;
}

/**
 * Sets or removes the bot's reaction. Slack's `already_reacted` and `no_reaction` mean it is already
 * as asked (a retry after a crash): done. An emoji Slack does not know is `E_UNSUPPORTED`, naming the
 * neutral names.
 */
export async function react(api: SlackApi, r: ReactionRequest): Promise<void> {
  const { channel, ts } = parseMessageId(r.messageId);
  const name = slackEmoji(r.emoji);
  try {
    await api.react(channel, ts, name, r.remove);
  } catch (err) {
    const code = (err as DeliveryError).platformCode;
    if (code === (r.remove ? 'no_reaction' : 'already_reacted')) return;
    if (code === 'invalid_name')
      throw DeliveryError.permanent(
        `Slack has no emoji "${name}" in this workspace: use a neutral name (${NEUTRAL}) or an emoji name of the workspace`,
        { code: 'E_UNSUPPORTED', platformCode: 'invalid_name' },
      );
    throw err;
  }
}

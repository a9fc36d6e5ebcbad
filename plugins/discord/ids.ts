import { DeliveryError } from '../../core/plugin';

/** A message id as the channel gives it to agents: `<channel id>:<message id>` (Discord's API needs both). */
export const messageIdOf = (channel: string, message: string) => `${channel}:${message}`;

const SNOWFLAKE = /^\d{15,21}$/;

/** `<channel>:<message>` split; a malformed id is the agent's mistake (E_SCHEMA). */
export function parseMessageId(id: string): { channel: string; message: string } {
  const [channel, message, ...rest] = id.split(':');
  if (!channel || !message || rest.length || !SNOWFLAKE.test(channel) || !SNOWFLAKE.test(message))
    throw DeliveryError.permanent(
      `"${id}" is not a Discord message id: use message.id of an inbound envelope ("<channel id>:<message id>")`,
      {
        code: 'E_SCHEMA',
      },
    );
  return { channel, message };
}

/** A channel id (a snowflake) for conversation.id. */
export function parseChannelId(id: string): string {
  if (!SNOWFLAKE.test(id))
    throw DeliveryError.permanent(`"${id}" is not a Discord channel id: use conversation.id of an inbound envelope`, { code: 'E_SCHEMA' });
  return id;
}

/**
 * Interactivity payloads as Slack sends them over Socket Mode: `block_actions` (a click on a Block Kit
 * button of a message: `interactive` envelope) and slash commands (`slash_commands` envelope).
 */
import { randomBytes } from 'node:crypto';
import type { App, StoredMessage, User, Workspace } from './workspace';

/** A button of a message's actions blocks. */
export interface ButtonInfo {
  blockId: string;
  actionId: string;
  value?: string;
  label: string;
  style?: string;
}

/** Every button on a message, in order. */
export function buttonsOf(m: StoredMessage): ButtonInfo[] {
  const out: ButtonInfo[] = [];
  for (const b of (m.blocks ?? []) as Array<{ type?: string; block_id?: string; elements?: Array<Record<string, unknown>> }>) {
    if (b.type !== 'actions') continue;
    for (const el of b.elements ?? []) {
      if (el.type !== 'button') continue;
      out.push({
        blockId: b.block_id ?? '',
        actionId: String(el.action_id ?? ''),
        label: String((el.text as { text?: unknown })?.text ?? ''),
        ...(typeof el.value === 'string' ? { value: el.value } : {}),
        ...(typeof el.style === 'string' ? { style: el.style } : {}),
      });
    }
  }
  return out;
}

/** A trigger id as Slack makes them: `<digits>.<digits>.<hex>`, unique per interaction. */
export function triggerId(): string {
  return `${Date.now()}${Math.floor(Math.random() * 1000)}.${randomBytes(4).readUInt32BE()}.${randomBytes(16).toString('hex')}`;
}

function userOf(ws: Workspace, u: User) {
  return { id: u.id, username: u.name, name: u.name, team_id: ws.teamId };
}

/** The `block_actions` payload of a click on `button` of message `m`. */
export function blockActions(ws: Workspace, app: App, m: StoredMessage, user: User, button: ButtonInfo): Record<string, unknown> {
  const conv = ws.conversations.get(m.channel)!;
  const actionTs = ws.nextTs();
  return {
    type: 'block_actions',
    user: userOf(ws, user),
    api_app_id: app.appId,
    token: app.verificationToken,
    container: {
      type: 'message',
      message_ts: m.ts,
      channel_id: m.channel,
      is_ephemeral: false,
      ...(m.threadTs ? { thread_ts: m.threadTs } : {}),
    },
    trigger_id: triggerId(),
    team: { id: ws.teamId, domain: ws.domain },
    enterprise: null,
    is_enterprise_install: false,
    channel: { id: conv.id, name: conv.kind === 'im' ? 'directmessage' : conv.name },
    message: {
      type: 'message',
      user: m.user,
      ts: m.ts,
      bot_id: m.botId,
      app_id: m.appId,
      text: m.text,
      team: ws.teamId,
      blocks: m.blocks ?? [],
      ...(m.threadTs ? { thread_ts: m.threadTs } : {}),
    },
    state: { values: {} },
    response_url: `https://hooks.slack.com/actions/${ws.teamId}/${actionTs.replace('.', '')}/${randomBytes(12).toString('hex')}`,
    actions: [
      {
        action_id: button.actionId,
        block_id: button.blockId,
        text: { type: 'plain_text', text: button.label, emoji: true },
        ...(button.value !== undefined ? { value: button.value } : {}),
        ...(button.style ? { style: button.style } : {}),
        type: 'button',
        action_ts: actionTs,
      },
    ],
  };
}

/** The payload of a slash command typed in a conversation. */
export function slashCommand(ws: Workspace, app: App, channel: string, user: User, command: string, text: string): Record<string, unknown> {
  const conv = ws.conversations.get(channel)!;
  return {
    token: app.verificationToken,
    team_id: ws.teamId,
    team_domain: ws.domain,
    channel_id: channel,
    channel_name: conv.kind === 'im' ? 'directmessage' : conv.name,
    user_id: user.id,
    user_name: user.name,
    command,
    text,
    api_app_id: app.appId,
    is_enterprise_install: 'false',
    response_url: `https://hooks.slack.com/commands/${ws.teamId}/${Date.now()}/${randomBytes(12).toString('hex')}`,
    trigger_id: triggerId(),
  };
}

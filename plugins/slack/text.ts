import { appendText, type Part } from '../../core/plugin';

/** Slack's three escaped characters; everything else in `text` is literal. */
export function unescapeSlack(s: string): string {
  return s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

/** Escapes text for a Slack `text` field (`&`, `<`, `>`), as Slack requires of every message. */
export function escapeSlack(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** User ids mentioned as `<@U123>` or `<@U123|name>`. */
export function mentionedUserIds(text: string): string[] {
  return [...new Set([...text.matchAll(/<@([UW][A-Z0-9]+)(?:\|[^>]*)?>/g)].map((m) => m[1]!))];
}

const SPECIAL: Record<string, string> = { here: 'here', channel: 'channel', everyone: 'everyone' };

/**
 * A received Slack `text` as parts: `<@U123>` mentions (named from `names`, `self` for the bot),
 * `<!here>`/`<!channel>`/`<!everyone>` as mentions of `all`, `<url|label>` links, `<#C123|general>`
 * channel references and user groups as readable text, fenced code as code parts, entities unescaped.
 */
export function parseSlackText(text: string, botUserId: string, names: ReadonlyMap<string, string>): Part[] {
  const parts: Part[] = [];
  let last = 0;
  for (const m of text.matchAll(/```([\s\S]*?)```/g)) {
    inline(text.slice(last, m.index), parts, botUserId, names);
    parts.push({ type: 'code', text: unescapeSlack(m[1]!.replace(/^\n/, '').replace(/\n$/, '')) });
    last = m.index! + m[0].length;
  }
  inline(text.slice(last), parts, botUserId, names);
  return parts;
}

function inline(text: string, parts: Part[], botUserId: string, names: ReadonlyMap<string, string>): void {
  let last = 0;
  for (const m of text.matchAll(/<([^<>\n]+)>/g)) {
    appendText(parts, unescapeSlack(text.slice(last, m.index)));
    last = m.index! + m[0].length;
    const [target, label] = splitLabel(m[1]!);
    if (target.startsWith('@')) {
      const id = target.slice(1);
      parts.push({ type: 'mention', id, name: names.get(id) ?? label ?? id, self: id === botUserId });
    } else if (target.startsWith('#')) {
      appendText(parts, `#${label ?? target.slice(1)}`);
    } else if (target.startsWith('!')) {
      const word = target.slice(1).split('^')[0]!;
      if (SPECIAL[word]) parts.push({ type: 'mention', id: 'all', name: SPECIAL[word]!, self: false });
      else appendText(parts, label ?? word);
    } else if (/^[a-z][a-z0-9+.-]*:/i.test(target)) {
      const url = unescapeSlack(target);
      parts.push(label !== undefined && label !== url ? { type: 'link', url, text: label } : { type: 'link', url });
    } else {
      appendText(parts, unescapeSlack(m[0]));
    }
  }
  appendText(parts, unescapeSlack(text.slice(last)));
}

function splitLabel(inner: string): [string, string | undefined] {
  const bar = inner.indexOf('|');
  if (bar < 0) return [inner, undefined];
  return [inner.slice(0, bar), unescapeSlack(inner.slice(bar + 1))];
}

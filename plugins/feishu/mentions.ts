import type { Part } from '../../core/plugin';

/** A mention as Feishu lists it beside the content: the `@_user_N` key and whom it stands for. */
export interface Mention {
  key: string;
  id?: { open_id?: string; union_id?: string; user_id?: string };
  name?: string;
}

/** Resolves `@_user_N` placeholders to mention parts. */
export class Mentions {
  private readonly byKey = new Map<string, Mention>();
  constructor(
    list: Mention[] | undefined,
    private readonly botOpenId: string,
  ) {
    for (const m of list ?? []) this.byKey.set(m.key, m);
  }

  part(key: string, fallbackName?: string): Part {
    if (key === '@_all') return { type: 'mention', id: 'all', name: 'all', self: false };
    const m = this.byKey.get(key);
    const id = m?.id?.open_id ?? m?.id?.user_id ?? m?.id?.union_id ?? key;
    return { type: 'mention', id, name: m?.name ?? fallbackName ?? key.replace(/^@/, ''), self: !!this.botOpenId && id === this.botOpenId };
  }

  /** A mention that names the user directly (an open id) rather than through a placeholder. */
  byId(id: string, name?: string): Part {
    return { type: 'mention', id, name: name ?? id, self: !!this.botOpenId && id === this.botOpenId };
  }

  /** Splits text on `@_user_N` / `@_all` placeholders into text and mention parts. */
  split(text: string): Part[] {
    const parts: Part[] = [];
    let last = 0;
    for (const m of text.matchAll(/@_user_\d+|@_all/g)) {
      if (m.index! > last) parts.push({ type: 'text', text: text.slice(last, m.index) });
      parts.push(this.part(m[0]));
      last = m.index! + m[0].length;
    }
    if (last < text.length) parts.push({ type: 'text', text: text.slice(last) });
    return parts;
  }
}

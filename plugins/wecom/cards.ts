import type { TemplateCard, WSClient, WsFrame } from '@wecom/aibot-node-sdk';
import type { Logger } from 'pino';
import { BoundedMap, hashId, markdownToPlain, type ActionButton, type PluginStore } from '../../core/plugin';
import { describeFailure } from './errors';

/** A click can be answered by a card update within 5 s of it (WeCom); the channel keeps 4 s of that for an agent's edit. */
export const CLICK_EDIT_MS = 4000;
/** WeCom shows at most 6 buttons on a card. */
export const MAX_BUTTONS = 6;
const STYLES: Record<ActionButton['style'], number> = { primary: 1, default: 2, danger: 3 };
const CHOSEN = '✓ ';

/** A card's task id: unique per bot (WeCom refuses a repeat), the same when one envelope is delivered again. */
export const taskIdOf = (envelope: string, sequence: number) => `cg_${hashId(`${envelope}#${sequence}`, 40)}`;

/** The buttons as a `button_interaction` card; each button's key is core's token, so a click carries it back. */
export function buttonCard(buttons: ActionButton[], taskId: string, title: string, text?: string): TemplateCard {
  return {
    card_type: 'button_interaction',
    main_title: { title },
    ...(text ? { sub_title_text: markdownToPlain(text) } : {}),
    button_list: buttons.map((b) => ({ text: b.label, key: b.token, style: STYLES[b.style] })),
    task_id: taskId,
  };
}

/** A card without buttons (what an edit without buttons leaves). */
export function noticeCard(taskId: string, title: string, text: string): TemplateCard {
  return { card_type: 'text_notice', main_title: { title }, sub_title_text: markdownToPlain(text), task_id: taskId };
}

interface Click {
  frame: WsFrame;
  at: number;
  timer: NodeJS.Timeout;
}

/**
 * Clicks waiting for their answer. WeCom lets a click be answered only by updating the card, with the
 * click's req_id, within 5 s: an agent's edit of that message within `CLICK_EDIT_MS` becomes the
 * update; without one, the channel marks the clicked button (`✓ Label`) itself then.
 */
export class Clicks {
  private readonly pending = new Map<string, Click>();
  private readonly cards = new BoundedMap<string, TemplateCard>(2000);

  constructor(
    private readonly store: PluginStore,
    private readonly log: Logger,
    private readonly client: () => WSClient | undefined,
  ) {}

  /** Remembers a card sent, for the update that answers a click on it (any replica). */
  async sent(card: TemplateCard): Promise<void> {
    this.cards.set(card.task_id!, card);
    await this.store.put(`card.${card.task_id!}`, JSON.stringify(card)).catch((err: Error) => {
      this.log.warn({ taskId: card.task_id, err: err.message }, 'a card could not be written to NATS; kept in memory');
    });
  }

  async card(taskId: string): Promise<TemplateCard | undefined> {
    const hit = this.cards.get(taskId);
    if (hit) return hit;
    const raw = await this.store.get(`card.${taskId}`).catch(() => undefined);
    return raw ? (JSON.parse(raw) as TemplateCard) : undefined;
  }

  /** A click the gateway stored: kept for an agent's edit, else answered by marking the button. */
  clicked(taskId: string, token: string, frame: WsFrame): void {
    clearTimeout(this.pending.get(taskId)?.timer);
    const timer = setTimeout(() => void this.mark(taskId, token), CLICK_EDIT_MS);
    timer.unref();
    this.pending.set(taskId, { frame, at: Date.now(), timer });
  }

  /** The click an edit of card `taskId` may answer now, taken (undefined when there is none in time). */
  take(taskId: string): WsFrame | undefined {
    const click = this.pending.get(taskId);
    if (!click) return undefined;
    this.pending.delete(taskId);
    clearTimeout(click.timer);
    return Date.now() - click.at < CLICK_EDIT_MS ? click.frame : undefined;
  }

  close(): void {
    for (const c of this.pending.values()) clearTimeout(c.timer);
    this.pending.clear();
  }

  private async mark(taskId: string, token: string): Promise<void> {
    const click = this.pending.get(taskId);
    if (!click) return;
    this.pending.delete(taskId);
    const card = await this.card(taskId);
    const client = this.client();
    if (!card || !client) return;
    const marked: TemplateCard = {
      ...card,
      button_list: (card.button_list ?? []).map((b) => ({
        ...b,
        text: b.key === token && !b.text.startsWith(CHOSEN) ? CHOSEN + b.text : b.text,
      })),
    };
    try {
      await client.updateTemplateCard(click.frame, marked);
      await this.sent(marked);
    } catch (err) {
      this.log.warn({ taskId, err: describeFailure(err).message }, 'the clicked button could not be marked on its card');
    }
  }
}

import type { InboundAction } from '../contract/schemas';
import { resolveCapabilities } from '../plugin/capabilities';
import { ensure, eventually, same } from './checks';
import type { Session } from './session';
import type { Section } from './suites';

/**
 * Buttons end to end, for a plugin that declares buttons and edits and a driver that can click: the
 * buttons show under the message, a click comes back as an `action` envelope naming the button and the
 * envelope that sent it, and an edit of that message replaces its text and buttons at the platform
 * (`driver.received()` reports a message's current content).
 */
export function actions({ kit, hooks, testMs, test, skip }: Section): void {
  const name = 'actions - a click becomes an action envelope; an edit of the message replaces its text and buttons';
  const caps = resolveCapabilities(kit.opts.plugin.capabilities);
  // A channel without buttons has nothing to check here; one with buttons whose driver cannot click skips it.
  if (!caps.actions || !caps.edit) return;
  if (!kit.driver.click) return skip(name, 'the driver cannot click (no click())');
  hooks.describe('with buttons', () => {
    let s: Session;
    hooks.beforeAll(async () => void (s = await kit.open({ allowFrom: ['*'], groupPolicy: 'open' })), testMs);
    hooks.afterAll(async () => void (await kit.close(s)), testMs);

    test(name, async () => {
      const env = await kit.roundTrip(s, kit.message('direct', 9, 'ask me something'));
      const id = kit.outId();
      const text = `question [${id}]`;
      s.publish({
        v: 1,
        id,
        conversation: { id: env.conversation.id },
        replyTo: env.message.id,
        text,
        actions: [
          { id: 'yes', label: 'Yes', style: 'primary', value: `value-${id}` },
          { id: 'no', label: 'No' },
        ],
      });
      const receipt = await kit.receipt(s, id);
      s.require(receipt.ok, `the message with buttons failed: ${JSON.stringify(receipt.error)}`);
      const shown = await current(s, (r) => r.text.includes(text), `"${text}" at the platform`);
      s.require(!!shown.platformId, 'driver.received() gives no platformId: click() needs it to name the message');
      if (shown.buttons) same(shown.buttons, ['Yes', 'No'], `buttons under "${text}"`);

      await kit.driver.click!(shown.platformId!, 'Yes', 9);
      const { value } = await s.inbox.first(
        (e) => e.kind === 'action' && e.action.envelope === id,
        `the action envelope of the click on "Yes" on ${s.prefix}.in.>`,
        kit.waitMs,
      );
      const action = value as InboundAction;
      same({ id: action.action.id, value: action.action.value }, { id: 'yes', value: `value-${id}` }, 'action of the click');
      same(action.conversation.id, env.conversation.id, 'conversation of the click');
      same(action.sender.id, kit.sender(9), 'sender of the click');
      ensure(
        (receipt.messageIds ?? []).includes(action.action.messageId ?? ''),
        `action.messageId ${action.action.messageId} is not in the receipt's ids`,
      );

      const edit = kit.outId();
      s.publish({ v: 1, id: edit, edit: id, text: `answered [${id}]` });
      const edited = await kit.receipt(s, edit);
      s.require(edited.ok, `the edit failed: ${JSON.stringify(edited.error)}`);
      const after = await current(
        s,
        (r) => r.platformId === shown.platformId && r.text.includes(`answered [${id}]`),
        `the edited text at the platform`,
      );
      if (after.buttons) same(after.buttons, [], 'buttons after an edit without buttons');
    });
  });

  function current(s: Session, pred: (r: Awaited<ReturnType<typeof kit.driver.received>>[number]) => boolean, what: string) {
    return eventually(async () => (await kit.driver.received()).find(pred), `${what} (driver.received())`, kit.waitMs).catch(
      (err: Error) => {
        throw s.explain(err.message);
      },
    );
  }
}

import type { ActionButton } from '../../core/plugin';
import { cardActionDraft, callbackAnswer, menuDraft } from '../../plugins/feishu/callbacks';
import { tokenOf, withButtons } from '../../plugins/feishu/card';
import { fileTypeOf } from '../../plugins/feishu/media';
import { feishuEmoji, neutralEmoji } from '../../plugins/feishu/reactions';

const buttons: ActionButton[] = [
  { id: 'yes', label: 'Yes', style: 'primary', token: 'tok_yes' },
  { id: 'no', label: 'N'.repeat(120), style: 'default', token: 'tok_no' },
];
const elements = (content: string) => (JSON.parse(content) as { body: { elements: Array<Record<string, unknown>> } }).body.elements;

test('feishu card - text, markdown posts and JSON 2.0 cards get the buttons as card button elements carrying only the token', () => {
  const text = withButtons({ msgType: 'text', content: JSON.stringify({ text: 'Deploy?' }) }, buttons);
  expect(text.msgType).toBe('interactive');
  expect(elements(text.content)).toEqual([
    { tag: 'div', text: { tag: 'plain_text', content: 'Deploy?' } },
    {
      tag: 'button',
      text: { tag: 'plain_text', content: 'Yes' },
      type: 'primary_filled',
      behaviors: [{ type: 'callback', value: { cg: 'tok_yes' } }],
    },
    {
      tag: 'button',
      text: { tag: 'plain_text', content: `${'N'.repeat(99)}…` },
      type: 'default',
      behaviors: [{ type: 'callback', value: { cg: 'tok_no' } }],
    },
  ]);
  const post = withButtons(
    { msgType: 'post', content: JSON.stringify({ zh_cn: { content: [[{ tag: 'md', text: '**Deploy?**' }]] } }) },
    buttons,
  );
  expect(elements(post.content)[0]).toEqual({ tag: 'markdown', content: '**Deploy?**' });
  const card = withButtons(
    {
      msgType: 'interactive',
      content: JSON.stringify({
        schema: '2.0',
        header: { title: { tag: 'plain_text', content: 'T' } },
        body: { elements: [{ tag: 'hr' }] },
      }),
    },
    buttons,
  );
  expect(JSON.parse(card.content)).toMatchObject({ schema: '2.0', header: { title: { content: 'T' } } });
  expect(elements(card.content).map((e) => e.tag)).toEqual(['hr', 'button', 'button']);
  expect(() => withButtons({ msgType: 'interactive', content: JSON.stringify({ elements: [] }) }, buttons)).toThrow(/JSON 2.0 cards only/);
  expect(() => withButtons({ msgType: 'image', content: JSON.stringify({ image_key: 'img_1' }) }, buttons)).toThrow(/native image/);
  expect(withButtons({ msgType: 'text', content: '{"text":"x"}' }, [])).toEqual({ msgType: 'text', content: '{"text":"x"}' });
});

test('feishu card - the token is read back from an object or a JSON string value; anything else is none', () => {
  expect(tokenOf({ cg: 'abc' })).toBe('abc');
  expect(tokenOf('{"cg":"abc"}')).toBe('abc');
  expect(tokenOf({ action: 'approve' })).toBeUndefined();
  expect(tokenOf('approve')).toBeUndefined();
  expect(tokenOf(undefined)).toBeUndefined();
});

test('feishu callbacks - card.action.trigger reads context ids (or the legacy top-level ones) and the operator; menus name the user', () => {
  const base = { event_id: 'ev1', operator: { open_id: 'ou_1', name: 'Tom' }, action: { value: { cg: 'tok' }, tag: 'button' } };
  const draft = cardActionDraft(
    { ...base, context: { open_message_id: 'om_1', open_chat_id: 'oc_1' }, create_time: '1700000000000' },
    () => 'group',
  );
  expect(draft).toEqual({
    kind: 'action',
    eventKey: 'ev1',
    token: 'tok',
    messageId: 'om_1',
    conversation: { id: 'oc_1', type: 'group' },
    sender: { id: 'ou_1', kind: 'user', name: 'Tom' },
    time: new Date(1700000000000),
  });
  expect(cardActionDraft({ ...base, open_message_id: 'om_2', open_chat_id: 'oc_2' }, () => 'direct')).toMatchObject({
    messageId: 'om_2',
    conversation: { id: 'oc_2', type: 'direct' },
  });
  expect(
    cardActionDraft({ ...base, action: { value: { mine: 1 } }, context: { open_message_id: 'om_1', open_chat_id: 'oc_1' } }, () => 'group'),
  ).toMatch(/did not render/);
  expect(cardActionDraft({ ...base }, () => 'group')).toMatch(/without chat, message/);
  expect(
    menuDraft({
      event_id: 'ev2',
      event_key: 'report',
      timestamp: 1700000000,
      operator: { operator_name: 'Ann', operator_id: { open_id: 'ou_2' } },
    }),
  ).toEqual({
    kind: 'action',
    eventKey: 'ev2',
    menu: 'report',
    conversation: { id: 'ou_2', type: 'direct' },
    sender: { id: 'ou_2', kind: 'user', name: 'Ann' },
    time: new Date(1700000000000),
  });
  expect(callbackAnswer({ outcome: 'stored', id: 'x' })).toEqual({});
  expect(callbackAnswer({ outcome: 'duplicate', id: 'x' })).toEqual({});
  expect(callbackAnswer({ outcome: 'denied', id: 'x' })).toEqual({ toast: { type: 'error', content: 'This button is no longer valid.' } });
});

test('feishu media - file_type follows the mime; emoji names map both ways', () => {
  expect(
    [
      'audio/opus',
      'video/mp4',
      'application/pdf',
      'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
      'application/vnd.ms-excel',
      'application/vnd.openxmlformats-officedocument.presentationml.presentation',
      'text/csv',
      'audio/mpeg',
    ].map(fileTypeOf),
  ).toEqual(['opus', 'mp4', 'pdf', 'doc', 'xls', 'ppt', 'stream', 'stream']);
  expect(['thumbsup', 'check', 'OnIt'].map(feishuEmoji)).toEqual(['THUMBSUP', 'CheckMark', 'OnIt']);
  expect(['THUMBSUP', 'CheckMark', 'Typing'].map(neutralEmoji)).toEqual(['thumbsup', 'check', 'Typing']);
});

import type * as lark from '@larksuiteoapi/node-sdk';

type Frame = { headers: Array<{ key: string; value: string }>; payload?: Uint8Array };
/** The two frame methods of `WSClient` this hook wraps (private in the SDK's types, stable since 1.24). */
interface FrameHandling {
  handleEventData(frame: Frame): Promise<void>;
  sendMessage(frame: Frame): void;
}

const typeOf = (f: Frame) => f.headers.find((h) => h.key === 'type')?.value;
const idOf = (f: Frame) => f.headers.find((h) => h.key === 'message_id')?.value;
const withType = (f: Frame, type: string): Frame => ({
  ...f,
  headers: f.headers.map((h) => (h.key === 'type' ? { ...h, value: type } : h)),
});

/**
 * Makes the SDK's long connection handle `card` frames, the way Feishu delivers card callbacks to some
 * apps (others get them as `event` frames of type `card.action.trigger`). The Node SDK's `WSClient`
 * drops every data frame whose type is not `event` without answering (Feishu then shows the user
 * 200340 after 3 s): the hook hands a `card` frame to the same dispatch as an event, and restores
 * `type: card` on its answer, as the Go SDK's answers carry it.
 */
export function handleCardFrames(ws: lark.WSClient): void {
  const client = ws as unknown as FrameHandling;
  if (typeof client.handleEventData !== 'function' || typeof client.sendMessage !== 'function')
    throw new Error('this @larksuiteoapi/node-sdk version has no WSClient.handleEventData/sendMessage: card callbacks cannot be received');
  const cards = new Set<string>();
  const handle = client.handleEventData.bind(client);
  const send = client.sendMessage.bind(client);
  client.handleEventData = (frame) => {
    if (typeOf(frame) !== 'card') return handle(frame);
    const id = idOf(frame);
    if (id) cards.add(id);
    return handle(withType(frame, 'event')).finally(() => id && cards.delete(id));
  };
  client.sendMessage = (frame) => {
    const id = idOf(frame);
    send(id && cards.has(id) && typeOf(frame) === 'event' ? withType(frame, 'card') : frame);
  };
}

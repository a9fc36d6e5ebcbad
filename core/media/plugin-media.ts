import { DeliveryError } from '../errors';
import type { PluginMedia } from '../plugin/types';
import { kindOfMime, type MediaStore } from './store';

/** `ctx.media` of one instance: its files go under `<channel>/<account>/up/` in the media bucket. */
export function pluginMedia(store: MediaStore | undefined, channel: string, account: string): PluginMedia {
  const unavailable = () =>
    Promise.reject(DeliveryError.permanent('this gateway runs without the media bucket', { code: 'E_UNSUPPORTED' }));
  if (!store) return { put: unavailable, get: unavailable };
  return {
    put: (body, meta) => {
      const mime = meta.mime ?? 'application/octet-stream';
      return store.putNew(`${channel}/${account}/up`, body, {
        kind: meta.kind ?? kindOfMime(mime),
        mime,
        ...(meta.name ? { name: meta.name } : {}),
      });
    },
    get: (object) => store.get(object),
  };
}

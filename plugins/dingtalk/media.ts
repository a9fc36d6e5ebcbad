import {
  DeliveryError,
  classifyFailure,
  extensionOf,
  fileNameOf,
  type MediaDownload,
  type MediaFile,
  type MediaRequest,
} from '../../core/plugin';
import type { DingTalkApi } from './api';
import type { RobotPiece } from './outbound';

/** DingTalk's media upload takes images, videos and files up to 20 MB (voice 2 MB). */
export const MAX_UPLOAD_BYTES = 20 * 1024 * 1024;

/**
 * Files both ways. In: `robot/messageFiles/download` turns a message's downloadCode into a short-lived
 * download URL, which is fetched. Out: the old API's `media/upload` gives a media_id, sent as
 * `sampleImageMsg` (images) or `sampleFile`. Voice and video messages need a duration and a cover
 * the gateway does not have, so audio and video go out as files.
 */
export class Media {
  constructor(private readonly api: DingTalkApi) {}

  async download(req: MediaRequest, signal: AbortSignal): Promise<MediaDownload> {
    const r = await this.api.deliver<{ downloadUrl?: string }>(
      `download of ${req.ref}`,
      'POST',
      '/v1.0/robot/messageFiles/download',
      { downloadCode: req.ref, robotCode: this.api.robotCode },
      signal,
    );
    if (!r.downloadUrl) throw DeliveryError.permanent(`DingTalk gave no download URL for ${req.ref}`);
    const res = await this.api.fetch(r.downloadUrl, { signal }).catch((err: Error) => {
      throw classifyFailure({ network: true }, `download of ${req.ref}: no answer: ${err.message}`);
    });
    if (res.status !== 200) {
      await res.body?.cancel();
      throw classifyFailure(
        { status: res.status },
        `download of ${req.ref}: the file server answered HTTP ${res.status} (the link expires after a while: ask again)`,
      );
    }
    const length = Number(res.headers.get('content-length'));
    return {
      body: res.body as unknown as AsyncIterable<Uint8Array>,
      mime: res.headers.get('content-type') ?? 'application/octet-stream',
      ...(Number.isFinite(length) && length > 0 ? { size: length } : {}),
    };
  }

  /** Uploads a file and gives the robot message that shows it. */
  async piece(file: MediaFile, signal: AbortSignal): Promise<RobotPiece> {
    const name = fileNameOf(file);
    if (file.size > MAX_UPLOAD_BYTES)
      throw DeliveryError.permanent(`${name} is ${file.size} bytes; DingTalk takes files up to ${MAX_UPLOAD_BYTES} bytes (20 MB)`, {
        code: 'E_TOO_LARGE',
      });
    const image = file.kind === 'image';
    const mediaId = await this.api.upload(image ? 'image' : 'file', await file.read(), name, file.mime, signal);
    if (image) return { msgKey: 'sampleImageMsg', msgParam: { photoURL: mediaId } };
    const ext = /\.([A-Za-z0-9]{1,8})$/.exec(name)?.[1] ?? extensionOf(file.mime);
    return { msgKey: 'sampleFile', msgParam: { mediaId, fileName: name, fileType: ext.toLowerCase() } };
  }
}

/**
 * The files host: `GET /files-pri/<team>-<file>/[download/]<name>` serves a file's bytes to a bot token
 * with `files:read` whose app may see the file, and Slack's sign-in page (HTML, HTTP 200) to any other
 * request, as Slack does; `POST /upload/v1/<file>` takes the bytes of an external upload (raw, or the
 * multipart form `@slack/web-api` sends), at most the length promised, and answers `OK - <bytes>`.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { visible } from './methods-files';
import type { Workspace } from './workspace';
import { readBytes } from '../shared/http';

/** A download that breaks: the socket is destroyed after `afterBytes` bytes of the body. */
export interface DownloadFault {
  afterBytes: number;
}

export interface FileRecord {
  method: 'GET' | 'POST';
  fileId: string;
  status: number;
  /** The token kind that came with it (`bot`), or none. */
  auth?: 'bot' | 'app' | 'none' | 'invalid';
  bytes: number;
}

const SIGN_IN = '<!DOCTYPE html><html><head><title>Slack</title></head><body>Sign in to your workspace</body></html>';

/** The file part of a multipart/form-data body (the first part with a filename, else the first part). */
function multipartFile(body: Buffer, contentType: string): Buffer | undefined {
  const boundary = /boundary="?([^";]+)"?/i.exec(contentType)?.[1];
  if (!boundary) return undefined;
  const delimiter = Buffer.from(`--${boundary}`);
  const parts: Buffer[] = [];
  let at = body.indexOf(delimiter);
  while (at >= 0) {
    const next = body.indexOf(delimiter, at + delimiter.length);
    if (next < 0) break;
    parts.push(body.subarray(at + delimiter.length + 2, next - 2));
    at = next;
  }
  const split = (p: Buffer) => {
    const end = p.indexOf('\r\n\r\n');
    return { headers: p.subarray(0, end).toString('utf8'), content: p.subarray(end + 4) };
  };
  const all = parts.map(split);
  return (all.find((p) => /filename=/i.test(p.headers)) ?? all[0])?.content;
}

export function filesHandler(ws: Workspace, faults: Map<string, DownloadFault>, record: (r: FileRecord) => void) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://emulator');
    const upload = /^\/upload\/v1\/(F[A-Z0-9]+)$/.exec(url.pathname);
    if (upload && req.method === 'POST') return acceptUpload(upload[1]!, req, res);
    const download = /^\/files-pri\/T[A-Z0-9]+-(F[A-Z0-9]+)\//.exec(url.pathname);
    if (download && req.method === 'GET') return serve(download[1]!, req, res);
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
  };

  async function acceptUpload(fileId: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBytes(req);
    const f = ws.files.get(fileId);
    const done = (status: number, text: string, bytes = 0) => {
      record({ method: 'POST', fileId, status, bytes });
      res.writeHead(status, { 'content-type': 'text/plain' }).end(text);
    };
    if (!f?.upload || f.upload.expires < Date.now()) return done(404, 'Upload URL not found or expired');
    const type = String(req.headers['content-type'] ?? '');
    const bytes = type.startsWith('multipart/form-data') ? multipartFile(body, type) : body;
    if (!bytes) return done(400, 'Malformed multipart body');
    if (bytes.length > f.upload.length) return done(413, `Upload is ${bytes.length} bytes; ${f.upload.length} were announced`);
    f.upload.received = Buffer.from(bytes);
    done(200, `OK - ${bytes.length}`, bytes.length);
  }

  function serve(fileId: string, req: IncomingMessage, res: ServerResponse): void {
    const bearer = /^Bearer\s+(\S+)$/i.exec(String(req.headers.authorization ?? ''))?.[1];
    const token = bearer ? ws.tokenInfo(bearer) : undefined;
    const auth: FileRecord['auth'] = !bearer ? 'none' : !token || ws.revoked.has(bearer) ? 'invalid' : token.kind;
    const f = ws.files.get(fileId);
    const allowed = token?.kind === 'bot' && !ws.revoked.has(bearer!) && token.app.scopes.has('files:read');
    if (!f?.bytes) {
      record({ method: 'GET', fileId, status: 404, auth, bytes: 0 });
      res.writeHead(404, { 'content-type': 'text/html' }).end('<html><body>File not found</body></html>');
      return;
    }
    if (!allowed || !visible(ws, token.app, f)) {
      record({ method: 'GET', fileId, status: 200, auth, bytes: 0 });
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(SIGN_IN);
      return;
    }
    const bytes = f.bytes;
    res.writeHead(200, { 'content-type': f.mimetype, 'content-length': String(bytes.length) });
    const fault = faults.get(fileId);
    if (fault) {
      faults.delete(fileId);
      res.write(bytes.subarray(0, fault.afterBytes), () => res.destroy());
      record({ method: 'GET', fileId, status: 200, auth, bytes: fault.afterBytes });
      return;
    }
    res.end(bytes);
    record({ method: 'GET', fileId, status: 200, auth, bytes: bytes.length });
  }
}

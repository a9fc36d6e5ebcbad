/** A strict enough multipart/form-data reader for `media/upload`: named fields with their bytes. */
export interface FormPart {
  name: string;
  filename?: string;
  type?: string;
  data: Buffer;
}

export function parseMultipart(body: Buffer, contentType: string): FormPart[] | undefined {
  const m = /boundary=(?:"([^"]+)"|([^;]+))/i.exec(contentType);
  const boundary = m?.[1] ?? m?.[2];
  if (!boundary) return undefined;
  const delimiter = Buffer.from(`--${boundary}`);
  const parts: FormPart[] = [];
  let at = body.indexOf(delimiter);
  while (at >= 0) {
    const start = at + delimiter.length;
    if (body.subarray(start, start + 2).toString() === '--') break;
    const next = body.indexOf(delimiter, start);
    if (next < 0) return undefined;
    const chunk = body.subarray(start + 2, next - 2); // after CRLF, before the CRLF of the next delimiter
    const split = chunk.indexOf('\r\n\r\n');
    if (split < 0) return undefined;
    const head = chunk.subarray(0, split).toString('utf8');
    const disposition = /content-disposition:\s*form-data;([^\r\n]*)/i.exec(head)?.[1] ?? '';
    const name = /\bname="([^"]*)"/.exec(disposition)?.[1];
    if (name === undefined) return undefined;
    const filename = /\bfilename="([^"]*)"/.exec(disposition)?.[1];
    const type = /content-type:\s*([^\r\n]+)/i.exec(head)?.[1]?.trim();
    parts.push({ name, ...(filename !== undefined ? { filename } : {}), ...(type ? { type } : {}), data: chunk.subarray(split + 4) });
    at = next;
  }
  return parts;
}

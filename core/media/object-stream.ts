import type { ObjectStore } from '@nats-io/obj';

/** How a reader of the media bucket words its two failures. */
export interface ObjectErrors {
  /** The object is not there (expired, deleted). */
  gone(name: string): Error;
  /** The bytes stopped coming part way. */
  broken(name: string, err: Error): Error;
}

/** The bytes of object `name`, chunk by chunk as NATS delivers them; a broken read rejects, never ends short. */
export async function* objectChunks(os: ObjectStore, name: string, errors: ObjectErrors): AsyncGenerator<Uint8Array> {
  const result = await os.get(name);
  if (!result) throw errors.gone(name);
  const reader = result.data.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    yield value;
  }
  const error = await result.error;
  if (error) throw errors.broken(name, error);
}

/** All of an async iterable's chunks in one buffer. */
export async function collect(chunks: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of chunks) parts.push(Buffer.from(c));
  return Buffer.concat(parts);
}

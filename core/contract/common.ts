import { Type } from '@sinclair/typebox';

/** A channel or account name: safe as a NATS subject token. */
export const NamePattern = '^[A-Za-z0-9_-]{1,64}$';
export const Name = Type.String({ pattern: NamePattern });
export const NonEmpty = Type.String({ minLength: 1 });
export const Time = Type.String({ format: 'date-time', description: 'ISO 8601 UTC timestamp' });
/** Unknown fields are errors: a typo in an envelope is reported, not ignored. */
export const strict = { additionalProperties: false } as const;

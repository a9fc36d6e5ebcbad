import { Type } from '@sinclair/typebox';

/**
 * An options field for a credential from the platform's developer console (an app id, a token, a
 * secret): required, and refused when empty, which is what an unset `${VAR}` leaves. The secret ones
 * go in the manifest's `secrets` too.
 */
export function credential(description: string) {
  return Type.String({ minLength: 1, description });
}

/**
 * An options field holding a URL, with its default: where a platform's API or connection is, which a
 * private deployment or a test (an emulator) points elsewhere. `scheme` `http` takes `http://` and
 * `https://` URLs, `ws` takes `ws://` and `wss://`.
 */
export function urlOption(defaultUrl: string, description: string, scheme: 'http' | 'ws' = 'http') {
  return Type.String({ default: defaultUrl, pattern: `^${scheme}s?://\\S+$`, description });
}

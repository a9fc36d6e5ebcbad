const REF = /\$\$|\$\{([^}]*)\}/g;
const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export interface Substitution {
  value: string;
  /** Variables referenced without a default that are not set. */
  missing: string[];
  /** References that are not `${NAME}` or `${NAME:-default}`. */
  malformed: string[];
}

/**
 * Replaces `${NAME}` and `${NAME:-default}` with environment values (`$$` is a literal `$`). A set but
 * empty variable takes the default, as in POSIX shells.
 */
export function substituteEnv(input: string, env: NodeJS.ProcessEnv): Substitution {
  const missing: string[] = [];
  const malformed: string[] = [];
  const value = input.replace(REF, (whole, body: string | undefined) => {
    if (whole === '$$') return '$';
    const sep = body!.indexOf(':-');
    const name = sep === -1 ? body! : body!.slice(0, sep);
    if (!NAME.test(name)) {
      malformed.push(whole);
      return whole;
    }
    const v = env[name];
    if (sep !== -1) return v === undefined || v === '' ? body!.slice(sep + 2) : v;
    if (v === undefined) {
      missing.push(name);
      return '';
    }
    return v;
  });
  if (/\$\{[^}]*$/.test(value)) malformed.push(value.slice(value.lastIndexOf('${')));
  return { value, missing, malformed };
}

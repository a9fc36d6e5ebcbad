import type { Logger as PinoLogger } from 'pino';

/** DI tokens a plugin adapter injects: `constructor(@inject(Context) ctx: PluginContext, @inject(Options) opts: MyOptions)`. */
export const Context = 'chat-gateway:PluginContext';
/** The instance's plugin options, validated against the manifest's schema (defaults applied). */
export const Options = 'chat-gateway:PluginOptions';
/** The instance's pino child logger (the same as `ctx.logger`): `@inject(Logger) log: Logger`. */
export const Logger = 'chat-gateway:Logger';
/** The type of the logger injected under the `Logger` token. */
export type Logger = PinoLogger;

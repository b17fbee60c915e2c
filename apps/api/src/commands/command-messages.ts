import type { RequestContext } from './command-context';

/** A domain command on one stream's aggregate, as it travels on the CommandBus. */
export abstract class CommandMessage<C extends { readonly type: string }> {
  constructor(
    /** The aggregate's id: a case's or a meeting's. */
    readonly id: string,
    readonly command: C,
    readonly context: RequestContext,
  ) {}
}

type MessageClass<C extends { readonly type: string }> = new (
  id: string,
  command: C,
  context: RequestContext,
) => CommandMessage<C>;

/**
 * One message class per command type, so the CommandBus (which finds a handler by the message's
 * class) hands each type to a handler of its own. `of` wraps a command in its type's class;
 * `classOf` is what that type's `@CommandHandler` names.
 */
export class CommandMessages<C extends { readonly type: string }> {
  private readonly classes = new Map<C['type'], MessageClass<C>>();

  constructor(aggregate: string, types: readonly C['type'][]) {
    for (const type of types) {
      const named = class extends CommandMessage<C> {};
      Object.defineProperty(named, 'name', { value: `${type}On${aggregate}` });
      this.classes.set(type, named);
    }
  }

  get types(): C['type'][] {
    return [...this.classes.keys()];
  }

  classOf(type: C['type']): MessageClass<C> {
    const found = this.classes.get(type);
    if (!found) throw new Error(`no command message class for ${type}`);
    return found;
  }

  of(id: string, command: C, context: RequestContext): CommandMessage<C> {
    return new (this.classOf(command.type))(id, command, context);
  }
}

/**
 * Redis's error texts, in one place, because clients match on them.
 * @module
 */
export const WRONGTYPE = "WRONGTYPE Operation against a key holding the wrong kind of value";
export const SYNTAX_ERROR = "ERR syntax error";
export const NOT_INTEGER = "ERR value is not an integer or out of range";
export const NOT_FLOAT = "ERR value is not a valid float";
export const NO_SUCH_KEY = "ERR no such key";
export const OVERFLOW = "ERR increment or decrement would overflow";
export const INVALID_DB = "ERR DB index is out of range";

/** A container's subcommand that exists but got the wrong arguments (PUBSUB, DEBUG, CLIENT ...). */
export function badSubcommand(container: string, subcommand: string): string {
  return `ERR unknown subcommand or wrong number of arguments for '${
    subcommand.slice(0, 128)
  }'. Try ${container} HELP.`;
}

export function wrongArity(name: string): string {
  return `ERR wrong number of arguments for '${name}' command`;
}

/**
 * Thrown by argument parsers deep inside a command to send an error reply; the dispatcher
 * catches it and writes `message`. Plain code returns early instead where that is simpler.
 */
export class ReplyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ReplyError";
  }
}

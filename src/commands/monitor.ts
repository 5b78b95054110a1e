/**
 * MONITOR: a client that asks for it receives a line for every command the server runs, in
 * Redis's format: `+1700000000.123456 [0 127.0.0.1:50000] "SET" "key" "value"`.
 * @module
 */
import type { Argv } from "../resp/decoder.ts";
import type { Client } from "./client.ts";
import { ReplyError } from "./errors.ts";
import { SCRIPT_RUNNERS } from "./propagation.ts";
import { type CommandSpec, defineCommand } from "./types.ts";

/**
 * Commands MONITOR shows before they run rather than after, as Redis does: a script's line comes
 * before the lines of the commands it calls (EXEC's comes after its commands).
 */
export const MONITORED_BEFORE_RUNNING = SCRIPT_RUNNERS;

/**
 * Sends the command to every monitoring client. `source` is the client's address, or `lua` for
 * a command a script ran; the db is the one the command left selected (Redis feeds after running).
 */
export function feedMonitors(client: Client, argv: Argv, source = client.addr): void {
  const now = performance.timeOrigin + performance.now();
  const seconds = Math.floor(now / 1000);
  const micros = Math.floor((now - seconds * 1000) * 1000);
  let line = `${seconds}.${String(micros).padStart(6, "0")} [${client.db.id} ${source}]`;
  const redacted = redactedArguments(argv);
  for (let i = 0; i < argv.length; i++) {
    line += redacted !== null && redacted.has(i) ? ' "(redacted)"' : ` ${quoteArgument(argv[i])}`;
  }
  for (const monitor of client.server.monitors) {
    monitor.reply.simple(line);
    if (monitor !== client) monitor.wake();
  }
}

/** Indexes of passwords that must not reach a monitor (AUTH, HELLO ... AUTH user pass). */
function redactedArguments(argv: Argv): Set<number> | null {
  const name = argv[0].toLowerCase();
  if (name === "auth") return new Set(argv.keys().filter((i) => i > 0));
  if (name !== "hello") return null;
  for (let i = 2; i < argv.length - 2; i++) {
    if (argv[i].toLowerCase() === "auth") return new Set([i + 1, i + 2]);
  }
  return null;
}

const ESCAPES: Record<string, string> = {
  "\\": "\\\\",
  '"': '\\"',
  "\n": "\\n",
  "\r": "\\r",
  "\t": "\\t",
  "\x07": "\\a",
  "\b": "\\b",
};

/** A byte string in double quotes with C-style escapes; other unprintable bytes as `\xhh`. */
export function quoteArgument(arg: string): string {
  let text = '"';
  for (let i = 0; i < arg.length; i++) {
    const char = arg[i];
    const code = arg.charCodeAt(i);
    const escape = ESCAPES[char];
    if (escape !== undefined) text += escape;
    else if (code >= 0x20 && code < 0x7f) text += char;
    else text += `\\x${code.toString(16).padStart(2, "0")}`;
  }
  return text + '"';
}

export const monitorCommands: CommandSpec[] = [
  defineCommand({
    name: "monitor",
    arity: 1,
    flags: ["admin", "noscript", "loading", "stale"],
    group: "server",
    since: "1.0.0",
    summary: "Streams every command the server runs, as it runs it.",
    run(client) {
      // Inside EXEC the caller wants one reply per command; a stream of lines cannot be one.
      if (client.inExec) throw new ReplyError("ERR MONITOR isn't allowed for DENY BLOCKING client");
      if (client.server.monitors.has(client)) return;
      client.server.monitors.add(client);
      client.reply.ok();
    },
  }),
];

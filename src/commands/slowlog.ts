/**
 * The slow log: commands that ran longer than `slowlog-log-slower-than` microseconds, newest
 * first, at most `slowlog-max-len` of them — and the SLOWLOG command that reads it.
 * @module
 */
import type { Argv } from "../resp/decoder.ts";
import { parseInt64 } from "./args.ts";
import type { Client } from "./client.ts";
import { helpSubcommand } from "./connection.ts";
import { badSubcommand, ReplyError } from "./errors.ts";
import { type CommandSpec, defineCommand } from "./types.ts";

/** Redis keeps at most this many arguments of a logged command... */
const MAX_ARGS = 32;
/** ...and at most this many bytes of each. */
const MAX_ARG_BYTES = 128;

export interface SlowLogEntry {
  id: number;
  /** Unix time in seconds when the command finished. */
  time: number;
  usec: number;
  args: string[];
  addr: string;
  name: string;
}

export class SlowLog {
  /** Newest first. */
  readonly entries: SlowLogEntry[] = [];
  /** Microseconds; negative turns the log off, 0 logs every command. */
  threshold = 10000;
  maxLength = 128;
  #nextId = 0;

  /** Logs a command that took `usec` microseconds, if that is slow enough. */
  record(client: Client, argv: Argv, usec: number): void {
    if (this.threshold < 0 || usec < this.threshold) return;
    const count = Math.min(argv.length, MAX_ARGS);
    const args: string[] = [];
    for (let i = 0; i < count; i++) {
      if (i === MAX_ARGS - 1 && argv.length > MAX_ARGS) {
        args.push(`... (${argv.length - MAX_ARGS + 1} more arguments)`);
        break;
      }
      const arg = argv[i];
      args.push(
        arg.length > MAX_ARG_BYTES
          ? `${arg.slice(0, MAX_ARG_BYTES)}... (${arg.length - MAX_ARG_BYTES} more bytes)`
          : arg,
      );
    }
    this.entries.unshift({
      id: this.#nextId++,
      time: Math.floor(Date.now() / 1000),
      usec: Math.floor(usec),
      args,
      addr: client.addr,
      name: client.name,
    });
    this.trim();
  }

  trim(): void {
    if (this.entries.length > this.maxLength) this.entries.length = this.maxLength;
  }

  reset(): void {
    this.entries.length = 0;
  }
}

const HELP = [
  "SLOWLOG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
  "GET [<count>]",
  "    Reply with up to <count> of the newest entries (default 10, -1 for all). Each entry",
  "    holds an id, a unix timestamp, the run time in microseconds, the arguments, the",
  "    client's address and the client's name.",
  "LEN",
  "    Reply with the number of entries.",
  "RESET",
  "    Forget every entry.",
  "HELP",
  "    Print this help.",
];

const ADMIN: CommandSpec["flags"] = ["admin", "loading", "stale"];

export const slowlogCommands: CommandSpec[] = [
  defineCommand({
    name: "slowlog",
    arity: -2,
    flags: [],
    group: "server",
    since: "2.2.12",
    summary: "Reads or clears the log of slow commands.",
    complexity: "Depends on subcommand.",
    subcommands: [
      defineCommand({
        name: "get",
        arity: -2,
        flags: ADMIN,
        group: "server",
        since: "2.2.12",
        summary: "Replies with the newest slow log entries.",
        complexity: "O(N) where N is the number of entries returned",
        history: [["4.0.0", "Added the client's address and name to each entry."]],
        tips: ["request_policy:all_nodes", "nondeterministic_output"],
        args: [{ name: "count", type: "integer", optional: true }],
        run(client, argv) {
          const entries = client.server.slowlog.entries;
          let count = Math.min(10, entries.length);
          if (argv.length > 3) throw new ReplyError(badSubcommand("SLOWLOG", argv[1]));
          if (argv.length === 3) {
            const parsed = parseInt64(argv[2]);
            const wanted = parsed === null ? NaN : Number(parsed);
            if (!(wanted >= -1)) {
              throw new ReplyError("ERR count should be greater than or equal to -1");
            }
            count = wanted === -1 ? entries.length : Math.min(entries.length, wanted);
          }
          const reply = client.reply;
          reply.arrayHeader(count);
          for (let i = 0; i < count; i++) {
            const entry = entries[i];
            reply.arrayHeader(6);
            reply.integer(entry.id);
            reply.integer(entry.time);
            reply.integer(entry.usec);
            reply.arrayHeader(entry.args.length);
            for (const arg of entry.args) reply.bulk(arg);
            reply.bulk(entry.addr);
            reply.bulk(entry.name);
          }
        },
      }),
      defineCommand({
        name: "len",
        arity: 2,
        flags: ADMIN,
        group: "server",
        since: "2.2.12",
        summary: "Replies with the number of slow log entries.",
        complexity: "O(1)",
        tips: ["request_policy:all_nodes", "response_policy:agg_sum", "nondeterministic_output"],
        run(client) {
          client.reply.integer(client.server.slowlog.entries.length);
        },
      }),
      defineCommand({
        name: "reset",
        arity: 2,
        flags: ADMIN,
        group: "server",
        since: "2.2.12",
        summary: "Empties the slow log.",
        complexity: "O(N) where N is the number of entries in the slowlog",
        tips: ["request_policy:all_nodes", "response_policy:all_succeeded"],
        run(client) {
          client.server.slowlog.reset();
          client.reply.ok();
        },
      }),
      helpSubcommand("SLOWLOG", HELP, { group: "server", since: "6.2.0" }),
    ],
  }),
];

/**
 * BGREWRITEAOF: rewrites the append-only file to a compact form while clients keep being
 * served (see src/persistence/aof.ts).
 * @module
 */
import { aofOf } from "../persistence/aof.ts";
import type { Client } from "./client.ts";
import { ReplyError } from "./errors.ts";
import { type CommandSpec, defineCommand } from "./types.ts";

function bgrewriteaof(client: Client): void {
  const result = aofOf(client.server).startRewrite();
  if (result === "running") {
    throw new ReplyError("ERR Background append only file rewriting already in progress");
  }
  if (result === "failed") {
    throw new ReplyError(
      "ERR Can't execute an AOF background rewriting. Please check the server logs for more " +
        "information.",
    );
  }
  client.reply.simple(
    result === "scheduled"
      ? "Background append only file rewriting scheduled"
      : "Background append only file rewriting started",
  );
}

export const aofCommands: CommandSpec[] = [
  defineCommand({
    name: "bgrewriteaof",
    arity: 1,
    flags: ["admin", "noscript", "no_async_loading"],
    group: "server",
    since: "1.0.0",
    summary: "Rewrites the append-only file to a compact form while clients keep being served.",
    complexity: "O(1)",
    run: bgrewriteaof,
  }),
];

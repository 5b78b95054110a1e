/**
 * MEMORY USAGE, STATS, DOCTOR, MALLOC-STATS, PURGE and HELP. Key sizes are what redis-server
 * would use for the same value (see src/store/memory_usage.ts); process-wide numbers are the
 * JavaScript engine's own (heap, external buffers, RSS).
 * @module
 */
import { keyMemory } from "../store/memory_usage.ts";
import { parseInt64 } from "./args.ts";
import type { Client } from "./client.ts";
import { helpSubcommand } from "./connection.ts";
import { memoryFigures, usedMemory } from "./eviction.ts";
import { NOT_INTEGER, ReplyError, SYNTAX_ERROR } from "./errors.ts";
import { type CommandSpec, defineCommand } from "./types.ts";

const HELP = [
  "MEMORY <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
  "DOCTOR",
  "    Reply with a report in plain words on how memory is used.",
  "MALLOC-STATS",
  "    Reply with the JavaScript engine's memory figures.",
  "PURGE",
  "    Ask the engine to give back memory it no longer needs.",
  "STATS",
  "    Reply with how the server's memory is used.",
  "USAGE <key> [SAMPLES <count>]",
  "    Reply with the bytes a key and its value take. Collections are sampled: <count>",
  "    elements (default 5; 0 means every element).",
  "HELP",
  "    Print this help.",
];

const STATS_TIPS = [
  "nondeterministic_output",
  "request_policy:all_shards",
  "response_policy:special",
];

/** Process memory as INFO memory reports it. */
export function processMemory(): { used: number; rss: number } {
  const usage = Deno.memoryUsage();
  return { used: usage.heapUsed + usage.external, rss: usage.rss };
}

/** Keys in every db, expired ones not yet removed included (as DBSIZE). */
function keyCount(client: Client): number {
  let keys = 0;
  for (const db of client.server.keyspace.databases) keys += db.size;
  return keys;
}

function replyStats(client: Client): void {
  // The totals are Redis's model (see eviction.ts); the allocator's are the engine's own.
  const { used, overhead, dataset, clients } = memoryFigures(client.server);
  const { used: allocated, rss } = processMemory();
  const startup = client.server.memory.startup;
  const keys = keyCount(client);
  const reply = client.reply;
  const dbs = client.server.keyspace.databases.filter((db) => db.size > 0);
  const fields: Array<[string, number | null]> = [
    ["peak.allocated", Math.max(used, client.server.memory.peak)],
    ["total.allocated", used],
    ["startup.allocated", startup],
    ["replication.backlog", 0],
    ["clients.slaves", 0],
    ["clients.normal", clients],
    ["cluster.links", 0],
    ["aof.buffer", 0],
    ["lua.caches", 0],
    ["functions.caches", 0],
  ];
  const numbers: Array<[string, number, "int" | "double"]> = [
    ["overhead.total", overhead, "int"],
    ["keys.count", keys, "int"],
    ["keys.bytes-per-key", keys === 0 ? 0 : Math.floor((used - startup) / keys), "int"],
    ["dataset.bytes", dataset, "int"],
    ["dataset.percentage", used === 0 ? 0 : (dataset * 100) / used, "double"],
    ["peak.percentage", (used * 100) / Math.max(used, client.server.memory.peak), "double"],
    ["allocator.allocated", allocated, "int"],
    ["allocator.active", allocated, "int"],
    ["allocator.resident", rss, "int"],
    ["allocator-fragmentation.ratio", 1, "double"],
    ["allocator-fragmentation.bytes", 0, "int"],
    ["allocator-rss.ratio", allocated === 0 ? 0 : rss / allocated, "double"],
    ["allocator-rss.bytes", rss - allocated, "int"],
    ["rss-overhead.ratio", 1, "double"],
    ["rss-overhead.bytes", 0, "int"],
    ["fragmentation", used === 0 ? 0 : rss / used, "double"],
    ["fragmentation.bytes", rss - used, "int"],
  ];
  reply.mapHeader(fields.length + dbs.length + numbers.length);
  for (const [name, value] of fields) {
    reply.bulk(name);
    reply.integer(value ?? 0);
  }
  for (const db of dbs) {
    reply.bulk(`db.${db.id}`);
    reply.mapHeader(3);
    reply.bulk("overhead.hashtable.main");
    reply.integer(db.size * 8);
    reply.bulk("overhead.hashtable.expires");
    reply.integer(db.expiresCount * 32);
    reply.bulk("overhead.hashtable.slot-to-keys");
    reply.integer(0);
  }
  for (const [name, value, kind] of numbers) {
    reply.bulk(name);
    if (kind === "int") reply.integer(Math.round(value));
    else reply.double(value);
  }
}

function doctorReport(client: Client): string {
  const { used: allocated, rss } = processMemory();
  const used = usedMemory(client.server);
  const keys = keyCount(client);
  if (keys === 0 && used < 5 * 1024 * 1024) {
    return "The server holds (almost) no data: there is nothing to diagnose yet.\n";
  }
  const problems: string[] = [];
  const peak = client.server.memory.peak;
  if (peak > used * 1.5) {
    problems.push(
      `Peak memory (${peak} bytes) was much higher than now (${used} bytes): a burst of data ` +
        "came and went. The process keeps some of that memory until the engine returns it.",
    );
  }
  if (rss > allocated * 1.4 && rss - allocated > 10 * 1024 * 1024) {
    problems.push(
      `The process's resident memory (${rss} bytes) is well above the memory in use ` +
        `(${allocated} bytes): try MEMORY PURGE, or expect it to settle as the heap is reused.`,
    );
  }
  if (problems.length === 0) return "No memory problems found. All is well.\n";
  return "Memory report:\n\n" + problems.map((problem) => ` * ${problem}\n`).join("\n");
}

export const memoryCommands: CommandSpec[] = [
  defineCommand({
    name: "memory",
    arity: -2,
    flags: [],
    group: "server",
    since: "4.0.0",
    summary: "Reports how the server uses memory.",
    complexity: "Depends on subcommand.",
    subcommands: [
      defineCommand({
        name: "usage",
        arity: -3,
        flags: ["readonly"],
        group: "server",
        since: "4.0.0",
        summary: "Replies with the bytes a key and its value take.",
        complexity: "O(N) where N is the number of samples.",
        keys: [{ first: 2, last: 2, step: 1, flags: ["RO"] }],
        args: [
          { name: "key", type: "key", keySpecIndex: 0 },
          { name: "count", type: "integer", token: "SAMPLES", optional: true },
        ],
        run(client, argv) {
          let samples = 5;
          for (let j = 3; j < argv.length; j++) {
            if (argv[j].toLowerCase() === "samples" && j + 1 < argv.length) {
              const parsed = parseInt64(argv[++j]);
              if (parsed === null) throw new ReplyError(NOT_INTEGER);
              if (parsed < 0) throw new ReplyError(SYNTAX_ERROR);
              samples = Number(parsed);
            } else {
              throw new ReplyError(SYNTAX_ERROR);
            }
          }
          // Looked up without touching the key's access time, as Redis does here.
          const value = client.db.peek(argv[2]);
          if (value === undefined) client.reply.nullBulk();
          else client.reply.integer(keyMemory(argv[2], value, samples));
        },
      }),
      defineCommand({
        name: "stats",
        arity: 2,
        flags: [],
        group: "server",
        since: "4.0.0",
        summary: "Replies with how the server's memory is used.",
        complexity: "O(1)",
        tips: STATS_TIPS,
        run(client) {
          replyStats(client);
        },
      }),
      defineCommand({
        name: "doctor",
        arity: 2,
        flags: [],
        group: "server",
        since: "4.0.0",
        summary: "Replies with a report in plain words on memory use.",
        complexity: "O(1)",
        tips: STATS_TIPS,
        run(client) {
          client.reply.verbatim(doctorReport(client));
        },
      }),
      defineCommand({
        name: "malloc-stats",
        arity: 2,
        flags: [],
        group: "server",
        since: "4.0.0",
        summary: "Replies with the JavaScript engine's memory figures.",
        complexity: "Depends on how much memory is allocated, could be slow",
        tips: STATS_TIPS,
        run(client) {
          const usage = Deno.memoryUsage();
          client.reply.verbatim(
            `Deno ${Deno.version.deno}, V8 ${Deno.version.v8}\n` +
              Object.entries(usage).map(([name, value]) => `${name}: ${value}\n`).join(""),
          );
        },
      }),
      defineCommand({
        name: "purge",
        arity: 2,
        flags: [],
        group: "server",
        since: "4.0.0",
        summary: "Asks the engine to give back memory it no longer needs.",
        complexity: "Depends on how much memory is allocated, could be slow",
        tips: ["request_policy:all_shards", "response_policy:all_succeeded"],
        run(client) {
          // V8 collects on its own schedule; there is no allocator to purge from a script.
          client.reply.ok();
        },
      }),
      helpSubcommand("MEMORY", HELP, { group: "server", since: "4.0.0" }),
    ],
  }),
];

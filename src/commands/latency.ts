/**
 * The latency monitor (events slower than `latency-monitor-threshold` ms, one sample per second
 * per event, the last 160 kept) and the LATENCY command: LATEST, HISTORY, RESET, GRAPH, DOCTOR
 * and HISTOGRAM (per-command distributions from {@link LatencyHistogram}).
 * @module
 */
import type { ReplyWriter } from "../resp/encoder.ts";
import type { Client } from "./client.ts";
import { helpSubcommand } from "./connection.ts";
import { ReplyError } from "./errors.ts";
import type { RegisteredCommand } from "./registry.ts";
import { type CommandSpec, defineCommand } from "./types.ts";

/** Samples kept per event, as Redis's LATENCY_TS_LEN. */
const HISTORY_LENGTH = 160;
const GRAPH_COLUMNS = 80;
const GRAPH_ROWS = 4;

interface Sample {
  /** Unix seconds. */
  time: number;
  ms: number;
}

interface EventSeries {
  samples: Sample[];
  /** The highest latency ever seen for the event, also after old samples are dropped. */
  max: number;
}

export class LatencyMonitor {
  /** Milliseconds; 0 turns the monitor off. */
  threshold = 0;
  readonly events = new Map<string, EventSeries>();

  /** Records `ms` for `event` when the monitor is on and the latency reaches the threshold. */
  recordIfSlow(event: string, ms: number): void {
    if (this.threshold > 0 && ms >= this.threshold) this.record(event, ms);
  }

  record(event: string, ms: number, now = Math.floor(Date.now() / 1000)): void {
    let series = this.events.get(event);
    if (series === undefined) {
      series = { samples: [], max: 0 };
      this.events.set(event, series);
    }
    if (ms > series.max) series.max = ms;
    const last = series.samples[series.samples.length - 1];
    // One sample per second: a later spike in the same second only raises it.
    if (last !== undefined && last.time === now) {
      if (ms > last.ms) last.ms = ms;
      return;
    }
    series.samples.push({ time: now, ms });
    if (series.samples.length > HISTORY_LENGTH) series.samples.shift();
  }

  /** Forgets the named events (all when none are named); returns how many were known. */
  reset(names: readonly string[]): number {
    if (names.length === 0) {
      const count = this.events.size;
      this.events.clear();
      return count;
    }
    let count = 0;
    for (const name of names) if (this.events.delete(name)) count++;
    return count;
  }
}

/**
 * An ASCII sparkline of an event's samples in the shape Redis draws: four rows of `_ o #` with
 * `|` below a column's top, then each sample's age (`12s`, `3m`, `2h`, `1d`) written downwards.
 */
export function latencyGraph(event: string, series: EventSeries, now: number): string {
  const samples = series.samples;
  let low = samples[0].ms;
  let high = samples[0].ms;
  for (const { ms } of samples) {
    if (ms < low) low = ms;
    if (ms > high) high = ms;
  }
  let text = `${event} - high ${high} ms, low ${low} ms (all time high ${series.max} ms)\n`;
  text += "-".repeat(GRAPH_COLUMNS) + "\n";
  const labels = samples.map(({ time }) => ageLabel(now - time));
  const chunks: string[] = [];
  for (let start = 0; start < samples.length; start += GRAPH_COLUMNS) {
    const end = Math.min(samples.length, start + GRAPH_COLUMNS);
    chunks.push(
      sparkline(samples.slice(start, end).map((s) => s.ms), labels.slice(start, end), low, high),
    );
  }
  return text + chunks.join("\n");
}

const FILL = "_o#";

function sparkline(values: number[], labels: string[], low: number, high: number): string {
  const range = high - low || 1;
  const steps = FILL.length * GRAPH_ROWS;
  const levels = values.map((value) =>
    Math.min(steps - 1, Math.max(0, Math.trunc(((value - low) * steps) / range)))
  );
  let text = "";
  for (let row = 0; row < GRAPH_ROWS; row++) {
    let line = "";
    for (const level of levels) {
      const index = level - (GRAPH_ROWS - row - 1) * FILL.length;
      line += index < 0 ? " " : index < FILL.length ? FILL[index] : "|";
    }
    text += line + "\n";
  }
  text += " ".repeat(values.length) + "\n"; // a blank row between the bars and the labels
  const longest = Math.max(...labels.map((label) => label.length));
  for (let row = 0; row < longest; row++) {
    text += labels.map((label) => label[row] ?? " ").join("") + "\n";
  }
  return text;
}

function ageLabel(seconds: number): string {
  if (seconds < 60) return `${seconds}s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m`;
  if (seconds < 86400) return `${Math.floor(seconds / 3600)}h`;
  return `${Math.floor(seconds / 86400)}d`;
}

/** A plain-words report on the recorded events, for LATENCY DOCTOR. */
export function latencyDoctor(monitor: LatencyMonitor, slowlogThreshold: number): string {
  if (monitor.events.size === 0) {
    return monitor.threshold === 0
      ? "No latency events have been recorded: the latency monitor is off. " +
        "Turn it on with CONFIG SET latency-monitor-threshold <milliseconds>.\n"
      : "No latency spike has been recorded since the server started. All is well.\n";
  }
  let text = "Latency spikes were recorded:\n\n";
  let index = 1;
  for (const [event, series] of monitor.events) {
    const values = series.samples.map((s) => s.ms);
    const mean = values.reduce((a, b) => a + b, 0) / values.length;
    const deviation = values.reduce((a, b) => a + Math.abs(b - mean), 0) / values.length;
    const span = series.samples[series.samples.length - 1].time - series.samples[0].time;
    text +=
      `${index++}. ${event}: ${values.length} latency spikes (average ${Math.round(mean)}ms, ` +
      `mean deviation ${Math.round(deviation)}ms, period ${
        (span / Math.max(1, values.length - 1)).toFixed(2)
      } sec). Worst all time event ${series.max}ms.\n`;
  }
  text += "\nAdvice:\n\n";
  if (monitor.events.has("command") || monitor.events.has("fast-command")) {
    text += "- Slow commands were seen: read SLOWLOG GET to find which ones.\n";
    if (slowlogThreshold < 0 || slowlogThreshold > monitor.threshold * 1000) {
      text += `- The slow log misses commands slower than the monitor's threshold: ` +
        `CONFIG SET slowlog-log-slower-than ${monitor.threshold * 1000}.\n`;
    }
  }
  text +=
    "- Deleting or expiring very large keys runs in one step; split them into smaller keys.\n";
  return text;
}

/** LATENCY HISTOGRAM's reply for the given commands (all that ran, when none are named). */
function replyHistograms(client: Client, names: readonly string[]): void {
  const table = client.server.commands;
  const chosen: RegisteredCommand[] = [];
  const add = (command: RegisteredCommand) => {
    if (command.histogram !== null && command.histogram.total > 0 && !chosen.includes(command)) {
      chosen.push(command);
    }
    for (const sub of command.subcommands.values()) add(sub);
  };
  if (names.length === 0) {
    for (const command of table.all()) add(command);
  } else {
    for (const name of names) {
      const command = table.lookupFullName(name);
      if (command !== undefined) add(command);
    }
  }
  const reply = client.reply;
  reply.mapHeader(chosen.length);
  for (const command of chosen) {
    reply.bulk(command.fullName);
    writeHistogram(reply, command);
  }
}

function writeHistogram(reply: ReplyWriter, command: RegisteredCommand): void {
  const histogram = command.histogram!;
  reply.mapHeader(2);
  reply.bulk("calls");
  reply.integer(histogram.total);
  reply.bulk("histogram_usec");
  const rows = histogram.cumulativeRows();
  reply.mapHeader(rows.length);
  for (const [usec, count] of rows) {
    reply.integer(usec);
    reply.integer(count);
  }
}

const HELP = [
  "LATENCY <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
  "DOCTOR",
  "    Reply with a report in plain words on the latency events recorded.",
  "GRAPH <event>",
  "    Reply with an ASCII graph of the <event>'s samples.",
  "HISTORY <event>",
  "    Reply with the <event>'s samples as [timestamp, milliseconds] pairs.",
  "LATEST",
  "    Reply with the newest sample of every event.",
  "RESET [<event> ...]",
  "    Forget the samples of the named events (of every event when none is named).",
  "HISTOGRAM [COMMAND ...]",
  "    Reply with the cumulative latency distribution of the named commands (of every",
  "    command that ran, when none is named).",
  "HELP",
  "    Print this help.",
];

const ADMIN: CommandSpec["flags"] = ["admin", "noscript", "loading", "stale"];
const SPECIAL_TIPS = [
  "nondeterministic_output",
  "request_policy:all_nodes",
  "response_policy:special",
];

function subcommand(
  spec: Omit<CommandSpec, "flags" | "group" | "since"> & Partial<CommandSpec>,
): CommandSpec {
  return defineCommand({ flags: ADMIN, group: "server", since: "2.8.13", ...spec });
}

export const latencyCommands: CommandSpec[] = [
  defineCommand({
    name: "latency",
    arity: -2,
    flags: [],
    group: "server",
    since: "2.8.13",
    summary: "Reads the latency monitor's samples and the per-command latency distributions.",
    complexity: "Depends on subcommand.",
    subcommands: [
      subcommand({
        name: "latest",
        arity: 2,
        summary: "Replies with the newest sample of every latency event.",
        complexity: "O(1)",
        tips: SPECIAL_TIPS,
        run(client) {
          const events = client.server.latency.events;
          const reply = client.reply;
          reply.arrayHeader(events.size);
          for (const [event, series] of events) {
            const last = series.samples[series.samples.length - 1];
            reply.arrayHeader(4);
            reply.bulk(event);
            reply.integer(last.time);
            reply.integer(last.ms);
            reply.integer(series.max);
          }
        },
      }),
      subcommand({
        name: "history",
        arity: 3,
        summary: "Replies with the samples of one latency event.",
        complexity: "O(1)",
        tips: SPECIAL_TIPS,
        args: [{ name: "event", type: "string" }],
        run(client, argv) {
          const samples = client.server.latency.events.get(argv[2])?.samples ?? [];
          const reply = client.reply;
          reply.arrayHeader(samples.length);
          for (const sample of samples) {
            reply.arrayHeader(2);
            reply.integer(sample.time);
            reply.integer(sample.ms);
          }
        },
      }),
      subcommand({
        name: "reset",
        arity: -2,
        summary: "Forgets the samples of some or all latency events.",
        complexity: "O(1)",
        tips: ["request_policy:all_nodes", "response_policy:all_succeeded"],
        args: [{ name: "event", type: "string", optional: true, multiple: true }],
        run(client, argv) {
          client.reply.integer(client.server.latency.reset(argv.slice(2)));
        },
      }),
      subcommand({
        name: "graph",
        arity: 3,
        summary: "Replies with an ASCII graph of one latency event.",
        complexity: "O(1)",
        tips: SPECIAL_TIPS,
        args: [{ name: "event", type: "string" }],
        run(client, argv) {
          const series = client.server.latency.events.get(argv[2]);
          if (series === undefined) {
            throw new ReplyError(`ERR No samples available for event '${argv[2]}'`);
          }
          client.reply.verbatim(latencyGraph(argv[2], series, Math.floor(Date.now() / 1000)));
        },
      }),
      subcommand({
        name: "doctor",
        arity: 2,
        summary: "Replies with a report in plain words on the latency events.",
        complexity: "O(1)",
        tips: SPECIAL_TIPS,
        run(client) {
          const server = client.server;
          client.reply.verbatim(latencyDoctor(server.latency, server.slowlog.threshold));
        },
      }),
      subcommand({
        name: "histogram",
        arity: -2,
        since: "7.0.0",
        summary: "Replies with the cumulative latency distribution of some or all commands.",
        complexity:
          "O(N) where N is the number of commands with latency information being retrieved.",
        tips: SPECIAL_TIPS,
        args: [{ name: "command", type: "string", optional: true, multiple: true }],
        run(client, argv) {
          replyHistograms(client, argv.slice(2));
        },
      }),
      helpSubcommand("LATENCY", HELP, { group: "server", since: "2.8.13" }),
    ],
  }),
];

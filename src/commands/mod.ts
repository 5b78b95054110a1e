/**
 * Every command family, gathered into one table.
 * @module
 */
import { bitmapCommands } from "./bitmaps.ts";
import { aclCommands } from "./acl.ts";
import { clusterCommands } from "./cluster.ts";
import { connectionCommands } from "./connection.ts";
import { debugCommands } from "./debug.ts";
import { geoCommands } from "./geo.ts";
import { functionCommands } from "./functions.ts";
import { hashCommands } from "./hashes.ts";
import { hyperloglogCommands } from "./hyperloglog.ts";
import { keyCommands } from "./keys.ts";
import { latencyCommands } from "./latency.ts";
import { listCommands } from "./lists.ts";
import { memoryCommands } from "./memory.ts";
import { monitorCommands } from "./monitor.ts";
import { persistenceCommands } from "./persistence.ts";
import { aofCommands } from "./aof_commands.ts";
import { pubsubCommands } from "./pubsub.ts";
import { replicationCommands } from "./replication.ts";
import { CommandTable } from "./registry.ts";
import { scriptingCommands } from "./scripting.ts";
import { serverCommands } from "./server.ts";
import { setCommands } from "./sets.ts";
import { slowlogCommands } from "./slowlog.ts";
import { sortCommands } from "./sort.ts";
import { sortedSetCommands } from "./sorted_sets.ts";
import { streamCommands } from "./streams.ts";
import { stringCommands } from "./strings.ts";
import { transactionCommands } from "./transactions.ts";
import type { CommandSpec } from "./types.ts";

/** All declarations, family by family. */
export const ALL_COMMANDS: readonly CommandSpec[] = [
  ...connectionCommands,
  ...serverCommands,
  ...aclCommands,
  ...debugCommands,
  ...slowlogCommands,
  ...latencyCommands,
  ...monitorCommands,
  ...memoryCommands,
  ...keyCommands,
  ...persistenceCommands,
  ...aofCommands,
  ...stringCommands,
  ...bitmapCommands,
  ...hyperloglogCommands,
  ...listCommands,
  ...hashCommands,
  ...setCommands,
  ...sortedSetCommands,
  ...geoCommands,
  ...streamCommands,
  ...sortCommands,
  ...transactionCommands,
  ...scriptingCommands,
  ...functionCommands,
  ...pubsubCommands,
  ...clusterCommands,
  ...replicationCommands,
];

export function createCommandTable(): CommandTable {
  return new CommandTable(ALL_COMMANDS);
}

export { Client } from "./client.ts";
export { CommandTable } from "./registry.ts";
export type { CommandSpec } from "./types.ts";

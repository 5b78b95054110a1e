/**
 * Generic keyspace commands: DEL, EXISTS, EXPIRE, SCAN, ...
 * @module
 */
import type { CommandSpec } from "./types.ts";

export const keyCommands: CommandSpec[] = [];

/**
 * Server commands: INFO, CONFIG, COMMAND, DBSIZE, FLUSHALL, ...
 * @module
 */
import type { CommandSpec } from "./types.ts";

export const serverCommands: CommandSpec[] = [];

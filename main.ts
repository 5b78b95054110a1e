/**
 * Redeno's command line: `deno run --allow-net main.ts [--port 6379] [--bind addr ...] ...`
 *
 * Flags use redis-server's spelling (`--port 6380`, `--bind 127.0.0.1 ::1`); every config
 * parameter Redeno knows is accepted as a flag, so one table decides what exists.
 * @module
 */
import { parseArgs } from "node:util";
import { Config, findParam, PARAMS } from "./src/config/config.ts";
import {
  configValues,
  describeError,
  readConfigFile,
  validateConfigValues,
} from "./src/config/config_file.ts";
import { Logger, type LogLevel } from "./src/server/log.ts";
import { startServer } from "./src/server/server.ts";
import { persistenceOf } from "./src/commands/persistence_manager.ts";

export const VERSION = "7.0.15";

/** redis-server's default `save` rules: after 1 change in an hour, 100 in 5 minutes, 10000 in 1. */
const DEFAULT_SAVE = "3600 1 300 100 60 10000";

const USAGE = `Usage: redeno [/path/to/redis.conf] [--port <port>] [--<parameter> <value> ...]
       redeno --version | --help

Parameters (redis-server spelling): ${PARAMS.map((param) => param.name).join(", ")}

A config file comes first; flags after it override its values.

Examples:
  deno run --allow-net main.ts --port 6380
  deno run --allow-net --allow-read --allow-write main.ts redis.conf --port 7000
  deno run --allow-net main.ts --bind 127.0.0.1 ::1 --databases 32`;

/**
 * Turns argv into config values. Like redis-server, a flag takes every following word up to the
 * next flag (`--bind 127.0.0.1 ::1`). Throws with a message for the user on bad input.
 */
export function parseFlags(
  args: string[],
): { help?: boolean; version?: boolean; config: Record<string, string> } {
  const options = Object.fromEntries(
    PARAMS.map((param) => [param.name, { type: "string" as const, multiple: true }]),
  );
  const { tokens } = parseArgs({
    args,
    options: {
      ...options,
      help: { type: "boolean", short: "h" },
      version: { type: "boolean", short: "v" },
    },
    allowPositionals: true,
    strict: false,
    tokens: true,
  });
  const config: Record<string, string> = {};
  let current: string | null = null;
  for (const token of tokens) {
    if (token.kind === "option") {
      if (token.name === "help") return { help: true, config };
      if (token.name === "version") return { version: true, config };
      const param = findParam(token.name);
      if (!param || token.rawName.length === 2) {
        throw new Error(`unknown option '${token.rawName}' (see --help)`);
      }
      current = param.name;
      config[current] = token.value ?? "";
    } else if (token.kind === "positional") {
      if (current === null) {
        throw new Error(
          `unexpected argument '${token.value}': a config file path must come first ` +
            `(see --help)`,
        );
      }
      config[current] = config[current] ? `${config[current]} ${token.value}` : token.value;
    } else {
      throw new Error(`unexpected '--' (see --help)`);
    }
  }
  for (const [name, value] of Object.entries(config)) {
    if (value === "" && findParam(name)!.kind !== "string") {
      throw new Error(`option '--${name}' needs a value (see --help)`);
    }
  }
  return { config };
}

/**
 * Reads the config file named first on the command line, if any: its values (flags override
 * them later) and warnings for directives Redeno does not support. Throws with redis-server's
 * message for a bad file.
 */
export function loadConfigFile(
  path: string,
): { values: Record<string, string>; warnings: string[]; users: string[] } {
  const directives = readConfigFile(path);
  const result = configValues(directives);
  validateConfigValues(directives, new Config());
  return result;
}

async function main(): Promise<number> {
  let parsed;
  let args = Deno.args;
  let configFile: string | undefined;
  let fileValues: Record<string, string> = {};
  let warnings: string[] = [];
  let users: string[] = [];
  try {
    if (args.length > 0 && !args[0].startsWith("-")) {
      configFile = args[0];
      args = args.slice(1);
      ({ values: fileValues, warnings, users } = loadConfigFile(configFile));
    }
    parsed = parseFlags(args);
  } catch (error) {
    console.error(
      configFile && !(error as Error).message.startsWith("unknown option")
        ? (error as Error).message
        : `redeno: ${(error as Error).message}`,
    );
    return 1;
  }
  if (parsed.help) {
    console.log(USAGE);
    return 0;
  }
  if (parsed.version) {
    console.log(`Redeno server v=${VERSION} (Redis-compatible) deno=${Deno.version.deno}`);
    return 0;
  }
  const config = { ...fileValues, ...parsed.config };
  let logger: Logger;
  try {
    logger = new Logger((config.loglevel ?? "notice") as LogLevel, logWriter(config.logfile ?? ""));
  } catch (error) {
    console.error(
      `\n*** FATAL CONFIG FILE ERROR (Redis ${VERSION}) ***\n` +
        `Can't open the log file: ${describeError(error)}`,
    );
    return 1;
  }
  for (const warning of warnings) logger.warning(warning);
  const persistence = persistenceSettings(config, logger);
  let server;
  try {
    server = await startServer({
      ...config,
      ...persistence,
      logger,
      users,
      configFile: configFile === undefined ? undefined : absolutePath(configFile),
    });
  } catch (error) {
    console.error(`redeno: ${(error as Error).message}`);
    return 1;
  }
  logger.notice(`Redeno ${VERSION}-compatible server started, pid=${Deno.pid}`);
  const addresses = server.addresses.map((addr) =>
    addr.hostname.includes(":")
      ? `[${addr.hostname}]:${addr.port}`
      : `${addr.hostname}:${addr.port}`
  );
  if (addresses.length > 0) {
    logger.notice(`Ready to accept connections tcp on ${addresses.join(", ")}`);
  }
  if (server.tlsPort > 0) {
    logger.notice(`Ready to accept connections tls on port ${server.tlsPort}`);
  }
  // As redis-server: a signal saves first when `save` rules exist; if that fails the server
  // keeps running, and a second signal stops it without saving.
  const signals: string[] = [];
  let wake = () => {};
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    Deno.addSignalListener(signal, () => {
      signals.push(signal);
      wake();
    });
  }
  let attempts = 0;
  while (true) {
    if (signals.length === 0) {
      const closed = await Promise.race([
        server.closed.then(() => true),
        new Promise<false>((resolve) => wake = () => resolve(false)),
      ]);
      if (closed) break; // SHUTDOWN
      continue;
    }
    const signal = signals.shift()!;
    logger.warning(`Received ${signal} scheduling shutdown...`);
    if (attempts++ > 0) {
      logger.warning("You insist... exiting now.");
      break;
    }
    if (persistenceOf(server).prepareShutdown()) break;
  }
  await server.close();
  logger.notice("Redeno is now ready to exit, bye bye...");
  return 0;
}

/**
 * The file settings main.ts adds: Redis's default `save` rules unless configured, and loading
 * `dir`/`dbfilename` at start. Without read and write permission for `dir` (`deno run` with only
 * `--allow-net`), persistence is off, with a warning, rather than failing or prompting later.
 */
function persistenceSettings(
  config: Record<string, string>,
  logger: Logger,
): { save?: string; loadDataFile: boolean } {
  const dir = config.dir || ".";
  const granted = (["read", "write"] as const).every((name) =>
    Deno.permissions.querySync({ name, path: dir }).state === "granted"
  );
  if (!granted) {
    logger.warning(
      "Persistence is off: no read/write permission for the data directory " +
        "(run with --allow-read --allow-write to save and load dump files).",
    );
    return { save: "", loadDataFile: false };
  }
  return { ...(config.save === undefined ? { save: DEFAULT_SAVE } : {}), loadDataFile: true };
}

/** Where log lines go: standard output, or appended to `logfile` as redis-server does. */
function logWriter(logfile: string): (line: string) => void {
  if (logfile === "") return (line) => console.log(line);
  const file = Deno.openSync(logfile, { append: true, create: true });
  const encoder = new TextEncoder();
  return (line) => file.writeSync(encoder.encode(line + "\n"));
}

function absolutePath(path: string): string {
  return path.startsWith("/") ? path : `${Deno.cwd()}/${path}`;
}

if (import.meta.main) Deno.exit(await main());

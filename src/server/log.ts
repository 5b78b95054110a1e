/**
 * Redis-style log lines (`pid:M 25 Nov 2026 20:08:09.123 * Ready to accept connections`),
 * filtered by `loglevel`.
 * @module
 */
export type LogLevel = "debug" | "verbose" | "notice" | "warning" | "nothing";

const RANK: Record<LogLevel, number> = { debug: 0, verbose: 1, notice: 2, warning: 3, nothing: 4 };
const MARK: Record<LogLevel, string> = {
  debug: ".",
  verbose: "-",
  notice: "*",
  warning: "#",
  nothing: "",
};
const MONTHS = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split(" ");

export class Logger {
  level: LogLevel;
  #write: (line: string) => void;

  constructor(level: LogLevel = "notice", write = (line: string) => console.log(line)) {
    this.level = level;
    this.#write = write;
  }

  log(level: LogLevel, message: string): void {
    if (RANK[level] < RANK[this.level] || this.level === "nothing") return;
    const now = new Date();
    const pad = (n: number, width = 2) => String(n).padStart(width, "0");
    const stamp = `${pad(now.getDate())} ${MONTHS[now.getMonth()]} ${now.getFullYear()} ` +
      `${pad(now.getHours())}:${pad(now.getMinutes())}:${pad(now.getSeconds())}.` +
      pad(now.getMilliseconds(), 3);
    this.#write(`${Deno.pid}:M ${stamp} ${MARK[level]} ${message}`);
  }

  notice(message: string): void {
    this.log("notice", message);
  }

  warning(message: string): void {
    this.log("warning", message);
  }

  verbose(message: string): void {
    this.log("verbose", message);
  }
}

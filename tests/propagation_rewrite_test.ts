/**
 * Propagation rewrites against the AOF a real redis-server 7.0 writes for the same commands:
 * relative expirations made absolute, blocking pops as their non-blocking effects, SPOP as
 * SREM, INCRBYFLOAT as SET ... KEEPTTL, XADD * with its ID, approximate trims made exact.
 * Absolute times (and IDs made of them) are masked.
 */
import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { AofCommandReader } from "../src/persistence/aof_loader.ts";
import { RespClient } from "./support/resp_client.ts";
import { startRedeno, startRedis } from "./support/servers.ts";

const options = { sanitizeOps: false, sanitizeResources: false };

/** Commands whose propagation is compared; SPOP's members are random, so sets are small. */
const COMMANDS: string[][] = [
  ["SET", "s1", "v", "EX", "100"],
  ["SET", "s2", "v", "PX", "100000", "GET"],
  ["SET", "s3", "v", "EXAT", "9999999999"],
  ["SET", "s4", "v", "PXAT", "9999999999000"],
  ["SET", "s5", "v", "KEEPTTL"],
  ["SET", "s6", "w", "GET"],
  ["SETEX", "s7", "100", "v"],
  ["PSETEX", "s8", "100000", "v"],
  ["EXPIRE", "s1", "200"],
  ["PEXPIRE", "s1", "100000", "LT"],
  ["EXPIREAT", "s1", "9999999999"],
  ["EXPIRE", "s1", "-1"],
  ["SET", "s1", "v"],
  ["EXPIREAT", "s1", "1"],
  ["SET", "g1", "v"],
  ["GETEX", "g1", "EX", "100"],
  ["GETEX", "g1", "PERSIST"],
  ["GETEX", "g1"],
  ["GETEX", "g1", "PXAT", "1"],
  ["SET", "g2", "v"],
  ["GETDEL", "g2"],
  ["SET", "f", "1.5", "EX", "100"],
  ["INCRBYFLOAT", "f", "2.5"],
  ["HSET", "h", "f", "1.5"],
  ["HINCRBYFLOAT", "h", "f", "1"],
  ["SADD", "one", "a"],
  ["SPOP", "one"],
  ["SADD", "all", "a", "b"],
  ["SPOP", "all", "5"],
  ["RPUSH", "l", "a", "b", "c", "d", "e"],
  ["BLPOP", "l", "0"],
  ["BRPOP", "l", "0"],
  ["BLMOVE", "l", "l2", "LEFT", "RIGHT", "0"],
  ["BRPOPLPUSH", "l", "l2", "0"],
  ["BLMPOP", "0", "1", "l", "LEFT", "COUNT", "5"],
  ["LMPOP", "1", "l2", "RIGHT", "COUNT", "1"],
  ["ZADD", "z", "1", "a", "2", "b", "3", "c", "4", "d"],
  ["BZPOPMIN", "z", "0"],
  ["BZPOPMAX", "z", "0"],
  ["BZMPOP", "0", "1", "z", "MIN", "COUNT", "5"],
  ["ZADD", "z", "1", "a"],
  ["ZMPOP", "1", "z", "MAX"],
  ["XADD", "x", "*", "f", "v"],
  ["XADD", "x", "MAXLEN", "1", "*", "f", "v"],
  ["MULTI"],
  ["SET", "m", "1"],
  ["EXPIRE", "m", "100"],
  ["EXEC"],
  ["SELECT", "2"],
  ["SET", "d2", "1", "EX", "100"],
  ["SELECT", "0"],
];

/** Served after waiting: BLPOP then RPUSH, and so on. */
const BLOCKED: Array<[string[], string[]]> = [
  [["BLPOP", "bq", "0"], ["RPUSH", "bq", "a", "b"]],
  [["BLMOVE", "bq2", "bd", "RIGHT", "LEFT", "0"], ["RPUSH", "bq2", "a", "b"]],
  [["BRPOPLPUSH", "bq3", "bd3", "0"], ["RPUSH", "bq3", "x"]],
  [["BLMPOP", "0", "1", "bq4", "RIGHT", "COUNT", "3"], ["RPUSH", "bq4", "a", "b", "c", "d"]],
  [["BZPOPMIN", "bz", "0"], ["ZADD", "bz", "1", "a", "2", "b"]],
  [["BZMPOP", "0", "1", "bz2", "MAX", "COUNT", "2"], ["ZADD", "bz2", "1", "a", "2", "b", "3", "c"]],
];

function mask(line: string): string {
  return line.replace(/\b\d{13}(-\d+)?\b/g, "T");
}

async function drive(port: number): Promise<void> {
  const client = await RespClient.connect(port);
  for (const argv of COMMANDS) await client.raw(...argv);
  for (const [blocking, push] of BLOCKED) {
    const waiter = await RespClient.connect(port);
    await waiter.write(encode(blocking));
    await new Promise((resolve) => setTimeout(resolve, 50));
    await client.raw(...push);
    await waiter.readRaw();
    waiter.close();
  }
  client.close();
}

function encode(argv: string[]): string {
  return `*${argv.length}\r\n` + argv.map((arg) => `$${arg.length}\r\n${arg}\r\n`).join("");
}

Deno.test({
  name: "propagation rewrites: the same commands as redis-server 7.0 writes to its AOF",
  ...options,
  async fn() {
    const dir = await Deno.makeTempDir();
    const redis = await startRedis(["--appendonly", "yes", "--dir", dir]);
    const redeno = await startRedeno();
    const ours: string[] = [];
    let selected = -1;
    redeno.propagation.attach((unit) => {
      for (const { db, argv } of unit) {
        if (db !== selected) ours.push(`SELECT ${db}`);
        selected = db;
        ours.push(mask(argv.join(" ")));
      }
    });
    try {
      await drive(redis.port);
      await drive(redeno.port);
      const flushed = await RespClient.connect(redis.port);
      await flushed.raw("CONFIG", "SET", "appendfsync", "always");
      await flushed.raw("PING");
      flushed.close();
      await new Promise((resolve) => setTimeout(resolve, 200));
      const data = Deno.readFileSync(`${dir}/appendonlydir/appendonly.aof.1.incr.aof`);
      const reader = new AofCommandReader(data);
      const theirs: string[] = [];
      for (let argv = reader.next(); argv !== null; argv = reader.next()) {
        theirs.push(mask(argv.join(" ")));
      }
      // SPOP of a whole set: Redis's member order is its own; compare as a set of lines.
      assertEquals(ours, theirs);
    } finally {
      await redis.close();
      await redeno.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
});

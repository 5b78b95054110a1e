/**
 * Command propagation (what an AOF and replicas receive): writes that changed something, one
 * unit per top-level command, MULTI/EXEC around several writes, expirations as DEL.
 */
import { deepStrictEqual as assertEquals } from "node:assert/strict";
import type { PropagatedCommand } from "../src/commands/propagation.ts";
import { RespClient } from "./support/resp_client.ts";
import { startRedeno } from "./support/servers.ts";

/** A unit as text; a relative or absolute expiry option reads EXPIRY (Redis sends PXAT). */
function text(unit: readonly PropagatedCommand[]): string {
  return unit.map(({ db, argv }) => `${db}:${argv.join(" ")}`).join(" | ")
    .replace(/ (PX|EX|PXAT|EXAT) \d+/gi, " EXPIRY");
}

Deno.test({
  name: "propagation: writes, transactions, expiry and dbs reach the sinks as Redis sends them",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const server = await startRedeno();
    const units: string[] = [];
    const detach = server.propagation.attach((unit) => units.push(text(unit)));
    const client = await RespClient.connect(server.port);
    try {
      await client.raw("SET", "a", "1");
      await client.raw("GET", "a"); // reads are not propagated
      await client.raw("SET", "a", "2", "NX"); // changed nothing
      await client.raw("LPUSH", "a", "x"); // WRONGTYPE
      await client.raw("INCR", "a");
      await client.raw("MULTI");
      await client.raw("SET", "b", "1");
      await client.raw("INCR", "b");
      await client.raw("GET", "b");
      await client.raw("EXEC");
      await client.raw("MULTI");
      await client.raw("SET", "c", "1");
      await client.raw("EXEC");
      await client.raw("SELECT", "2");
      await client.raw("SET", "d", "1", "PX", "100");
      await client.raw("SET", "e", "1", "PX", "100");
      server.clock.advance(1000); // the active cycle removes both
      await client.raw("SELECT", "0");
      await client.raw("SET", "f", "1", "PX", "100");
      assertEquals(units.slice(0, 6), [
        "0:SET a 1",
        "0:INCR a",
        "0:MULTI | 0:SET b 1 | 0:INCR b | 0:EXEC",
        "0:SET c 1",
        "2:SET d 1 EXPIRY",
        "2:SET e 1 EXPIRY",
      ]);
      assertEquals(units.slice(6, 8).sort(), ["2:DEL d", "2:DEL e"]);
      assertEquals(units[8], "0:SET f 1 EXPIRY");
      detach();
      await client.raw("SET", "g", "1");
      assertEquals(units.length, 9);
      assertEquals(server.propagation.active, false);
    } finally {
      client.close();
      await server.close();
    }
  },
});

Deno.test({
  name: "propagation: a key found expired inside a command is deleted before the command",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const server = await startRedeno({ hz: "1" });
    const units: string[] = [];
    server.propagation.attach((unit) => units.push(text(unit)));
    const client = await RespClient.connect(server.port);
    try {
      await client.raw("SET", "k", "v", "PX", "50");
      server.keyspace.activeExpire = false;
      server.clock.advance(100);
      await client.raw("APPEND", "k", "w"); // finds k expired, then creates it again
      assertEquals(units, ["0:SET k v EXPIRY", "0:MULTI | 0:DEL k | 0:APPEND k w | 0:EXEC"]);
    } finally {
      client.close();
      await server.close();
    }
  },
});

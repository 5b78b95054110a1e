/**
 * The same connections opened on Redeno and on redis-server, for differential scenarios that
 * need several clients (a blocked client and the one that wakes it, a watcher and a writer).
 * Every reply is compared byte for byte.
 * @module
 */
import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { RespClient } from "./resp_client.ts";
import { type Command, describe, type ServerPair, waitFor } from "./servers.ts";

/**
 * Declares a scenario as two test steps, RESP2 then RESP3, each with `count` fresh connection
 * pairs. With `noneBlocked`, client 0 then checks that no client is left blocked.
 */
export function scenarioSteps(count: number, options: { noneBlocked?: boolean } = {}) {
  return async (
    t: Deno.TestContext,
    pair: ServerPair,
    name: string,
    body: (c: ClientPairs) => Promise<void>,
  ): Promise<void> => {
    for (const resp of [2, 3] as const) {
      await t.step(`${name} (RESP${resp})`, async () => {
        const clients = await ClientPairs.open(pair, count, resp);
        try {
          await body(clients);
          if (options.noneBlocked) await clients.blocked(0);
        } finally {
          clients.close();
        }
      });
    }
  };
}

/** `count` connection pairs, index 0 usually a control connection; FLUSHALL done on open. */
export class ClientPairs {
  private constructor(
    readonly pair: ServerPair,
    readonly ours: RespClient[],
    readonly theirs: RespClient[],
    /** Each server's own CLIENT ID for each connection. */
    readonly ids: Array<[string, string]>,
    readonly resp: 2 | 3,
  ) {}

  static async open(pair: ServerPair, count: number, resp: 2 | 3): Promise<ClientPairs> {
    const ours: RespClient[] = [];
    const theirs: RespClient[] = [];
    const ids: Array<[string, string]> = [];
    for (let i = 0; i < count; i++) {
      const [a, b] = await pair.connect();
      if (resp === 3) await Promise.all([a.raw("HELLO", "3"), b.raw("HELLO", "3")]);
      ours.push(a);
      theirs.push(b);
      const [idA, idB] = await Promise.all([a.call("CLIENT", "ID"), b.call("CLIENT", "ID")]);
      ids.push([String(idA), String(idB)]);
    }
    const clients = new ClientPairs(pair, ours, theirs, ids, resp);
    await clients.run(0, "FLUSHALL");
    return clients;
  }

  /** Runs a command on client `i` of both servers and asserts the replies are the same. */
  async run(i: number, ...command: Command): Promise<string> {
    const [a, b] = await Promise.all([
      this.ours[i].raw(...command),
      this.theirs[i].raw(...command),
    ]);
    assertEquals(a, b, `reply to ${describe(command)} on client ${i} (resp ${this.resp})`);
    return a;
  }

  /** Runs several commands on client `i`, each compared. */
  async script(i: number, commands: Command[]): Promise<string[]> {
    const replies: string[] = [];
    for (const command of commands) replies.push(await this.run(i, ...command));
    return replies;
  }

  /** Sends a command on client `i` without waiting for its reply (it may block). */
  async send(i: number, ...command: Command): Promise<void> {
    const bytes = RespClient.encode(command);
    await Promise.all([this.ours[i].write(bytes), this.theirs[i].write(bytes)]);
  }

  /** Reads the next reply of client `i` on both servers; asserts they match (and `expected`). */
  async reply(i: number, expected?: string): Promise<string> {
    const [a, b] = await Promise.all([this.ours[i].readRaw(), this.theirs[i].readRaw()]);
    assertEquals(a, b, `reply on client ${i} (resp ${this.resp})`);
    if (expected !== undefined) assertEquals(a, expected);
    return a;
  }

  /** Waits until both servers count `n` blocked clients. */
  async blocked(n: number): Promise<void> {
    const count = async (client: RespClient) => {
      const info = await client.raw("INFO", "clients");
      return Number(/blocked_clients:(\d+)/.exec(info)![1]);
    };
    await waitFor(
      async () => await count(this.ours[0]) === n && await count(this.theirs[0]) === n,
      5000,
      `${n} blocked clients`,
    );
  }

  /** CLIENT UNBLOCK of client `target`, sent from client `i`, with each server's own id. */
  async unblock(i: number, target: number, ...how: string[]): Promise<string> {
    const [a, b] = await Promise.all([
      this.ours[i].raw("CLIENT", "UNBLOCK", this.ids[target][0], ...how),
      this.theirs[i].raw("CLIENT", "UNBLOCK", this.ids[target][1], ...how),
    ]);
    assertEquals(a, b, `CLIENT UNBLOCK ${how} (resp ${this.resp})`);
    return a;
  }

  /** Moves Redeno's clock (its timeouts fire at once); redis-server times out by itself. */
  advance(ms: number): void {
    this.pair.redeno.clock.advance(ms);
  }

  close(): void {
    for (const client of [...this.ours, ...this.theirs]) client.close();
  }
}

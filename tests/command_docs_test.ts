/**
 * Every command Redeno declares must describe itself as redis-server 7.0.15 does: COMMAND INFO
 * and COMMAND DOCS are compared field by field (typed, RESP3 and RESP2), ignoring only the
 * summary and complexity texts and the wording of history entries, which are our own words.
 */
import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { createCommandTable } from "../src/commands/mod.ts";
import { freePort, ServerPair } from "./support/servers.ts";

/** Subcommands Redeno has and 7.0.15 lacks (CLIENT SETINFO is Redis 7.2's). */
const NEWER_THAN_7_0 = new Set(["client|setinfo"]);

/** A reply as a tree that keeps each value's RESP type. */
type Node = { type: string; value: string | Node[] };

function parseTyped(raw: string): Node {
  let pos = 0;
  const read = (): Node => {
    const type = raw[pos];
    const end = raw.indexOf("\r\n", pos);
    const header = raw.slice(pos + 1, end);
    pos = end + 2;
    if ("$=!".includes(type)) {
      const length = Number(header);
      if (length < 0) return { type: "null", value: "" };
      const value = raw.slice(pos, pos + length);
      pos += length + 2;
      return { type: "$", value };
    }
    if ("*~%>".includes(type)) {
      const count = Number(header) * (type === "%" ? 2 : 1);
      if (count < 0) return { type: "null", value: "" };
      const items: Node[] = [];
      for (let i = 0; i < count; i++) items.push(read());
      return { type, value: items };
    }
    if (type === "_") return { type: "null", value: "" };
    return { type, value: header };
  };
  return read();
}

function items(node: Node): Node[] {
  return node.value as Node[];
}

function text(node: Node): string {
  return node.value as string;
}

/** Pairs of a map (RESP3 `%`, or RESP2 flat array). */
function pairs(node: Node): Array<[string, Node]> {
  const list = items(node);
  const out: Array<[string, Node]> = [];
  for (let i = 0; i < list.length; i += 2) out.push([text(list[i]), list[i + 1]]);
  return out;
}

/** Compares two COMMAND INFO entries; returns the mismatching field names. */
function compareInfo(name: string, ours: Node, theirs: Node, problems: string[]): void {
  const fields = [
    "name",
    "arity",
    "flags",
    "first_key",
    "last_key",
    "step",
    "acl_categories",
    "tips",
    "key_specs",
  ];
  const a = items(ours);
  const b = items(theirs);
  fields.forEach((field, i) => {
    if (JSON.stringify(a[i]) !== JSON.stringify(b[i])) {
      problems.push(
        `${name} INFO ${field}: ours ${JSON.stringify(a[i])} redis ${JSON.stringify(b[i])}`,
      );
    }
  });
  const theirSubs = new Map(
    (b[9].type === "~" || items(b[9]).length === 0 ? [] : items(b[9])).map((
      sub,
    ) => [text(items(sub)[0]), sub]),
  );
  if (a[9].type !== b[9].type && !(items(a[9]).length > 0 && items(b[9]).length > 0)) {
    problems.push(`${name} INFO subcommands: type ${a[9].type} vs ${b[9].type}`);
  }
  for (const sub of items(a[9])) {
    const subName = text(items(sub)[0]);
    if (NEWER_THAN_7_0.has(subName)) continue;
    const theirSub = theirSubs.get(subName);
    if (!theirSub) problems.push(`${subName}: not a Redis 7.0 subcommand`);
    else compareInfo(subName, sub, theirSub, problems);
  }
}

const FREE_TEXT = new Set(["summary", "complexity"]);

/** Compares two COMMAND DOCS values (maps); returns the mismatching fields. */
function compareDocs(name: string, ours: Node, theirs: Node, problems: string[]): void {
  const a = pairs(ours);
  const b = new Map(pairs(theirs));
  const ourKeys = a.map(([key]) => key);
  const theirKeys = [...b.keys()];
  if (ourKeys.join() !== theirKeys.join()) {
    problems.push(`${name} DOCS fields: ours [${ourKeys}] redis [${theirKeys}]`);
  }
  for (const [key, value] of a) {
    const other = b.get(key);
    if (other === undefined || FREE_TEXT.has(key)) continue;
    if (key === "subcommands") {
      const theirSubs = new Map(pairs(other));
      for (const [subName, sub] of pairs(value)) {
        if (NEWER_THAN_7_0.has(subName)) continue;
        const theirSub = theirSubs.get(subName);
        if (!theirSub) problems.push(`${subName}: not a Redis 7.0 subcommand`);
        else compareDocs(subName, sub, theirSub, problems);
      }
      continue;
    }
    if (key === "history") {
      // Which versions changed the command must match; how we word the change is ours.
      const versions = (node: Node) => items(node).map((entry) => text(items(entry)[0]));
      if (JSON.stringify(versions(value)) !== JSON.stringify(versions(other))) {
        problems.push(
          `${name} DOCS history versions: ours ${versions(value)} redis ${versions(other)}`,
        );
      }
      continue;
    }
    if (JSON.stringify(value) !== JSON.stringify(other)) {
      problems.push(
        `${name} DOCS ${key}: ours ${JSON.stringify(value)} redis ${JSON.stringify(other)}`,
      );
    }
  }
}

Deno.test("command docs: COMMAND INFO and COMMAND DOCS match redis-server for every command", async (t) => {
  const pair = await ServerPair.start();
  const [ours, theirs] = await pair.connect();
  try {
    for (const resp of ["3", "2"]) {
      await ours.raw("HELLO", resp);
      await theirs.raw("HELLO", resp);
      for (const command of createCommandTable().all()) {
        const name = command.fullName;
        await t.step(`${name} (RESP${resp})`, async () => {
          const problems: string[] = [];
          const [ourInfo, theirInfo] = [
            parseTyped(await ours.raw("COMMAND", "INFO", name)),
            parseTyped(await theirs.raw("COMMAND", "INFO", name)),
          ];
          const [ourEntry, theirEntry] = [items(ourInfo)[0], items(theirInfo)[0]];
          if (theirEntry.type === "null") {
            problems.push(`${name}: redis-server 7.0.15 has no such command`);
          } else {
            compareInfo(name, ourEntry, theirEntry, problems);
            const ourDocs = pairs(parseTyped(await ours.raw("COMMAND", "DOCS", name)));
            const theirDocs = pairs(parseTyped(await theirs.raw("COMMAND", "DOCS", name)));
            assertEquals(ourDocs.length, 1, `${name}: COMMAND DOCS has one entry`);
            compareDocs(name, ourDocs[0][1], theirDocs[0][1], problems);
          }
          assertEquals(problems, [], problems.join("\n"));
        });
      }
    }
  } finally {
    ours.close();
    theirs.close();
    await pair.close();
  }
});

Deno.test("command docs: redis-cli works against Redeno", async () => {
  const pair = await ServerPair.start();
  try {
    const port = String(pair.redeno.port);
    const docs = await new Deno.Command("redis-cli", {
      args: ["-p", port, "--no-raw", "COMMAND", "DOCS", "get"],
      stdout: "piped",
      stderr: "piped",
    }).output();
    const out = new TextDecoder().decode(docs.stdout);
    assertEquals(docs.code, 0, new TextDecoder().decode(docs.stderr));
    assertEquals(out.includes('"get"'), true, out);
    assertEquals(out.includes('"arguments"'), true, out);

    // Interactive redis-cli fetches COMMAND DOCS at start for its hints and warns when it
    // cannot. It only runs interactively on a terminal: `script` gives it one, and TERM=dumb
    // makes its line editor read plain lines instead of querying the terminal.
    for (const target of [port, String(pair.redis.port)]) {
      const shell = "(printf 'PING\\n'; sleep 0.5; printf 'QUIT\\n'; sleep 0.3) | " +
        `TERM=dumb timeout -s KILL 10 script -qec 'redis-cli -p ${target}' /dev/null`;
      const result = await new Deno.Command("sh", {
        args: ["-c", shell],
        stdin: "null", // never the test runner's terminal
        stdout: "piped",
        stderr: "piped",
      }).output();
      const output = new TextDecoder().decode(result.stdout) +
        new TextDecoder().decode(result.stderr);
      assertEquals(output.includes("script: not found"), false, "needs script(1) from bsdutils");
      assertEquals(output.includes("WARNING"), false, output);
      assertEquals(output.includes("PONG"), true, output);
    }
  } finally {
    await pair.close();
  }
});

Deno.test("command docs: redis-cli reports a missing server (sanity of the check above)", async () => {
  const result = await new Deno.Command("redis-cli", {
    args: ["-p", String(freePort()), "PING"],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const output = new TextDecoder().decode(result.stdout) + new TextDecoder().decode(result.stderr);
  assertEquals(output.includes("Could not connect"), true, output);
});

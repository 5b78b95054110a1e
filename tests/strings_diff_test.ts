import { ServerPair } from "./support/servers.ts";

Deno.test("strings: GET and SET match redis-server", async () => {
  const pair = await ServerPair.start();
  try {
    await pair.compareBoth([
      ["SET", "k", "v"],
      ["GET", "k"],
      ["GET", "missing"],
      ["SET", "bin", "a\x00b\r\n\xff"],
      ["GET", "bin"],
      ["get"],
      ["nosuchcommand", "a", "b"],
    ]);
  } finally {
    await pair.close();
  }
});

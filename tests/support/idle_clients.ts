/**
 * A helper process for tests/idle_connections_test.ts: holds many idle connections to a server
 * so the test process itself needs no extra file descriptors. Run as
 * `deno run --allow-net idle_clients.ts <port> <count>`; it prints `open <n>` once every
 * connection is up, then on each stdin line `ping` sends PING on every connection and prints
 * `pong <n answered correctly>`, and on `close` closes them all and exits.
 */
const [port, count] = Deno.args.map(Number);
const conns: Deno.TcpConn[] = [];
for (let i = 0; i < count; i += 250) {
  const batch = Math.min(250, count - i);
  conns.push(
    ...await Promise.all(
      Array.from({ length: batch }, () => Deno.connect({ hostname: "127.0.0.1", port })),
    ),
  );
}
console.log(`open ${conns.length}`);

const ping = new TextEncoder().encode("*1\r\n$4\r\nPING\r\n");
async function pingOne(conn: Deno.TcpConn): Promise<boolean> {
  await conn.write(ping);
  const buffer = new Uint8Array(16);
  let got = 0;
  while (got < 7) {
    const n = await conn.read(buffer.subarray(got));
    if (n === null) return false;
    got += n;
  }
  return new TextDecoder().decode(buffer.subarray(0, got)) === "+PONG\r\n";
}

const lines = Deno.stdin.readable.pipeThrough(new TextDecoderStream());
let pending = "";
for await (const chunk of lines) {
  pending += chunk;
  let newline;
  while ((newline = pending.indexOf("\n")) >= 0) {
    const line = pending.slice(0, newline).trim();
    pending = pending.slice(newline + 1);
    if (line === "ping") {
      let answered = 0;
      for (let i = 0; i < conns.length; i += 500) {
        const results = await Promise.all(conns.slice(i, i + 500).map(pingOne));
        answered += results.filter(Boolean).length;
      }
      console.log(`pong ${answered}`);
    } else if (line === "close") {
      for (const conn of conns) conn.close();
      Deno.exit(0);
    }
  }
}

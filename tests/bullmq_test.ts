/**
 * BullMQ (whose queue operations are all Lua scripts) end to end on an in-process Redeno: a
 * queue and a worker through 200 jobs, delayed jobs and jobs that fail once and are retried
 * among them; then rate-limiter-flexible's Lua-based limiter. Polls with deadlines, no sleeps.
 */
import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { Queue, Worker } from "bullmq";
import { Redis } from "ioredis";
import { RateLimiterRedis } from "rate-limiter-flexible";
import { startRedeno, startRedis, waitFor } from "./support/servers.ts";

const JOBS = 200;

/** Runs 200 jobs through a queue on `port`; returns jobs per second. */
export async function runBullmq(port: number, name: string): Promise<number> {
  const connection = { host: "127.0.0.1", port, maxRetriesPerRequest: null };
  const queue = new Queue(name, { connection });
  const failedOnce = new Set<string>();
  let attempts = 0;
  const worker = new Worker(
    name,
    (job) => {
      attempts++;
      if (job.data.flaky && !failedOnce.has(job.id!)) {
        failedOnce.add(job.id!);
        throw new Error("first attempt fails");
      }
      return Promise.resolve(job.data.n * 2);
    },
    { connection, concurrency: 10 },
  );
  try {
    const start = performance.now();
    const jobs = [];
    for (let n = 0; n < JOBS; n++) {
      const flaky = n % 10 === 3;
      const delay = n % 10 === 7 ? 20 + (n % 5) * 10 : 0;
      jobs.push({
        name: "double",
        data: { n, flaky },
        opts: { delay, attempts: flaky ? 2 : 1, backoff: { type: "fixed", delay: 10 } },
      });
    }
    await queue.addBulk(jobs);
    await waitFor(async () => (await queue.getCompletedCount()) === JOBS, 30_000, "all jobs");
    const elapsed = performance.now() - start;
    const counts = await queue.getJobCounts("completed", "failed", "delayed", "waiting", "active");
    assertEquals(counts, { completed: JOBS, failed: 0, delayed: 0, waiting: 0, active: 0 });
    assertEquals(failedOnce.size, JOBS / 10);
    assertEquals(attempts, JOBS + JOBS / 10);
    const done = await queue.getJobs(["completed"], 0, -1);
    assertEquals(
      done.map((job) => job.returnvalue).sort((a, b) => a - b),
      [
        ...Array(JOBS).keys(),
      ].map((n) => n * 2),
    );
    return JOBS / (elapsed / 1000);
  } finally {
    await worker.close();
    await queue.obliterate({ force: true }).catch(() => {});
    await queue.close();
  }
}

Deno.test({
  name: "bullmq: a queue and a worker through 200 jobs, delays and retries included",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const server = await startRedeno();
    try {
      const rate = await runBullmq(server.port, "redeno-test");
      console.log(`BullMQ on Redeno: ${rate.toFixed(0)} jobs/s`);
    } finally {
      await server.close();
    }
  },
});

Deno.test({
  name: "rate-limiter-flexible: RateLimiterRedis counts and blocks on Redeno",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const server = await startRedeno();
    const client = new Redis({ host: "127.0.0.1", port: server.port, enableOfflineQueue: false });
    try {
      await waitFor(() => client.status === "ready", 5000, "ioredis ready");
      const limiter = new RateLimiterRedis({
        storeClient: client,
        points: 5,
        duration: 10,
        keyPrefix: "rl",
        useRedisPackage: false,
      });
      for (let i = 1; i <= 5; i++) {
        const res = await limiter.consume("user1");
        assertEquals(res.remainingPoints, 5 - i);
      }
      let blocked = false;
      try {
        await limiter.consume("user1");
      } catch (rejection) {
        blocked = (rejection as { remainingPoints: number }).remainingPoints === 0;
      }
      assertEquals(blocked, true);
      assertEquals((await limiter.get("user1"))?.consumedPoints, 6);
    } finally {
      client.disconnect();
      await server.close();
    }
  },
});

if (import.meta.main) {
  // deno run -A tests/bullmq_test.ts: jobs/s on Redeno and redis-server, side by side.
  const server = await startRedeno();
  const redis = await startRedis();
  try {
    for (let round = 0; round < 2; round++) {
      console.log(
        `round ${round + 1}: Redeno ${(await runBullmq(server.port, "a")).toFixed(0)} ` +
          `jobs/s, redis-server ${(await runBullmq(redis.port, "b")).toFixed(0)} jobs/s`,
      );
    }
  } finally {
    await server.close();
    await redis.close();
  }
  Deno.exit(0);
}

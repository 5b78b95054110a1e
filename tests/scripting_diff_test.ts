/**
 * EVAL, EVALSHA, EVAL_RO, EVALSHA_RO and SCRIPT on Redeno and redis-server side by side, RESP2
 * and RESP3, reply bytes compared — error texts included (they carry the script's SHA1 and line).
 */
import { withPair } from "./support/servers.ts";

const INCR = "return redis.call('incr', KEYS[1])";

Deno.test("scripting: EVAL and friends as redis-server", async (t) => {
  await withPair(async (pair) => {
    const both = (name: string, commands: string[][]) =>
      t.step(name, () => pair.compareBoth(commands));

    await both("basics and the docs' examples", [
      ["EVAL", "return {KEYS[1],KEYS[2],ARGV[1],ARGV[2]}", "2", "key1", "key2", "first", "second"],
      ["EVAL", "return 'Hello, scripting!'", "0"],
      ["EVAL", INCR, "1", "counter"],
      ["EVAL", "return redis.call('SET', KEYS[1], ARGV[1])", "1", "foo", "bar"],
      ["EVAL", "return redis.call('GET', KEYS[1])", "1", "foo"],
      ["SCRIPT", "LOAD", INCR],
      ["EVALSHA", "b3bd9a28e0d5b6e0c2ae7bb1f0f2b71b5bdf0f92", "1", "counter"],
      ["SCRIPT", "EXISTS", "8f6cd8a5d8d0e8c8e4d4bd2ea7bd7c5c3fb9a2c3", "NOPE"],
      ["EVALSHA", "ffffffffffffffffffffffffffffffffffffffff", "0"],
      ["EVALSHA", "abc", "0"],
      ["EVAL", "return 1", "-1"],
      ["EVAL", "return 1", "2", "a"],
      ["EVAL", "return 1", "x"],
      ["EVAL", "return 1"],
      ["SCRIPT", "FLUSH"],
      ["SCRIPT", "FLUSH", "ASYNC"],
      ["SCRIPT", "FLUSH", "x"],
      ["SCRIPT", "KILL"],
      ["SCRIPT", "NOPE"],
      ["SCRIPT", "HELP"],
    ]);

    await both("EVALSHA after SCRIPT LOAD, SCRIPT EXISTS after EVAL", [
      ["SCRIPT", "LOAD", INCR],
      ["EVALSHA", "b5a0a7e8f0ab8c2e06acee7ec3cb9d1bd2e0d1e4", "1", "c"],
      ["EVAL", "return 42", "0"],
      ["SCRIPT", "EXISTS", "1fa00e76656cc152ad327c13fe365858fd7be306"],
      ["EVALSHA", "1FA00E76656CC152AD327C13FE365858FD7BE306", "0"],
      ["EVALSHA_RO", "1fa00e76656cc152ad327c13fe365858fd7be306", "0"],
    ]);

    await both("reply conversion", [
      ["EVAL", "return {1,2,3,nil,5}", "0"],
      ["EVAL", "return {1,2.9,-3.7,'x',true,false}", "0"],
      ["EVAL", "return 3.99", "0"],
      ["EVAL", "return -3.99", "0"],
      ["EVAL", "return true", "0"],
      ["EVAL", "return false", "0"],
      ["EVAL", "return nil", "0"],
      ["EVAL", "return {ok='fine'}", "0"],
      ["EVAL", "return {err='plain'}", "0"],
      ["EVAL", "return redis.status_reply('FINE')", "0"],
      ["EVAL", "return redis.error_reply('MY error')", "0"],
      ["EVAL", "return {1, {ok='x'}, {err='E y'}, {2, {3}}}", "0"],
      ["EVAL", "return {double=3.5}", "0"],
      ["EVAL", "return {map={a=1}}", "0"],
      ["EVAL", "return {set={a=true}}", "0"],
      ["EVAL", "return {big_number='12345'}", "0"],
      ["EVAL", "return {verbatim_string={format='txt',string='abc'}}", "0"],
      ["EVAL", "return {double='x'}", "0"],
      ["EVAL", "return redis.call('get','nokey')", "0"],
      ["EVAL", "return type(redis.call('get','nokey'))", "0"],
      ["HSET", "h", "a", "1"],
      ["ZADD", "z", "1.5", "a"],
      ["EVAL", "return redis.call('hgetall','h')", "0"],
      ["EVAL", "redis.setresp(3); return redis.call('hgetall','h')", "0"],
      ["EVAL", "redis.setresp(3); return redis.call('zscore','z','a')", "0"],
      ["EVAL", "redis.setresp(3); return redis.call('get','nokey') == nil", "0"],
      ["EVAL", "redis.setresp(3); return true", "0"],
      ["EVAL", "redis.setresp(3); return false", "0"],
      ["EVAL", "return redis.call('ping')", "0"],
      ["EVAL", "return redis.call('set','k',0.1) and redis.call('get','k')", "0"],
      ["EVAL", "return redis.call('set','k',10/2) and redis.call('get','k')", "0"],
      ["EVAL", "return redis.call('set','k',1e20) and redis.call('get','k')", "0"],
    ]);

    await both("errors", [
      ["EVAL", "x=1", "0"],
      ["EVAL", "return y", "0"],
      ["EVAL", "return 1 +", "0"],
      ["EVAL", "local a = nil; return a.b", "0"],
      ["EVAL", "error('boom')", "0"],
      ["EVAL", "error({err='MYERR custom'})", "0"],
      ["EVAL", "\n\nerror('line three')", "0"],
      ["EVAL", "return redis.call('nosuch')", "0"],
      ["EVAL", "return redis.call('get')", "0"],
      ["SET", "s", "x"],
      ["EVAL", "return redis.call('incr','s')", "0"],
      ["EVAL", "return redis.pcall('incr','s')", "0"],
      ["EVAL", "local ok, e = pcall(redis.call, 'incr','s'); return e", "0"],
      ["EVAL", "local t = redis.pcall('incr','s'); return t['err']", "0"],
      ["EVAL", "return redis.call('eval','return 1',0)", "0"],
      ["EVAL", "return redis.call('subscribe','x')", "0"],
      ["EVAL", "return redis.call()", "0"],
      ["EVAL", "return redis.call({})", "0"],
      ["EVAL", "return redis.call('set','k',true)", "0"],
      ["EVAL_RO", "return redis.call('set','a','b')", "0"],
      ["EVAL_RO", "return redis.call('get','a')", "0"],
      ["EVAL", "return redis.setresp(4)", "0"],
      ["EVAL", "return redis.setresp()", "0"],
      ["EVAL", "return redis.sha1hex()", "0"],
      ["EVAL", "return redis.log(99, 'hi')", "0"],
      ["EVAL", "return redis.log(1)", "0"],
      ["EVAL", "return redis.set_repl(99)", "0"],
      ["EVAL", "error()", "0"],
      ["EVAL", "return redis.acl_check_cmd('nosuch')", "0"],
      ["EVAL", "#!lua flags=no-writes\nreturn redis.call('set','k','v')", "0"],
      ["EVAL", "#!lua\nreturn 1", "0"],
      ["EVAL", "#!js\nreturn 1", "0"],
      ["EVAL", "#!lua name=x\nreturn 1", "0"],
      ["EVAL", "#!lua flags=bad\nreturn 1", "0"],
      ["EVAL_RO", "#!lua\nreturn redis.call('set','k','v')", "0"],
      ["SCRIPT", "LOAD", "return 1 +"],
    ]);

    await both("the redis API and libraries", [
      ["EVAL", "return redis.sha1hex('')", "0"],
      ["EVAL", "return redis.REDIS_VERSION .. ' ' .. redis.REDIS_VERSION_NUM", "0"],
      ["EVAL", "return redis.log(redis.LOG_WARNING, 'hi')", "0"],
      ["EVAL", "return redis.replicate_commands()", "0"],
      ["EVAL", "return redis.set_repl(redis.REPL_ALL)", "0"],
      ["EVAL", "return redis.acl_check_cmd('set','a','b')", "0"],
      ["EVAL", "return cjson.encode({a={1,2,3}})", "0"],
      ["EVAL", "return cjson.encode({1,'x',true})", "0"],
      ["EVAL", 'return cjson.decode(\'[1,2,{"a":"b"}]\')[3].a', "0"],
      ["EVAL", "return cjson.encode(cjson.decode('{\"k\":null}'))", "0"],
      ["EVAL", "return cmsgpack.unpack(cmsgpack.pack({1,2,'x'}))", "0"],
      ["EVAL", "return cmsgpack.pack({1,2,'x', -5, 300, 70000})", "0"],
      ["EVAL", "return cmsgpack.pack({a=1})", "0"],
      ["EVAL", "return {cmsgpack.unpack(cmsgpack.pack(1, 'two', 3))}", "0"],
      ["EVAL", "return bit.band(0xff, 0x0f) .. ' ' .. bit.bor(1, 2) .. ' ' .. bit.tohex(255)", "0"],
      ["EVAL", "return bit.lshift(1, 31) .. ' ' .. bit.bxor(5, 3) .. ' ' .. bit.bnot(0)", "0"],
      ["EVAL", "return string.format('%s %d %5.2f', 'a', 3, 2.5)", "0"],
      ["EVAL", "return table.concat({'a','b','c'}, '-')", "0"],
      ["EVAL", "return math.floor(3.7) .. ' ' .. math.max(1, 5, 3)", "0"],
    ]);

    await both("SELECT inside a script and KEYS/ARGV binary safety", [
      ["EVAL", "redis.call('select', 1); redis.call('set', 'x', 'db1'); return 1", "0"],
      ["GET", "x"],
      ["EVAL", "return {KEYS[1], ARGV[1]}", "1", "\x00\xff\x80", "\xe9t\xe9"],
    ]);

    await both("MULTI with EVAL inside", [
      ["MULTI"],
      ["EVAL", INCR, "1", "m"],
      ["EVAL", "return redis.call('incr','s2') .. ''", "0"],
      ["EXEC"],
    ]);
  });
});

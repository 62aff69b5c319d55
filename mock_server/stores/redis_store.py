"""A store in a Redis server, shared by every process on every host of one fake.

Wherever two processes could race, one Redis command or one Lua script does the step: sequence
numbers (INCR), read counts (HINCRBY), quotas, script queues and poll counts (scripts below).
Values are JSON, never pickles: the server may be shared with others. Every key starts with the
prefix `vidu-mock:`; choose the database in the URL (`redis://host:port/db`) to keep fakes apart.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import redis

from mock_server.domain.jobs import Job
from mock_server.domain.store import Document, Glance, StoreUnavailable, TaskFaults
from mock_server.settings import without_password
from mock_server.stores import json_codec

__all__ = ["RedisStore"]

PREFIX = "vidu-mock:"
CONNECT_TIMEOUT_S = 5.0
SOCKET_TIMEOUT_S = 30.0  # a Redis that stops answering fails the request instead of hanging it
# Keys named per API key are listed in an index set beside them, so that forgetting them is
# one Lua script (atomic) rather than a scan that a concurrent request could slip past.
RUNNING_KEYS, WINDOW_KEYS = "running-keys", "window-keys"
FORGOTTEN_ON_CLEAR = (
    *("jobs:position", "jobs:order", "jobs:age", "scripts", "polls", "faults:latency"),
    *("journal", "journal:count", "settings", RUNNING_KEYS, WINDOW_KEYS, "window-ids"),
)

# The layout of the keys below, kept in the key `layout`: a database holding state in another
# layout is refused with a clear message rather than failing request by request.
LAYOUT = "2"
CLAIM_LAYOUT = """
local found = redis.call('GET', KEYS[1])
if found then return found end
if redis.call('EXISTS', unpack(KEYS, 2)) > 0 then return '1' end
redis.call('SET', KEYS[1], ARGV[1])
return ARGV[1]
"""
ADD_JOB = """
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], 'data', ARGV[1], 'reads', ARGV[2])
local position = redis.call('INCR', KEYS[2])
redis.call('ZADD', KEYS[3], position, ARGV[3])
redis.call('ZADD', KEYS[4], ARGV[4], ARGV[3])
return 1
"""
READ_JOB = """
if redis.call('EXISTS', KEYS[1]) == 0 then return false end
local reads = redis.call('HINCRBY', KEYS[1], 'reads', 1)
return {redis.call('HGET', KEYS[1], 'data'), reads}
"""
REPLACE_JOB = """
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('HSET', KEYS[1], 'data', ARGV[1])
redis.call('ZADD', KEYS[2], ARGV[2], ARGV[3])
return 1
"""
RESERVE = """
if redis.call('HLEN', KEYS[1]) >= tonumber(ARGV[2]) then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], '')
redis.call('SADD', KEYS[2], KEYS[1])
return 1
"""
CONFIRM = """
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 1 then
  redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
end
"""
ADMIT = """
local now, window, limit = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
if redis.call('ZCARD', KEYS[1]) >= limit then
  return redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')[2]
end
redis.call('ZADD', KEYS[1], now, ARGV[4] .. ':' .. redis.call('INCR', KEYS[2]))
redis.call('SADD', KEYS[3], KEYS[1])
return false
"""
ATTACH = """
if tonumber(ARGV[2]) > 0 or redis.call('HEXISTS', KEYS[1], ARGV[1]) == 0 then
  redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
end
if ARGV[3] ~= '' then
  local polled = tonumber(redis.call('HGET', KEYS[3], ARGV[1]) or '0')
  redis.call('SADD', KEYS[2], polled + tonumber(ARGV[3]))
end
"""
COUNT_POLL = """
local number = redis.call('HINCRBY', KEYS[1], ARGV[1], 1)
local latency = redis.call('HGET', KEYS[2], ARGV[1])
if not latency then return {number, 0, '0'} end
return {number, redis.call('SISMEMBER', KEYS[3], number), latency}
"""
APPEND = """
local index = redis.call('INCR', KEYS[2])
local keep = tonumber(ARGV[2])
if keep > 0 then
  local task = cjson.encode(ARGV[4])
  local item = '[' .. index .. ',' .. ARGV[3] .. ',' .. task .. ',' .. ARGV[1] .. ']'
  redis.call('ZADD', KEYS[1], index, item)
  redis.call('ZREMRANGEBYRANK', KEYS[1], 0, -keep - 1)
else
  redis.call('DEL', KEYS[1])
end
return index
"""
GLANCE = """
local version = redis.call('GET', KEYS[1]) or '0'
return {version, redis.call('LLEN', KEYS[2]), redis.call('HLEN', KEYS[3])}
"""
UPDATE_SETTINGS = """
local current = redis.call('GET', KEYS[1])
local overrides = {}
if current then overrides = cjson.decode(current) end
for name, text in pairs(cjson.decode(ARGV[1])) do
  if text == cjson.null then overrides[name] = nil else overrides[name] = text end
end
if next(overrides) == nil then redis.call('DEL', KEYS[1])
else redis.call('SET', KEYS[1], cjson.encode(overrides)) end
return redis.call('INCR', KEYS[2])
"""

# The journal is a sorted set of items scored by their number. An item is
# `[index,time,"task id",entry]` as APPEND writes it: a sweep reads its head with patterns,
# never decoding it whole (an entry may hold a client's deeply nested JSON).
ITEM_HEAD = """
local function item_head(item)
  local time, quote = string.match(item, '^%[%d+,([^,]+),()')
  local last = quote + 1
  while string.sub(item, last, last) ~= '"' do
    if string.sub(item, last, last) == '\\\\' then last = last + 1 end
    last = last + 1
  end
  return tonumber(time), string.sub(item, quote, last)
end
"""
DROP_BEFORE = (
    ITEM_HEAD
    + """
local old = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', '(' .. ARGV[1])
local gone = {}
for _, task in ipairs(old) do
  gone[task] = true
  redis.call('DEL', ARGV[2] .. 'job:' .. task, ARGV[2] .. 'faults:polls:' .. task)
  redis.call('ZREM', KEYS[1], task)
  redis.call('ZREM', KEYS[2], task)
  redis.call('HDEL', KEYS[3], task)
  redis.call('HDEL', KEYS[4], task)
end
if #old > 0 then
  for _, running in ipairs(redis.call('SMEMBERS', KEYS[5])) do
    local places = redis.call('HGETALL', running)
    for i = 1, #places, 2 do
      if gone[places[i + 1]] then redis.call('HDEL', running, places[i]) end
    end
  end
end
local cutoff = tonumber(ARGV[1])
for _, item in ipairs(redis.call('ZRANGE', KEYS[6], 0, -1)) do
  local time, task = item_head(item)
  if time < cutoff or gone[cjson.decode(task)] then redis.call('ZREM', KEYS[6], item) end
end
return #old
"""
)
CLEAR = """
for _, task in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  redis.call('DEL', ARGV[1] .. 'job:' .. task)
end
for _, task in ipairs(redis.call('HKEYS', KEYS[2])) do
  redis.call('DEL', ARGV[1] .. 'faults:polls:' .. task)
end
for _, index in ipairs({KEYS[3], KEYS[4]}) do
  for _, key in ipairs(redis.call('SMEMBERS', index)) do redis.call('DEL', key) end
end
for i = 5, #KEYS - 1 do redis.call('DEL', KEYS[i]) end
return redis.call('INCR', KEYS[#KEYS])
"""


class RedisStore:
    """Keeps a fake's state in Redis; the client's connection pool is safe across threads and
    reopens itself in a forked process."""

    def __init__(self, url: str) -> None:
        self.url = url
        # Typed Any: redis-py declares its answers as bytes or str; with decode_responses they
        # are always str, and each method below reads them as such.
        self._redis: Any = redis.Redis.from_url(
            url,
            decode_responses=True,
            socket_connect_timeout=CONNECT_TIMEOUT_S,
            socket_timeout=SOCKET_TIMEOUT_S,
        )
        shown = without_password(url)
        try:
            layout = self._redis.register_script(CLAIM_LAYOUT)(
                keys=[_key("layout"), *map(_key, FORGOTTEN_ON_CLEAR)], args=[LAYOUT]
            )
        except redis.RedisError as exc:
            raise StoreUnavailable(f"cannot use {shown} as the store: {exc}") from None
        if layout != LAYOUT:
            raise StoreUnavailable(
                f"cannot use {shown} as the store: it holds state in another "
                f"layout (version {layout}, this vidu-mock writes {LAYOUT}); flush that database "
                "or choose another"
            )
        register = self._redis.register_script
        self._add_job, self._read_job = register(ADD_JOB), register(READ_JOB)
        self._replace_job, self._reserve = register(REPLACE_JOB), register(RESERVE)
        self._confirm = register(CONFIRM)
        self._admit, self._attach = register(ADMIT), register(ATTACH)
        self._count_poll, self._append = register(COUNT_POLL), register(APPEND)
        self._update_settings = register(UPDATE_SETTINGS)
        self._glance = register(GLANCE)
        self._drop_before, self._clear = register(DROP_BEFORE), register(CLEAR)

    def __repr__(self) -> str:
        return f"RedisStore({without_password(self.url)!r})"

    def close(self) -> None:
        self._redis.close()

    # Shared values -------------------------------------------------------------------------

    def claim(self, name: str, value: str) -> str:
        self._redis.hsetnx(_key("claimed"), name, value)
        return str(self._redis.hget(_key("claimed"), name))

    def counter(self, name: str) -> float:
        return float(self._redis.get(_key("counter:" + name)) or 0)

    def add_to_counter(self, name: str, amount: float) -> float:
        return float(self._redis.incrbyfloat(_key("counter:" + name), amount))

    def reset_counter(self, name: str) -> None:
        self._redis.delete(_key("counter:" + name))

    # Jobs ----------------------------------------------------------------------------------

    def next_sequence(self) -> int:
        return int(self._redis.incr(_key("sequence"))) - 1

    def add(self, job: Job) -> None:
        keys = [_job(job.task_id), _key("jobs:position"), _key("jobs:order"), _key("jobs:age")]
        args: list[str | int | float] = [
            json_codec.dump_job(job),
            job.reads,
            job.task_id,
            job.submitted_at,
        ]
        if not self._add_job(keys=keys, args=args):
            raise KeyError(f"task id {job.task_id} already exists")

    def get(self, task_id: str) -> Job | None:
        data, reads = self._redis.hmget(_job(task_id), ["data", "reads"])
        return None if data is None else json_codec.load_job(data, reads)

    def record_read(self, task_id: str) -> Job | None:
        found = self._read_job(keys=[_job(task_id)])
        return None if not found else json_codec.load_job(*found)

    def replace(self, job: Job) -> None:
        keys = [_job(job.task_id), _key("jobs:age")]
        args: list[str | int | float] = [json_codec.dump_job(job), job.submitted_at, job.task_id]
        if not self._replace_job(keys=keys, args=args):
            raise KeyError(f"task id {job.task_id} does not exist")

    def jobs(self) -> Iterator[Job]:
        task_ids = self._redis.zrange(_key("jobs:order"), 0, -1)
        return iter([job for _, job in self._load_jobs(task_ids, [0] * len(task_ids))])

    def newest(self, limit: int, before: int | None = None) -> list[tuple[int, Job]]:
        highest = "+inf" if before is None else f"({before}"
        found = self._redis.zrevrangebyscore(
            _key("jobs:order"), highest, "-inf", start=0, num=limit, withscores=True
        )
        return self._load_jobs([task for task, _ in found], [int(score) for _, score in found])

    def _load_jobs(self, task_ids: list[str], positions: list[int]) -> list[tuple[int, Job]]:
        pipe = self._redis.pipeline(transaction=False)
        for task_id in task_ids:
            pipe.hmget(_job(task_id), ["data", "reads"])
        loaded = pipe.execute() if task_ids else []
        return [
            (position, json_codec.load_job(data, reads))
            for position, (data, reads) in zip(positions, loaded, strict=True)
            if data is not None
        ]

    def __len__(self) -> int:
        return int(self._redis.zcard(_key("jobs:order")))

    # Running jobs --------------------------------------------------------------------------

    def reserve_running(self, api_key: str, token: str, limit: int) -> bool:
        keys = [_key("running:" + api_key), _key(RUNNING_KEYS)]
        return bool(self._reserve(keys=keys, args=[token, limit]))

    def confirm_running(self, api_key: str, token: str, task_id: str) -> None:
        self._confirm(keys=[_key("running:" + api_key)], args=[token, task_id])

    def release_running(self, api_key: str, tokens: list[str]) -> None:
        if tokens:
            self._redis.hdel(_key("running:" + api_key), *tokens)

    def running(self, api_key: str) -> dict[str, str]:
        places: dict[str, str] = self._redis.hgetall(_key("running:" + api_key))
        return places

    # Requests per minute -------------------------------------------------------------------

    def admit(self, key: str, now: float, window: float, limit: int) -> float | None:
        keys = [_key("window:" + key), _key("window-ids"), _key(WINDOW_KEYS)]
        oldest = self._admit(keys=keys, args=[now, window, limit, repr(now)])
        return None if oldest is None else float(oldest) + window - now

    # Scripts and poll counts -----------------------------------------------------------------

    def push_scripts(self, script: Document, count: int) -> None:
        self._redis.rpush(_key("scripts"), *[json_codec.dumps(script)] * count)

    def pop_script(self) -> Document | None:
        data = self._redis.lpop(_key("scripts"))
        return None if data is None else _document(data)

    def queued_scripts(self) -> list[Document]:
        return [_document(data) for data in self._redis.lrange(_key("scripts"), 0, -1)]

    def attach_task_faults(self, task_id: str, fail_poll: int | None, latency: float) -> None:
        keys = [_key("faults:latency"), _key("faults:polls:" + task_id), _key("polls")]
        self._attach(keys=keys, args=[task_id, latency, "" if fail_poll is None else fail_poll])

    def has_task_faults(self, task_id: str) -> bool:
        return bool(self._redis.hexists(_key("faults:latency"), task_id))

    def count_poll(self, task_id: str) -> tuple[int, bool, float]:
        keys = [_key("polls"), _key("faults:latency"), _key("faults:polls:" + task_id)]
        number, fails, latency = self._count_poll(keys=keys, args=[task_id])
        return int(number), bool(fails), float(latency)

    def task_faults(self) -> dict[str, TaskFaults]:
        latencies: dict[str, str] = self._redis.hgetall(_key("faults:latency"))
        found: dict[str, TaskFaults] = {}
        for task_id, latency in latencies.items():
            polls = self._redis.smembers(_key("faults:polls:" + task_id))
            found[task_id] = (tuple(sorted(int(poll) for poll in polls)), float(latency))
        return found

    # The journal ---------------------------------------------------------------------------

    def append_entry(self, entry: Document, time: float, task_id: str, keep: int) -> int:
        keys = [_key("journal"), _key("journal:count")]
        return int(
            self._append(keys=keys, args=[json_codec.dumps(entry), keep, repr(time), task_id])
        )

    def entries(self, after: int = 0, limit: int | None = None) -> list[tuple[int, Document]]:
        """Read by number from the sorted set; the standard library decodes each item, exact
        for any integer an entry holds."""
        if limit == 0:
            return []
        items = self._redis.zrangebyscore(
            _key("journal"), f"({after}", "+inf", start=0, num=-1 if limit is None else limit
        )
        return [(int(index), entry) for index, _, _, entry in map(json.loads, items)]

    def last_entry_index(self) -> int:
        last = self._redis.zrange(_key("journal"), -1, -1, withscores=True)
        return int(last[0][1]) if last else 0

    def clear_journal(self) -> None:
        self._redis.delete(_key("journal"), _key("journal:count"))

    # Settings ------------------------------------------------------------------------------

    def glance(self) -> Glance:
        keys = [_key("settings:version"), _key("scripts"), _key("faults:latency")]
        version, scripts, faults = self._glance(keys=keys)
        return Glance(int(version or 0), bool(scripts), bool(faults))

    def read_settings(self) -> tuple[int, dict[str, str]]:
        version, data = self._redis.mget([_key("settings:version"), _key("settings")])
        overrides: dict[str, str] = json_codec.loads(data) if data else {}
        return int(version or 0), overrides

    def update_settings(self, changes: dict[str, str | None]) -> int:
        keys = [_key("settings"), _key("settings:version")]
        return int(self._update_settings(keys=keys, args=[json_codec.dumps(changes)]))

    # Forgetting ----------------------------------------------------------------------------

    def drop_before(self, cutoff: float) -> int:
        names = ("jobs:age", "jobs:order", "polls", "faults:latency", RUNNING_KEYS, "journal")
        keys = [_key(name) for name in names]
        return int(self._drop_before(keys=keys, args=[repr(cutoff), PREFIX]))

    def clear(self) -> None:
        keys = [_key("jobs:order"), _key("faults:latency"), _key(RUNNING_KEYS), _key(WINDOW_KEYS)]
        forgotten = [_key(name) for name in FORGOTTEN_ON_CLEAR]
        self._clear(keys=[*keys, *forgotten, _key("settings:version")], args=[PREFIX])


def _key(name: str) -> str:
    return PREFIX + name


def _job(task_id: str) -> str:
    return _key("job:" + task_id)


def _document(data: str) -> Document:
    document: Document = json_codec.loads(data)
    return document

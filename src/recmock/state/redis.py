"""The state shared by replicas on several machines: one Redis database (`--state redis://…`).

Layout under the `recmock:` prefix: `version` (a counter), and per session `s:NAME:values`
(hash of JSON values), `s:NAME:counters` (hash, HINCRBY), `s:NAME:journal` (a list trimmed to
JOURNAL_SIZE); `sessions` is a sorted set by last use, for eviction. A shared log is `log:NAME`, a
sorted set scored by position, with its last position in `log:NAME:end`; one Lua script appends,
so positions are handed out and stored in one atomic step. A request never waits for
Redis unless it advances a failure counter: a background thread polls `version` and writes the
buffered journal in one pipelined round trip per tick (pub/sub would notice changes no sooner
than a 5 ms poll and needs reconnect handling; a GET per tick costs Redis nothing).
"""

from __future__ import annotations

import time
from typing import Any

import orjson
import redis

from recmock.errors import ConfigError
from recmock.state.interface import (
    DEFAULT_SESSION,
    JOURNAL_SIZE,
    MAX_SESSIONS,
    JournalEntry,
    redact_url,
)
from recmock.state.shared import SharedState, store_call

PREFIX = "recmock:"
VERSION = PREFIX + "version"
SESSIONS = PREFIX + "sessions"
APPEND = """
local n = redis.call('INCR', KEYS[1])
redis.call('ZADD', KEYS[2], n, n .. ' ' .. ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', n - tonumber(ARGV[2]))
return n
"""


def _keys(session: str) -> tuple[str, str, str]:
    base = f"{PREFIX}s:{session}:"
    return base + "values", base + "counters", base + "journal"


class RedisState(SharedState):
    """`State` in Redis (see the module docstring)."""

    def __init__(self, url: str, max_sessions: int = MAX_SESSIONS) -> None:
        super().__init__(max_sessions)
        self.errors, self.name = (redis.RedisError,), redact_url(url)
        try:  # short timeouts: a request must not hang for long on a lost Redis
            self._redis = redis.Redis.from_url(url, socket_timeout=1, socket_connect_timeout=1)
            self._version = int(self._redis.get(VERSION) or 0)
            self._append_script = self._redis.register_script(APPEND)
        except (redis.RedisError, ValueError) as exc:
            raise ConfigError(f"--state {redact_url(url)}: cannot use Redis: {exc}") from None
        self._start()

    def version(self) -> int:
        return self._version

    def _poll(self) -> None:
        self._version = int(self._redis.get(VERSION) or 0)

    def _touch(self, pipe: Any, session: str) -> None:
        pipe.zadd(SESSIONS, {session: time.time()})

    def _evict(self) -> None:
        excess = int(self._redis.zcard(SESSIONS)) - self.max_sessions
        if excess <= 0:
            return
        oldest = [_text(n) for n in self._redis.zrange(SESSIONS, 0, excess)]
        stale = [n for n in oldest if n != DEFAULT_SESSION][:excess]
        if stale:
            self._redis.delete(*[key for name in stale for key in _keys(name)])
            self._redis.zrem(SESSIONS, *stale)

    def _read(self, session: str, key: str) -> Any:
        raw = self._redis.hget(_keys(session)[0], key)
        return None if raw is None else orjson.loads(raw)

    def _write(self, session: str, key: str, value: Any) -> None:
        pipe = self._redis.pipeline()
        pipe.hset(_keys(session)[0], key, orjson.dumps(value))
        self._touch(pipe, session)
        pipe.incr(VERSION)
        self._version = int(pipe.execute()[-1])  # this process sees its own change at once
        self._evict()

    @store_call
    def count(self, session: str, key: str) -> int:
        return int(self._redis.hincrby(_keys(session)[1], key, 1)) - 1

    @store_call
    def append(self, name: str, item: Any) -> int:
        keys = [f"{PREFIX}log:{name}:end", f"{PREFIX}log:{name}"]
        return int(self._append_script(keys=keys, args=[orjson.dumps(item), self.log_size]))

    @store_call
    def log(self, name: str, after: int = 0) -> list[tuple[int, Any]]:
        members: list[bytes] = self._redis.zrangebyscore(  # type: ignore[assignment]
            f"{PREFIX}log:{name}", f"({after}", "+inf"
        )
        entries = []
        for member in members:
            position, raw = member.split(b" ", 1)
            entries.append((int(position), orjson.loads(raw)))
        return entries

    def _append(self, batch: list[tuple[str, JournalEntry]]) -> None:
        by_session: dict[str, list[bytes]] = {}
        for session, entry in batch:
            by_session.setdefault(session, []).append(orjson.dumps(entry))
        pipe = self._redis.pipeline(transaction=False)
        for session, entries in by_session.items():
            journal = _keys(session)[2]
            pipe.rpush(journal, *entries)
            pipe.ltrim(journal, -JOURNAL_SIZE, -1)
            self._touch(pipe, session)
        pipe.execute()
        self._evict()

    @store_call
    def journal(self, session: str) -> list[JournalEntry]:
        self.flush()
        rows = self._redis.lrange(_keys(session)[2], 0, -1)
        entries = [tuple(orjson.loads(row)) for row in rows]
        return sorted(entries, key=lambda e: e[0])

    @store_call
    def clear_journal(self, session: str) -> None:
        self.flush()
        self._redis.delete(_keys(session)[2])

    @store_call
    def reset(self, session: str) -> None:
        self.flush()
        pipe = self._redis.pipeline()
        pipe.delete(*_keys(session))
        pipe.zrem(SESSIONS, session)
        pipe.incr(VERSION)
        self._version = int(pipe.execute()[-1])

    @store_call
    def sessions(self) -> list[str]:
        return [_text(name) for name in self._redis.zrange(SESSIONS, 0, -1)]

    def close(self) -> None:
        super().close()
        self._redis.close()


def _text(value: object) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)

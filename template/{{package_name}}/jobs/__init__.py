"""Background jobs on huey: the queue adapter, the task functions and the worker entry point.

Why huey (compared in 2026 against the usual Python job libraries):
- huey 3.x: embedded SQLite storage that needs no server, plus Redis (and PostgreSQL) storage behind the
  same API; retries with a delay and exponential `retry_backoff`; periodic (crontab) tasks; an immediate
  mode that runs tasks in-process for tests; thread workers; one small, maintained, dependency-free package.
- dramatiq: solid retries and middleware, but needs RabbitMQ or Redis (no server-free default) and an
  add-on (periodiq) for periodic jobs.
- rq: Redis only, and its workers fork per job (slow start, no Windows).
- procrastinate: PostgreSQL only (LISTEN/NOTIFY); a good choice once Postgres is a given, not for SQLite.
- taskiq: async-first with pluggable brokers; periodic jobs need a separate `taskiq scheduler`
  process, of which exactly one may run.

Rule of thumb for the rest of the code base: a job is a thin entry point. It receives ids, never objects,
and calls an idempotent use case, so running it twice (a retry, a re-enqueue) does no harm.
"""

"""The open-loop load test (locust): requests arrive at a fixed rate, whatever the server does.

`make loadtest-open`, or by hand against a running server, after `python -m loadtest.seed`:

    locust -f loadtest/open_loop.py --headless --only-summary --users 1 --spawn-rate 1 \\
        --host http://127.0.0.1:8000 --rate 200 --duration 30 --tokens-file data/loadtest-tokens.txt

One locust user keeps a timetable: request n is due at start + n / rate, and it is sent at that
moment in a greenlet of its own, whether or not the earlier ones have been answered. Its latency is
counted from the moment it was due, so a server that stalls is charged for every request that
waited behind the stall (no coordinated omission). Locust's `constant_throughput` paces each user
after its previous response instead, which is a closed loop: the arrival rate drops as soon as the
server slows down. The mix is `notes.lua`'s: 80% list notes, 15% read one, 5% write one, each as a
random seeded account. At the end it prints p50/p95/p99/max, the achieved rate and the errors, one
JSON line (`{"loadtest_open": ...}`) for scripts, and writes the same JSON to `--summary-file`.
"""

import json
import random
import time
from argparse import ArgumentParser
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import gevent
from gevent.pool import Group
from locust import User, events, task
from locust.contrib.fasthttp import FastHttpSession
from locust.env import Environment
from locust.event import EventHook

LIST_SHARE, READ_SHARE = 80, 95  # cumulative percentages; the rest writes
TIMEOUT_S = 10.0  # a request unanswered after this long counts as an error


@dataclass(frozen=True)
class Account:
    """A seeded account: its bearer token and the ids of its notes."""

    authorization: str
    note_ids: list[int]


@dataclass(frozen=True)
class Request:
    """One request to send; `name` groups it in the statistics."""

    name: str
    method: str
    path: str
    headers: dict[str, str]
    body: str | None = None


def read_accounts(path: Path) -> list[Account]:
    """The tokens file of `python -m loadtest.seed`: `<token> <note id> ...` per line."""
    accounts = []
    for line in path.read_text(encoding="utf-8").splitlines():
        token, *ids = line.split()
        accounts.append(Account(f"Bearer {token}", [int(note_id) for note_id in ids]))
    if not accounts:
        raise SystemExit(f"{path} names no accounts: run `python -m loadtest.seed` first")
    return accounts


def pick_request(rng: random.Random, account: Account) -> Request:
    """The 80/15/5 mix of `notes.lua`, as `account`."""
    headers = {"Authorization": account.authorization, "Content-Type": "application/json"}
    roll = rng.randint(1, 100)
    if roll <= LIST_SHARE or not account.note_ids:
        return Request("list", "GET", "/api/notes?limit=20", headers)
    if roll <= READ_SHARE:
        return Request("read", "GET", f"/api/notes/{rng.choice(account.note_ids)}", headers)
    body = '{"title": "Load test", "body": "Written by loadtest/open_loop.py."}'
    return Request("write", "POST", "/api/notes", headers, body)


def add_arguments(parser: ArgumentParser) -> None:
    """This scenario's options, next to locust's own."""
    parser.add_argument("--rate", type=float, default=200.0, help="requests per second (default 200)")
    parser.add_argument("--duration", type=float, default=30.0, help="seconds of arrivals (default 30)")
    parser.add_argument("--tokens-file", default="data/loadtest-tokens.txt", help="written by loadtest.seed")
    parser.add_argument("--summary-file", default="", help="also write the JSON summary here")
    parser.add_argument("--max-connections", type=int, default=1000, help="connection pool size (default 1000)")


events.init_command_line_parser.add_listener(add_arguments)


class OpenLoopUser(User):
    """Sends `next_request()` on a fixed timetable; one instance drives the whole test (`--users 1`)."""

    abstract = True

    def __init__(self, environment: Environment) -> None:
        super().__init__(environment)
        options = environment.parsed_options
        assert options is not None, "run through the locust command line"  # noqa: S101 - locust always sets it
        self.rate: float = options.rate
        self.duration: float = options.duration
        # The session reports to a hook nobody listens to: this user reports each request itself,
        # with its latency counted from the moment it was due.
        self.session = FastHttpSession(
            base_url=self.host,
            request_event=EventHook(),
            user=self,
            concurrency=options.max_connections,
            network_timeout=TIMEOUT_S,
            connection_timeout=TIMEOUT_S,
        )

    def next_request(self) -> Request:
        """The next request of the scenario."""
        raise NotImplementedError

    @task
    def run_timetable(self) -> None:
        """Start request n at start + n / rate for `duration` seconds, wait for the last answers, stop."""
        in_flight = Group()
        start = time.perf_counter()
        total = int(self.rate * self.duration)
        for number in range(total):
            due = start + number / self.rate
            gevent.sleep(max(0.0, due - time.perf_counter()))
            in_flight.spawn(self.send, due)
        in_flight.join(timeout=TIMEOUT_S + 5)
        summary = summarise(self.environment, total, time.perf_counter() - start, self.rate)
        report(summary, self.environment)
        assert self.environment.runner is not None  # noqa: S101 - set before any user starts
        self.environment.runner.quit()

    def send(self, due: float) -> None:
        """Send one request; report it with its latency from `due`."""
        request = self.next_request()
        response = self.session.request(request.method, request.path, data=request.body, headers=request.headers)
        latency_ms = (time.perf_counter() - due) * 1000
        error: Exception | None = None
        try:
            response.raise_for_status()  # connection errors, timeouts, 4xx and 5xx
        except Exception as failure:  # every failure is counted, none is fatal
            error = failure
        if error is None and not 200 <= response.status_code < 300:
            error = ValueError(f"HTTP {response.status_code}")
        self.environment.events.request.fire(
            request_type=request.method,
            name=request.name,
            response_time=latency_ms,
            response_length=len(response.content or b""),
            response=response,
            context={},
            exception=error,
        )


class NotesMix(OpenLoopUser):
    """The notes mix of `notes.lua`, each request as a random seeded account."""

    def __init__(self, environment: Environment) -> None:
        super().__init__(environment)
        assert environment.parsed_options is not None  # noqa: S101 - checked by OpenLoopUser
        self.accounts = read_accounts(Path(environment.parsed_options.tokens_file))
        self.rng = random.Random()  # noqa: S311 - picks accounts, not secrets

    def next_request(self) -> Request:
        """A random account's next request of the mix."""
        return pick_request(self.rng, self.rng.choice(self.accounts))


def summarise(environment: Environment, scheduled: int, elapsed_s: float, rate: float) -> dict[str, Any]:
    """p50/p95/p99/max from the due time, achieved rate and errors, from locust's statistics."""
    total = environment.stats.total
    return {
        "rate_per_s": rate,
        "scheduled": scheduled,
        "requests": total.num_requests,
        "elapsed_s": round(elapsed_s, 3),
        "achieved_per_s": round(total.num_requests / elapsed_s, 1) if elapsed_s else 0.0,
        "latency_ms": {
            "p50": total.get_response_time_percentile(0.50),
            "p95": total.get_response_time_percentile(0.95),
            "p99": total.get_response_time_percentile(0.99),
            "max": round(total.max_response_time, 1),
        },
        "errors": total.num_failures,
        "unanswered": scheduled - total.num_requests,
        "errors_by_kind": {str(error.error): error.occurrences for error in environment.stats.errors.values()},
    }


def report(summary: dict[str, Any], environment: Environment) -> None:
    """Print the summary line and the JSON line; write the JSON file when asked."""
    latency = summary["latency_ms"]
    print(  # noqa: T201 - the load test's result
        f"open loop: {summary['rate_per_s']:g} req/s for {summary['elapsed_s']:.0f} s, achieved "
        f"{summary['achieved_per_s']:.1f} req/s | p50 {latency['p50']:.0f} ms, p95 {latency['p95']:.0f} ms, "
        f"p99 {latency['p99']:.0f} ms, max {latency['max']:.0f} ms | errors {summary['errors']}, "
        f"unanswered {summary['unanswered']}"
    )
    line = json.dumps({"loadtest_open": summary})
    print(line)  # noqa: T201 - for scripts
    options = environment.parsed_options
    if options is not None and options.summary_file:
        Path(options.summary_file).write_text(line + "\n", encoding="utf-8")

"""Shouwen on three simulated hosts, with nodes killed under load (run by deploy/sim/run, as root).

Hosts are Linux network namespaces on one bridge (10.231.77.0/24, private to this machine):

- ``swsim-web1`` (10.231.77.11), ``swsim-web2`` (.12): gunicorn, two workers each;
- ``swsim-data`` (.20): its own PostgreSQL instance (initdb in a temporary folder), Redis, and two
  ``shouwen worker`` processes on RQ;
- the machine itself (.1 on the bridge): haproxy on 127.0.0.1 in front of both web nodes (health
  check /readyz), and an SMTP sink receiving the workers' e-mail.

A load generator registers cases through haproxy with Idempotency-Keys, retrying every request not
acknowledged; meanwhile one web node, then one worker, is killed with SIGKILL and restarted. At the
end it checks every acknowledged case exists exactly once, every e-mail arrived once, and the deadline
sweep ran once in each of its periods; prints one JSON line; exits 0 only if nothing was lost or doubled.
Everything started is stopped, and the namespaces, bridge and files removed, whatever happens.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import glob
import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
PYTHON = sys.executable
PREFIX = "10.231.77"
BRIDGE = "swsim0"
HOSTS = {"web1": f"{PREFIX}.11", "web2": f"{PREFIX}.12", "data": f"{PREFIX}.20"}
GATEWAY = f"{PREFIX}.1"
SMTP_PORT = 2525
SWEEP_SECONDS = 10


def log(message: str) -> None:
    """Progress on standard error; standard output carries only the JSON line."""
    print(f"[sim {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def sh(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    """Run a command, failing loudly with its error output."""
    done = subprocess.run(args, capture_output=True, text=True, check=False)  # noqa: S603
    if check and done.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed: {done.stderr.strip()}")
    return done


def ns(host: str) -> list[str]:
    """Return the command prefix running something on a simulated host."""
    return ["ip", "netns", "exec", f"swsim-{host}"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def pg_bin(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    if not found:
        raise RuntimeError(f"{name} not found under /usr/lib/postgresql/*/bin (Debian package postgresql)")
    return found[-1]


class Sim:
    """The simulated hosts and every process started on them."""

    def __init__(self, keep_logs: bool) -> None:
        self.tmp = Path(tempfile.mkdtemp(prefix="shouwen-sim-"))
        self.tmp.chmod(0o755)
        self.keep_logs = keep_logs
        self.procs: dict[str, subprocess.Popen[bytes]] = {}
        self.last_answer = ""
        self.haproxy_port = free_port()
        self.env = {
            k: v for k, v in os.environ.items() if k not in ("DJANGO_SETTINGS_MODULE", "DATABASE_URL")
        }
        data = HOSTS["data"]
        self.env.update(
            {
                "DATABASE_URL": f"postgres://postgres@{data}:5432/shouwen",
                "SHOUWEN_CACHE_URL": f"redis://{data}:6379/1",
                "SHOUWEN_TASKS_BACKEND": "rq",
                "SHOUWEN_REDIS_URL": f"redis://{data}:6379/0",
                "SECRET_KEY": "simulation-only-" + os.urandom(16).hex(),
                "SHOUWEN_MEDIA_ROOT": str(self.tmp / "media"),
                "ALLOWED_HOSTS": "127.0.0.1,localhost," + ",".join(HOSTS.values()),
                "SHOUWEN_TRUSTED_PROXIES": GATEWAY,
                "SHOUWEN_QUIET_HOURS": "",
                "SHOUWEN_SWEEP_SECONDS": str(SWEEP_SECONDS),
                "SHOUWEN_DELIVERY_RUN_SECONDS": "3",  # a tenth of the default's share of the sweep period
                "SHOUWEN_LOG_FORMAT": "json",
                "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
                "EMAIL_HOST": GATEWAY,
                "EMAIL_PORT": str(SMTP_PORT),
                "EMAIL_TIMEOUT": "5",
                # The copy a killed worker was sending goes out again 35 s later, within the run.
                "SHOUWEN_DELIVERY_CLAIM_SECONDS": "35",
                "SHOUWEN_RATE_USER_WRITE": "100000/min",
                "SHOUWEN_RATE_USER_READ": "100000/min",
                "DB_CONN_MAX_AGE": "0",
            }
        )

    # ------------------------------------------------------------ network

    def network_up(self) -> None:
        self.network_down()  # what a run stopped by force may have left
        sh("ip", "link", "add", BRIDGE, "type", "bridge")
        sh("ip", "addr", "add", f"{GATEWAY}/24", "dev", BRIDGE)
        sh("ip", "link", "set", BRIDGE, "up")
        for host, address in HOSTS.items():
            name = f"swsim-{host}"
            sh("ip", "netns", "add", name)
            sh("ip", "link", "add", f"swv-{host}", "type", "veth", "peer", "name", "eth0", "netns", name)
            sh("ip", "link", "set", f"swv-{host}", "master", BRIDGE, "up")
            sh(*ns(host), "ip", "addr", "add", f"{address}/24", "dev", "eth0")
            sh(*ns(host), "ip", "link", "set", "eth0", "up")
            sh(*ns(host), "ip", "link", "set", "lo", "up")

    def network_down(self) -> None:
        for host in HOSTS:
            sh("ip", "netns", "del", f"swsim-{host}", check=False)
            sh("ip", "link", "del", f"swv-{host}", check=False)
        sh("ip", "link", "del", BRIDGE, check=False)

    # ------------------------------------------------------------ processes

    def start(self, name: str, host: str | None, argv: list[str], user: str | None = None) -> None:
        """Start a process (in its own process group) on a host, logging to a file."""
        prefix = ns(host) if host else []
        if user:
            prefix += ["runuser", "-u", user, "--"]
        logfile = open(self.tmp / f"{name}.log", "ab")  # noqa: SIM115 - closed with the process
        self.procs[name] = subprocess.Popen(  # noqa: S603
            prefix + argv, env=self.env, stdout=logfile, stderr=subprocess.STDOUT, start_new_session=True
        )

    def kill9(self, name: str) -> None:
        """SIGKILL the process and every child (a gunicorn master and its workers)."""
        proc = self.procs[name]
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)

    def stop(self, name: str) -> None:
        proc = self.procs.pop(name, None)
        if proc is None or proc.poll() is not None:
            return
        try:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=10)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)

    def run_on(self, host: str, *argv: str) -> str:
        done = subprocess.run(  # noqa: S603
            [*ns(host), *argv], env=self.env, capture_output=True, text=True, check=False, timeout=300
        )
        if done.returncode != 0:
            raise RuntimeError(
                f"{' '.join(argv)} on {host} failed:\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}"
            )
        return done.stdout

    def wait_for(self, what: str, check: Any, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if check():
                    return
            except Exception:  # noqa: S110 - not up yet
                pass
            time.sleep(0.2)
        raise RuntimeError(
            f"{what} did not come up within {timeout:.0f} s ({self.last_answer}); logs in {self.tmp}"
        )

    # ------------------------------------------------------------ hosts

    def data_host_up(self) -> None:
        data = HOSTS["data"]
        pgdata = self.tmp / "pgdata"
        pgdata.mkdir()
        shutil.chown(pgdata, "postgres", "postgres")
        sh(
            "runuser",
            "-u",
            "postgres",
            "--",
            pg_bin("initdb"),
            "-D",
            str(pgdata),
            "-A",
            "trust",
            "-U",
            "postgres",
            "--no-sync",
            "-E",
            "UTF8",
            "--locale",
            "C.UTF-8",
        )
        with open(pgdata / "pg_hba.conf", "a") as hba:
            hba.write(f"host all all {PREFIX}.0/24 trust\n")  # the simulated hosts only
        self.start(
            "postgres",
            "data",
            [
                pg_bin("postgres"),
                "-D",
                str(pgdata),
                "-k",
                str(pgdata),
                "-h",
                data,
                "-p",
                "5432",
                "-c",
                "fsync=off",
                "-c",
                "max_connections=200",
            ],
            user="postgres",
        )
        self.wait_for(
            "PostgreSQL",
            lambda: sh(pg_bin("pg_isready"), "-q", "-h", data, "-p", "5432", check=False).returncode == 0,
        )
        sh(pg_bin("createdb"), "-h", data, "-U", "postgres", "shouwen")
        self.start(
            "redis",
            "data",
            [
                "redis-server",
                "--bind",
                data,
                "--port",
                "6379",
                "--save",
                "",
                "--appendonly",
                "no",
                "--protected-mode",
                "no",  # no password: reachable only on the simulated hosts' private bridge
                "--dir",
                str(self.tmp),
            ],
        )
        self.wait_for("Redis", lambda: socket.create_connection((data, 6379), timeout=1).close() is None)
        log("data host: PostgreSQL and Redis up; migrating")
        self.run_on("data", PYTHON, "-m", "shouwen.cli", "migrate", "--no-input", "-v", "0")

    def seed(self, notifications: int) -> dict[str, Any]:
        out = self.tmp / "facts.json"
        self.run_on("data", PYTHON, str(ROOT / "deploy" / "sim" / "seed.py"), str(out), str(notifications))
        return json.loads(out.read_text())

    def start_worker(self, n: int) -> None:
        self.start(f"worker{n}", "data", [PYTHON, "-m", "shouwen.cli", "worker", "--interval", "1"])

    def start_web(self, host: str) -> None:
        self.start(
            host,
            host,
            [
                PYTHON,
                "-m",
                "gunicorn",
                "shouwen.wsgi:application",
                "--bind",
                f"{HOSTS[host]}:8000",
                "--workers",
                "2",
                "--timeout",
                "30",
                "--graceful-timeout",
                "5",
            ],
        )

    def web_ready(self, host: str) -> bool:
        try:
            with urllib.request.urlopen(f"http://{HOSTS[host]}:8000/readyz", timeout=2) as r:  # noqa: S310
                return r.status == 200
        except urllib.error.HTTPError as exc:
            self.last_answer = exc.read().decode(errors="replace")
            raise

    def haproxy_up(self) -> None:
        config = self.tmp / "haproxy.cfg"
        config.write_text(haproxy_config(self.haproxy_port))
        sh("haproxy", "-c", "-q", "-f", str(config))
        self.start("haproxy", None, ["haproxy", "-db", "-f", str(config)])
        self.wait_for("haproxy", lambda: self.get("/readyz") == 200, timeout=30)

    def get(self, path: str) -> int:
        with urllib.request.urlopen(f"http://127.0.0.1:{self.haproxy_port}{path}", timeout=3) as r:  # noqa: S310
            return int(r.status)

    def psql(self, sql: str) -> list[list[str]]:
        out = sh(
            pg_bin("psql"),
            "-h",
            HOSTS["data"],
            "-U",
            "postgres",
            "-d",
            "shouwen",
            "-At",
            "-F",
            "\t",
            "-c",
            sql,
        ).stdout
        return [line.split("\t") for line in out.splitlines() if line]

    def teardown(self) -> None:
        for name in list(self.procs):
            if name != "postgres":
                self.stop(name)
        self.stop("postgres")
        self.network_down()
        if self.keep_logs:
            log(f"logs kept in {self.tmp}")
        else:
            shutil.rmtree(self.tmp, ignore_errors=True)


def haproxy_config(port: int) -> str:
    """The load balancer of the simulation: the same shape as docs/deploy.md's."""
    servers = "\n".join(
        f"    server {host} {HOSTS[host]}:8000 check inter 1s fall 2 rise 2" for host in ("web1", "web2")
    )
    return f"""global
    maxconn 512

defaults
    mode http
    timeout connect 2s
    timeout client 30s
    timeout server 30s
    # A node busy with requests answers its health check late, not never: do not take it out for that.
    timeout check 3s
    retries 3
    option redispatch
    # A request that never reached a node (refused, reset before an answer) is sent to the other.
    retry-on conn-failure empty-response
    option forwardfor

frontend shouwen
    bind 127.0.0.1:{port}
    unique-id-format %[uuid()]
    http-request set-header X-Request-ID %[unique-id]
    default_backend web

backend web
    balance roundrobin
    option httpchk GET /readyz
    http-check expect status 200
{servers}
"""


# ------------------------------------------------------------ e-mail sink


class Sink:
    """An SMTP server on the bridge address that counts every message by subject.

    It takes a moment before accepting each message (as a busy mail server does), so that killing a
    worker is likely to hit one in the middle of sending. A message counts once accepted: one whose
    sender died before the reply is dropped (aiosmtpd cancels the handler), as a real mail server does,
    and another worker sends it again once the dead worker's claim has expired.
    """

    def __init__(self, delay: float) -> None:
        self.subjects: Counter[str] = Counter()
        self.lock = threading.Lock()
        self.delay = delay

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd's name
        import email
        import email.policy

        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        await asyncio.sleep(self.delay)
        with self.lock:
            self.subjects[str(message["subject"]).strip()] += 1
        return "250 accepted"


class Feeder:
    """New e-mails keep arriving during the load (an escalation here, a handover there)."""

    SQL = (
        "INSERT INTO notifications_notification (recipient_id, kind, title, body, texts, url, urgent, "
        "created_at, email_status, email_error, email_attempts, sms_status, sms_error, sms_attempts) "
        "VALUES (%s, 'info', %s, '', '{}', '', true, now(), 'pending', '', 0, 'none', '', 0)"
    )

    def __init__(self, recipient: int, every: float) -> None:
        self.recipient = recipient
        self.every = every
        self.count = 0
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)

    def run(self) -> None:
        import psycopg

        with psycopg.connect(f"postgres://postgres@{HOSTS['data']}:5432/shouwen", autocommit=True) as conn:
            while not self.stopping.wait(self.every):
                conn.execute(self.SQL, (self.recipient, f"SIM-MAIL-LIVE-{self.count:05d}"))
                self.count += 1


# ------------------------------------------------------------ load


class Load:
    """Clients registering cases through haproxy, retrying until each is acknowledged."""

    def __init__(self, base: str, facts: dict[str, Any], count: int, threads: int, deadline: float) -> None:
        self.base = base
        self.facts = facts
        self.keys = [f"sim-{i:05d}" for i in range(count)]
        self.todo = list(reversed(self.keys))
        self.lock = threading.Lock()
        self.acked: dict[str, str] = {}
        self.requests = self.retries = self.errors = 0
        self.gave_up: list[str] = []
        self.statuses: Counter[str] = Counter()
        self.deadline = deadline
        self.threads = [threading.Thread(target=self.client, daemon=True) for _ in range(threads)]

    def body(self, key: str) -> bytes:
        return json.dumps(
            {
                "estate": self.facts["estate"],
                "channel": "phone",
                "category": "complaint",
                "content": f"{key} 模拟来电：楼道灯不亮",
                "caller_name": "张先生",
                "caller_phone": "13812345678",
                "resident": self.facts["resident"],
                "unit": self.facts["unit"],
            }
        ).encode()

    def client(self) -> None:
        while True:
            with self.lock:
                if not self.todo:
                    return
                key = self.todo.pop()
            for attempt in range(1000):
                if time.monotonic() > self.deadline:
                    with self.lock:
                        self.gave_up.append(key)
                    return
                with self.lock:
                    self.requests += 1
                    if attempt:
                        self.retries += 1
                request = urllib.request.Request(  # noqa: S310 - haproxy on loopback
                    f"{self.base}/api/v1/cases/",
                    data=self.body(key),
                    method="POST",
                    headers={
                        "Content-Type": "application/json",
                        "Authorization": f"Token {self.facts['token']}",
                        "Idempotency-Key": key,
                    },
                )
                try:
                    with urllib.request.urlopen(request, timeout=20) as reply:  # noqa: S310
                        number = json.loads(reply.read())["number"]
                    with self.lock:
                        self.acked[key] = number
                    break
                except urllib.error.HTTPError as exc:
                    with self.lock:
                        self.errors += 1
                        self.statuses[str(exc.code)] += 1
                    time.sleep(min(0.05 * (attempt + 1), 0.5))
                except (urllib.error.URLError, OSError, ValueError, http.client.HTTPException) as exc:
                    # A reply cut short when its web node dies (IncompleteRead) is retried with the same key.
                    with self.lock:
                        self.errors += 1
                        self.statuses[type(exc).__name__] += 1
                    time.sleep(min(0.05 * (attempt + 1), 0.5))

    def done(self) -> int:
        with self.lock:
            return len(self.acked)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=300, help="registrations to send (default 300)")
    parser.add_argument("--threads", type=int, default=6)
    parser.add_argument("--emails", type=int, default=60, help="e-mails waiting to go out at the start")
    parser.add_argument("--keep-logs", action="store_true", help="keep the temporary folder with every log")
    args = parser.parse_args()
    if os.geteuid() != 0:
        print("deploy/sim/run needs root (it creates network namespaces)", file=sys.stderr)
        return 2
    started = time.monotonic()
    sim = Sim(args.keep_logs)
    stopping = threading.Event()

    def on_signal(signum: int, frame: Any) -> None:
        stopping.set()
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_signal)
    sink = Sink(delay=0.2)
    controller = None
    result: dict[str, Any] = {}
    try:
        from aiosmtpd.controller import Controller

        sim.network_up()
        controller = Controller(sink, hostname=GATEWAY, port=SMTP_PORT, ready_timeout=10)
        controller.start()
        sim.data_host_up()
        facts = sim.seed(args.emails)
        log("seeded; starting web nodes, workers, haproxy")
        for host in ("web1", "web2"):
            sim.start_web(host)
        for host in ("web1", "web2"):
            sim.wait_for(f"web node {host}", lambda h=host: sim.web_ready(h), timeout=60)
        sim.haproxy_up()
        sim.start_worker(1)
        sim.start_worker(2)
        lease_sql = (
            "SELECT runs, extract(epoch from period_start) FROM core_lease WHERE name='deadline-sweep'"
        )
        sim.wait_for("the first sweep", lambda: bool(sim.psql(lease_sql)), timeout=60)
        before = sim.psql(lease_sql)

        load = Load(
            f"http://127.0.0.1:{sim.haproxy_port}",
            facts,
            args.cases,
            args.threads,
            deadline=time.monotonic() + 150,
        )
        log(f"load: {args.cases} registrations from {args.threads} clients")
        feeder = Feeder(facts["supervisor"], every=0.25)
        feeder.thread.start()
        for t in load.threads:
            t.start()
        # kill -9 one web node a quarter of the way in, one worker halfway; restart each after a pause.
        sim.wait_for("a quarter of the load", lambda: load.done() >= args.cases // 4, timeout=120)
        log("kill -9 web1")
        sim.kill9("web1")
        time.sleep(3)
        sim.start_web("web1")
        sim.wait_for("a half of the load", lambda: load.done() >= args.cases // 2, timeout=120)
        log("kill -9 worker1")
        sim.kill9("worker1")
        time.sleep(3)
        sim.start_worker(1)
        for t in load.threads:
            t.join(timeout=max(1.0, load.deadline - time.monotonic()))
        feeder.stopping.set()
        feeder.thread.join(timeout=10)
        sim.wait_for("web1 back", lambda: sim.web_ready("web1"), timeout=30)
        # Let the e-mail go out and the sweep run a few more periods with both workers back.
        sim.wait_for(
            "every e-mail delivered",
            lambda: (
                not sim.psql(
                    "SELECT 1 FROM notifications_notification WHERE title LIKE 'SIM-MAIL-%' "
                    "AND email_status IN ('pending', 'held', 'retrying') LIMIT 1"
                )
            ),
            timeout=90,
        )
        time.sleep(SWEEP_SECONDS + 2)
        after = sim.psql(lease_sql)

        numbers = {n for n in load.acked.values()}
        rows = sim.psql(
            "SELECT r.key, c.number FROM cases_idempotencyrecord r "
            "JOIN cases_contact t ON t.id = r.contact_id JOIN cases_case c ON c.id = t.case_id"
        )
        stored = {key: number for key, number in rows}
        per_content = sim.psql(
            "SELECT split_part(content, ' ', 1), count(*) FROM cases_contact "
            "WHERE content LIKE 'sim-%' GROUP BY 1"
        )
        cases_total = int(sim.psql("SELECT count(*) FROM cases_case")[0][0])
        duplicates = sum(int(n) - 1 for _k, n in per_content) + max(0, cases_total - len(per_content))
        lost = sum(1 for key, number in load.acked.items() if stored.get(key) != number)
        # Every e-mail arrived once (the copy a killed worker was sending too, sent again by another
        # worker), or is "sending" at the very end: never twice.
        states = dict(
            sim.psql(
                "SELECT title, email_status FROM notifications_notification WHERE title LIKE 'SIM-MAIL-%'"
            )
        )
        received = {subject: n for subject, n in sink.subjects.items() if subject.startswith("SIM-MAIL-")}
        mail_dups = sum(n - 1 for n in received.values() if n > 1)
        in_doubt = [title for title, state in states.items() if state == "sending"]
        mail_lost = [
            title
            for title, state in states.items()
            if (state == "sent" and title not in received) or state not in ("sent", "sending")
        ]
        # Sweeps counted from the first one seen: one per period since, none missed or doubled.
        sweeps = int(after[0][0]) - int(before[0][0])
        periods = round((float(after[0][1]) - float(before[0][1])) / SWEEP_SECONDS)
        result = {
            "requests": load.requests,
            "retries": load.retries,
            "errors": load.errors,
            "acknowledged": len(load.acked),
            "gave_up": len(load.gave_up),
            "error_kinds": dict(load.statuses),
            "duplicates": duplicates,
            "lost": lost,
            "case_numbers": len(numbers),
            "emails_expected": args.emails + feeder.count,
            "emails_recorded": len(states),
            "emails_received": sum(received.values()),
            "emails_duplicated": mail_dups,
            "emails_lost": len(mail_lost),
            "emails_in_doubt": len(in_doubt),
            "sweeps": sweeps,
            "sweep_periods": periods,
            "seconds": round(time.monotonic() - started, 1),
        }
    finally:
        if controller is not None:
            controller.stop()
        sim.teardown()
    print(json.dumps(result), flush=True)
    ok = (
        result.get("lost") == 0
        and result.get("duplicates") == 0
        and result.get("gave_up") == 0
        and result.get("acknowledged") == args.cases
        and result.get("emails_duplicated") == 0
        and result.get("emails_lost") == 0
        and result.get("emails_received", 0) + result.get("emails_in_doubt", 0)
        >= result.get("emails_expected", 1)
        and result.get("sweeps") == result.get("sweep_periods")
    )
    return 0 if ok else 1


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit(130)

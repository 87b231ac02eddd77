"""`make faults`: break the services under load on purpose, and check that nothing was lost or doubled.

Starts its own PostgreSQL cluster and Redis on their own ports (the machine's are never touched), three gunicorn app
servers on 127.0.0.1 (two sharing that Redis, one on the one-machine file cache, kept on a small tmpfs when the suite
runs as root), and drives readers and posters at all three while it breaks one thing at a time: Redis killed,
stalled and flushed; PostgreSQL restarted and stopped; a worker killed while a post is inside its transaction; the
cache directory full and read-only. Readers load the front page, stories, a region, a nic's page and a feed (one of
them with a nic cookie), with a browser's User-Agent, so that their views are counted and flushed under the faults too.

Every post carries a unique marker. A poster told "503, your text is kept" sends the same form again (its stamp makes a
resend answer with the stored comment, never a copy) until it is told it succeeded. At the end the database is
checked: every post a poster was told succeeded is stored exactly once; nothing is stored that a poster was told
failed without a form to send again; numbers are unique and gapless; counts equal the rows. Exit status 1 if any
check fails or a target is missed (`targets_missed`). docs/reliability.md holds the table this prints.
"""

from __future__ import annotations

import argparse
import contextlib
import http.cookiejar
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PYTHON = os.environ.get("PY", sys.executable)
AS_ROOT = os.geteuid() == 0


def log(message: str) -> None:
    print(f"[faults {time.strftime('%H:%M:%S')}] {message}", flush=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --- the services, all the suite's own ------------------------------------------------------------------------


class Postgres:
    """A throwaway PostgreSQL cluster (run as the postgres user when the suite runs as root: it refuses root)."""

    def __init__(self, work: Path) -> None:
        versions = sorted(os.listdir("/usr/lib/postgresql"), key=int)
        self.bin = Path("/usr/lib/postgresql") / versions[-1] / "bin"
        self.dir = work / "pg"
        self.port = free_port()
        self.log = work / "pg.log"

    def _run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        cmd = [*(["runuser", "-u", "postgres", "--"] if AS_ROOT else []), *args]
        return subprocess.run(cmd, check=check, capture_output=True, text=True)

    def create(self) -> None:
        self.dir.mkdir()
        if AS_ROOT:
            shutil.chown(self.dir, "postgres", "postgres")
            self.log.touch()
            shutil.chown(self.log, "postgres", "postgres")
        self._run(str(self.bin / "initdb"), "-D", str(self.dir), "-A", "trust", "-U", "postgres", "--no-sync")
        self.start()

    def start(self) -> None:
        options = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200"
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.dir), "-o", options, "-l", str(self.log), "-w", "start")

    def stop(self) -> None:
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.dir), "-m", "fast", "-w", "stop", check=False)

    def restart(self) -> None:
        self.stop()
        self.start()

    def url(self, database: str = "postgres") -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"


class Redis:
    def __init__(self, work: Path) -> None:
        self.port = free_port()
        self.process: subprocess.Popen | None = None
        self.work = work

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(self.work)],
            stdout=subprocess.DEVNULL,
        )  # fmt: skip
        for _ in range(100):
            if self.cli("ping").strip() == "PONG":
                return
            time.sleep(0.05)
        raise RuntimeError("the suite's Redis did not start")

    def cli(self, *args: str) -> str:
        found = subprocess.run(["redis-cli", "-p", str(self.port), *args], capture_output=True, text=True)
        return found.stdout

    def kill(self) -> None:
        self.process.kill()
        self.process.wait()

    def signal(self, signum: int) -> None:
        self.process.send_signal(signum)

    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"


class CacheDisk:
    """The file cache's directory: a 32 MB tmpfs when the suite runs as root (so it can be filled and made read-only),
    else a plain directory (and those two faults are left out, said so in the report)."""

    def __init__(self, work: Path) -> None:
        self.dir = work / "filecache"
        self.dir.mkdir()
        self.mounted = False
        if AS_ROOT:
            subprocess.run(["mount", "-t", "tmpfs", "-o", "size=32m", "tmpfs", str(self.dir)], check=True)
            self.mounted = True

    def fill(self) -> Path:
        filler = self.dir / "filler"
        with contextlib.suppress(OSError), open(filler, "wb") as out:
            while True:
                out.write(b"\0" * 65536)
        return filler

    def remount(self, mode: str) -> None:
        # Remounting read-only is refused (EBUSY) while any worker has a cache file open for writing, which under
        # load is a matter of luck; a writer finishes within milliseconds, so try again for a few seconds.
        deadline = time.monotonic() + 5
        while True:
            done = subprocess.run(["mount", "-o", f"remount,{mode}", str(self.dir)], capture_output=True, text=True)
            if done.returncode == 0:
                return
            if time.monotonic() > deadline:
                raise RuntimeError(f"could not remount {self.dir} {mode}: {done.stderr.strip()}")
            time.sleep(0.05)

    def close(self) -> None:
        if self.mounted:
            subprocess.run(["umount", "-l", str(self.dir)], check=False)


class Server:
    def __init__(self, name: str, env: dict[str, str], work: Path) -> None:
        self.name = name
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = open(work / f"server-{self.port}.log", "wb")  # noqa: SIM115 (open while the server runs)
        self.process = subprocess.Popen(
            [PYTHON, "-m", "gunicorn", "rantboard.wsgi", "--bind", f"127.0.0.1:{self.port}", "--workers", "2",
             "--timeout", "20", "--log-level", "error"],
            cwd=ROOT, env=env, start_new_session=True, stdout=self.log, stderr=self.log,
        )  # fmt: skip
        for _ in range(200):
            with contextlib.suppress(OSError):
                urllib.request.urlopen(f"{self.base}/livez", timeout=1).read()
                return
            time.sleep(0.1)
        raise RuntimeError(f"app server {name} did not start")

    def workers(self) -> list[int]:
        found = subprocess.run(["pgrep", "-P", str(self.process.pid)], capture_output=True, text=True).stdout
        return [int(pid) for pid in found.split()]

    def stop(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGTERM)
        self.process.wait(timeout=20)
        self.log.close()


# --- the load ------------------------------------------------------------------------------------------------


@dataclass
class Outcome:
    at: float
    kind: str  # "read" | "post"
    server: str
    status: int  # 0: no answer (connection refused, reset, timeout)
    seconds: float
    stale: bool = False  # a read answered with a saved copy
    kept: bool = False  # a post answered 503 with Retry-After and everything the poster sent back in the form


@dataclass
class Post:
    marker: str
    story: int
    told: str = "pending"  # "stored" | "refused" | "failed" (no form to send again) | "unknown" (no answer)
    tries: int = 0
    during: str = ""  # the fault under way when the poster was last answered


@dataclass
class Load:
    servers: list[Server]
    stories: list[list]  # [pk, address]
    pages: list[str]  # every other page the readers load: a region, a nic's page, a feed
    reader_nic: str  # the nic in one reader's cookie (its greeting reads the database)
    outcomes: list[Outcome] = field(default_factory=list)
    posts: list[Post] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)
    fault: str = ""

    def record(self, outcome: Outcome) -> None:
        with self.lock:
            self.outcomes.append(outcome)


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


# A browser's, so that readers' views are counted (articles/readership.py leaves programs out) and flushed to the
# database under every fault, as they would be on the board.
USER_AGENT = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"


def browser(cookies: bool = True) -> urllib.request.OpenerDirector:
    handlers = [urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())] if cookies else []
    return urllib.request.build_opener(*handlers, NoRedirect())


def fetch(opener, url: str, data: dict | None = None, timeout: float = 5, cookie: str = "") -> tuple[int, str, dict]:
    body = urllib.parse.urlencode(data).encode() if data is not None else None
    headers = {"Referer": url, "User-Agent": USER_AGENT, **({"Cookie": cookie} if cookie else {})}
    request = urllib.request.Request(url, data=body, headers=headers)
    try:
        with opener.open(request, timeout=timeout) as response:
            return response.status, response.read().decode(errors="replace"), dict(response.headers)
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode(errors="replace"), dict(error.headers)
    except (OSError, TimeoutError):
        return 0, "", {}


def reader(load: Load, index: int) -> None:
    """Keeps no cookies (a browser that refuses them: each story read is a view to count); reader 0 sends a nic
    cookie, as a returning commenter's browser does."""
    opener = browser(cookies=False)
    cookie = f"rb_nic={urllib.parse.quote(load.reader_nic)}" if index == 0 else ""
    addresses = ["/", *(address for _, address in load.stories), *load.pages]
    n = index
    while not load.stop.is_set():
        server = load.servers[n % len(load.servers)]
        url = server.base + addresses[(n // len(load.servers)) % len(addresses)]
        started = time.monotonic()
        status, _, headers = fetch(opener, url, cookie=cookie)
        load.record(Outcome(started, "read", server.name, status, time.monotonic() - started,
                            headers.get("X-Page-Copy") == "stale"))  # fmt: skip
        n += 1
        time.sleep(0.02)


def text_kept(answer: str, headers: dict, data: dict) -> bool:
    """A 503 that keeps the post: Retry-After, and the text, nic, e-mail and website back in the form (the generic
    503 page has none of them)."""
    fields = [data["body"], f'value="{data["nic"]}"', f'value="{data["email"]}"', f'value="{data["website"]}"']
    return bool(headers.get("Retry-After")) and all(field in answer for field in fields)


def poster(load: Load, index: int) -> None:
    opener = browser()
    nic = f"Poster {index} {secrets.token_hex(3)}"
    email, website = f"poster{index}@example.com", f"https://poster{index}.example.com/"
    n = index
    while not load.stop.is_set():
        server = load.servers[n % len(load.servers)]
        story = load.stories[n % len(load.stories)]
        post = Post(marker=f"marker-{secrets.token_hex(8)}", story=story[0])
        with load.lock:
            load.posts.append(post)
        started = time.monotonic()
        status, page, headers = fetch(opener, f"{server.base}{story[1]}")
        # The page with the form is a read like any other.
        load.record(Outcome(started, "read", server.name, status, time.monotonic() - started,
                            headers.get("X-Page-Copy") == "stale"))  # fmt: skip
        csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        stamp = re.search(r'name="stamp" value="([^"]+)"', page)
        if status != 200 or not csrf or not stamp:
            post.told = "not sent"  # no form to post from: nothing was sent
            n += 1
            time.sleep(0.2)
            continue
        data = {"nic": nic, "body": f"{post.marker} says the poster.", "email": email, "website": website,
                "post": "1", "csrfmiddlewaretoken": csrf.group(1), "stamp": stamp.group(1)}  # fmt: skip
        deadline = time.monotonic() + 40
        while True:
            post.tries += 1
            sent = time.monotonic()
            status, answer, headers = fetch(opener, f"{server.base}/story/{story[0]}/comment/", data)
            kept = status == 503 and text_kept(answer, headers, data)
            load.record(Outcome(sent, "post", server.name, status, time.monotonic() - sent, kept=kept))
            post.during = load.fault
            if status == 302:
                post.told = "stored"
                break
            if kept:  # told "not posted yet", with the text to send again
                if time.monotonic() > deadline:
                    post.told = "gave up (text kept)"
                    break
                time.sleep(1)
                continue
            post.told = "unknown" if status == 0 else "refused" if status in (400, 403, 429) else "failed"
            break
        n += 1
        time.sleep(0.05)


# --- the run -------------------------------------------------------------------------------------------------


@dataclass
class Phase:
    name: str
    started: float  # the fault was inflicted
    returned: float  # the service was back (for a fault that is one blow, such as a flush or a kill: at once)
    until: float = 0.0  # the end of what is counted: full recovery, or the fault's hold if that ends later
    recovered: float | None = None  # seconds from `returned` to full recovery
    killed: int = 0  # posts whose worker was killed under them (they get no answer)
    skipped: str = ""


def wait_until_healthy(load: Load, since: float, limit: float = 20) -> float | None:
    """Seconds from `since` until every server serves a fresh story page and takes a post."""
    opener = browser()
    nic = f"Recovery Probe {secrets.token_hex(4)}"
    story_pk, story_url = load.stories[0]
    deadline = time.monotonic() + limit
    pending = set(range(len(load.servers)))
    while pending and time.monotonic() < deadline:
        for i in list(pending):
            server = load.servers[i]
            status, page, headers = fetch(opener, f"{server.base}{story_url}", timeout=2)
            csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
            stamp = re.search(r'name="stamp" value="([^"]+)"', page)
            if status != 200 or headers.get("X-Page-Copy") == "stale" or not csrf or not stamp:
                continue
            data = {"nic": nic, "body": f"probe {secrets.token_hex(6)}", "post": "1",
                    "csrfmiddlewaretoken": csrf.group(1), "stamp": stamp.group(1)}  # fmt: skip
            if fetch(opener, f"{server.base}/story/{story_pk}/comment/", data, timeout=2)[0] == 302:
                pending.discard(i)
        if pending:
            time.sleep(0.1)
    return None if pending else time.monotonic() - since


def kill_a_worker_inside_a_post(load: Load, database_url: str) -> int:
    """SIGKILL an app server's worker while its post is inside its transaction: the suite locks a story's row from its
    own connection, so posts to that story wait in `comment_create`'s transaction for the lock; the worker behind the
    first one PostgreSQL shows waiting is killed (found by its connection's port), then the lock is let go. Returns
    how many workers were killed (0 if no post waited within a few seconds)."""
    import psycopg2

    story_pk = load.stories[0][0]
    workers = {pid for server in load.servers for pid in server.workers()}
    locker = psycopg2.connect(database_url)
    watcher = psycopg2.connect(database_url)
    watcher.autocommit = True
    try:
        with locker.cursor() as cursor:
            cursor.execute("SELECT id FROM articles_article WHERE id = %s FOR UPDATE", [story_pk])
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            with watcher.cursor() as cursor:
                # A post waits in comment_create's SELECT ... FOR UPDATE of the story; a read that flushes the view
                # counts waits on the same row in an UPDATE, and killing its worker would lose a read, not a post.
                cursor.execute(
                    "SELECT client_port FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND pid <> %s"
                    " AND query LIKE '%%FOR UPDATE%%'",
                    [locker.get_backend_pid()],
                )
                ports = [port for (port,) in cursor.fetchall()]
            for port in ports:
                pid = socket_owner(port, workers)
                if pid is not None:
                    os.kill(pid, signal.SIGKILL)
                    gone = time.monotonic() + 2
                    while os.path.exists(f"/proc/{pid}") and time.monotonic() < gone:  # dead before the lock goes
                        time.sleep(0.01)
                    return 1
            time.sleep(0.02)
        return 0
    finally:
        locker.rollback()
        locker.close()
        watcher.close()


def socket_owner(local_port: int, pids: set[int]) -> int | None:
    """Which of these processes has the TCP socket on this local port (read from /proc: Linux, like the rest)."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with contextlib.suppress(OSError), open(table) as lines:
            for line in list(lines)[1:]:
                fields = line.split()
                if int(fields[1].rsplit(":", 1)[1], 16) == local_port:
                    inodes.add(f"socket:[{fields[9]}]")
    for pid in pids:
        with contextlib.suppress(OSError):
            if any(os.readlink(f"/proc/{pid}/fd/{fd}") in inodes for fd in os.listdir(f"/proc/{pid}/fd")):
                return pid
    return None


def check_database(url: str, posts: list[Post], killed_in: str) -> list[str]:
    import psycopg2

    problems = []
    with psycopg2.connect(url) as conn, conn.cursor() as cursor:
        cursor.execute("SELECT body FROM comments_comment")
        stored: dict[str, int] = {}
        for (body,) in cursor.fetchall():
            marker = body.split(" ", 1)[0]
            stored[marker] = stored.get(marker, 0) + 1
        for post in posts:
            count = stored.get(post.marker, 0)
            if post.told == "stored" and count != 1:
                problems.append(f"{post.marker}: told stored, found {count} times")
            if post.told in ("failed", "refused", "not sent") and count != 0:
                problems.append(f"{post.marker}: told {post.told}, but stored {count} times")
            if count > 1:
                problems.append(f"{post.marker}: stored {count} times")
            if post.told == "unknown" and post.during == killed_in and count != 0:
                problems.append(f"{post.marker}: its worker was killed inside the transaction, yet it is stored")
        cursor.execute(
            "SELECT article_id, count(*), count(DISTINCT number), max(number) FROM comments_comment GROUP BY article_id"
        )
        for story, rows, distinct, highest in cursor.fetchall():
            if rows != distinct or highest != rows:
                problems.append(f"story {story}: {rows} comments, {distinct} distinct numbers, highest #{highest}")
        cursor.execute(
            "SELECT a.id, a.comment_count, count(c.id) FROM articles_article a LEFT JOIN comments_comment c "
            "ON c.article_id = a.id AND NOT c.removed GROUP BY a.id, a.comment_count"
        )
        for story, counted, rows in cursor.fetchall():
            if counted != rows:
                problems.append(f"story {story}: comment_count {counted}, rows {rows}")
        cursor.execute("SELECT coalesce(sum(view_count), 0) FROM articles_article")
        if not cursor.fetchone()[0]:
            problems.append("no views recorded: the readers' views were never counted or never flushed")
    return problems


def p95(outcomes: list[Outcome]) -> float:
    latencies = sorted(o.seconds for o in outcomes)
    return round(latencies[int(0.95 * (len(latencies) - 1))], 3) if latencies else 0.0


def summarise(load: Load, phase: Phase) -> dict:
    """What readers and posters got from the fault's start to full recovery (requests sent in that time)."""
    if phase.skipped:
        return {"fault": phase.name, "skipped": phase.skipped}
    window = [o for o in load.outcomes if phase.started <= o.at < phase.until]
    reads = [o for o in window if o.kind == "read"]
    posts = [o for o in window if o.kind == "post"]
    return {
        "fault": phase.name,
        "seconds": round(phase.returned - phase.started, 1),
        "counted_s": round(phase.until - phase.started, 1),
        "reads": len(reads),
        "reads_served": sum(o.status == 200 for o in reads),
        "reads_stale": sum(o.status == 200 and o.stale for o in reads),
        "reads_503": sum(o.status == 503 for o in reads),
        "reads_500": sum(o.status >= 500 and o.status != 503 for o in reads),
        "reads_no_answer": sum(o.status == 0 for o in reads),
        "read_p95_s": p95(reads),
        "posts": len(posts),
        "posts_302": sum(o.status == 302 for o in posts),
        "posts_503_kept": sum(o.kept for o in posts),
        "posts_503_other": sum(o.status == 503 and not o.kept for o in posts),
        "posts_500": sum(o.status >= 500 and o.status != 503 for o in posts),
        "posts_4xx": sum(400 <= o.status < 500 for o in posts),
        "posts_no_answer": sum(o.status == 0 for o in posts),
        "posts_killed": phase.killed,
        "post_p95_s": p95(posts),
        "recovery_s": None if phase.recovered is None else round(phase.recovered, 1),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--fault-seconds", type=float, default=10, help="how long a service stays down")
    parser.add_argument("--readers", type=int, default=4)
    parser.add_argument("--posters", type=int, default=4)
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="rantboard-faults-"))
    os.chmod(work, 0o755)
    postgres, redis, disk, servers = Postgres(work), Redis(work), None, []
    try:
        log(f"PostgreSQL on {postgres.port}, Redis on {redis.port}, in {work}")
        postgres.create()
        redis.start()
        disk = CacheDisk(work)
        import psycopg2

        conn = psycopg2.connect(postgres.url())
        conn.autocommit = True
        conn.cursor().execute("CREATE DATABASE faults")
        conn.close()
        env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PAGE_CACHE", "COMMENT_"))}
        env.update(
            DJANGO_SETTINGS_MODULE="rantboard.settings", DJANGO_DEBUG="0", DJANGO_SECURE_HTTPS="0",
            DJANGO_SECRET_KEY=secrets.token_urlsafe(50), DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
            DATABASE_URL=postgres.url("faults"), REDIS_URL=redis.url(), STATIC_ROOT=str(work / "static"),
            COMMENT_MIN_SECONDS="0", COMMENT_RATE_PER_MINUTE="100000", COMMENT_RATE_PER_HOUR="1000000",
            DJANGO_LOG_LEVEL="CRITICAL",
            # Views are handed to the database every 2 s rather than 20, so that every fault meets a flush.
            VIEW_FLUSH_SECONDS="2",
        )  # fmt: skip
        subprocess.run([PYTHON, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
        subprocess.run([PYTHON, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
        made = subprocess.run(
            [PYTHON, "manage.py", "shell", "-c", SETUP], cwd=ROOT, env=env, check=True, capture_output=True, text=True
        )
        board = json.loads(made.stdout.strip().splitlines()[-1])
        stories = board["stories"]
        servers = [Server("A", env, work), Server("B", env, work)]
        file_cache = {
            **env,
            "REDIS_URL": "",
            "CACHE_DIR": str(disk.dir / "cache"),
            "COUNTERS_DIR": str(disk.dir / "counters"),
        }
        servers.append(Server("C (file cache)", file_cache, work))
        log(f"app servers {', '.join(s.base for s in servers)}; stories {[pk for pk, _ in stories]}")

        load = Load(servers, stories, pages=board["pages"], reader_nic=board["nic"])
        threads = [threading.Thread(target=reader, args=(load, i), daemon=True) for i in range(args.readers)]
        threads += [threading.Thread(target=poster, args=(load, i), daemon=True) for i in range(args.posters)]
        for thread in threads:
            thread.start()

        seconds = args.fault_seconds
        phases: list[Phase] = []

        def fault(name: str, inflict, restore=None, hold: float = seconds) -> None:
            """`restore` given: the service stays broken for `hold` seconds, and is back when `restore` returns.
            Without: the fault is one blow (a flush, a restart, a kill), after which the service is back at once;
            the load goes on for `hold` seconds from the blow. What readers and posters got is counted from the
            blow to full recovery (or to the hold's end, if later)."""
            log(f"fault: {name}")
            load.fault = name
            started = time.monotonic()
            blow = inflict()
            if restore is not None:
                time.sleep(hold)
                restore()
            phase = Phase(name, started, returned=time.monotonic(), killed=blow if name == KILLED else 0)
            phase.recovered = wait_until_healthy(load, phase.returned)
            recovered_at = phase.returned + (phase.recovered if phase.recovered is not None else 0)
            phase.until = max(recovered_at, started + hold if restore is None else 0)
            time.sleep(max(0.0, phase.until - time.monotonic()))
            load.fault = ""
            phases.append(phase)
            log(f"  recovered in {phase.recovered if phase.recovered is not None else 'NOT'} s")
            time.sleep(1)

        fault("none (baseline)", lambda: None, hold=4)
        fault("Redis killed", redis.kill, redis.start)
        fault("Redis stalled (SIGSTOP)", lambda: redis.signal(signal.SIGSTOP), lambda: redis.signal(signal.SIGCONT))
        fault("Redis flushed", lambda: redis.cli("flushall"), hold=2)
        fault("PostgreSQL restarted", postgres.restart, hold=2)
        fault("PostgreSQL stopped", postgres.stop, postgres.start)
        fault(KILLED, lambda: kill_a_worker_inside_a_post(load, postgres.url("faults")), hold=3)
        disk_faults = ("cache disk full", "cache disk read-only")
        if disk.mounted:
            filler: list[Path] = []
            fault(disk_faults[0], lambda: filler.append(disk.fill()), lambda: filler[0].unlink())
            fault(disk_faults[1], lambda: disk.remount("ro"), lambda: disk.remount("rw"))
        else:
            log("not root: the cache disk's faults (full, read-only) are SKIPPED")
            phases += [Phase(name, 0, 0, skipped="SKIPPED (needs root for the tmpfs)") for name in disk_faults]

        load.stop.set()
        for thread in threads:
            thread.join(timeout=60)
        results = [summarise(load, phase) for phase in phases]
        told = {}
        for post in load.posts:
            told[post.told] = told.get(post.told, 0) + 1
        problems = check_database(postgres.url("faults"), load.posts, killed_in=KILLED)
        report(results, told, problems)
        if args.json:
            args.json.write_text(json.dumps({"phases": results, "posts": told, "problems": problems}, indent=1))
        missed = targets_missed(results)
        for target in missed:
            print(f"  - {target}")
        return 1 if problems or missed else 0
    finally:
        for server in servers:
            server.stop()
        if redis.process and redis.process.poll() is None:
            redis.signal(signal.SIGCONT)
            redis.kill()
        postgres.stop()
        if disk:
            disk.close()
        shutil.rmtree(work, ignore_errors=True)


KILLED = "a worker killed inside a post (SIGKILL)"
CACHE_FAULTS = ("Redis", "cache disk")


def targets_missed(results: list[dict]) -> list[str]:
    """The issue's targets, from each fault's start to full recovery: recovery within 5 s of the service's return;
    every read served (with the database down, from the saved copies: every page was read before); every post
    answered 302, or (the database away) 503 with Retry-After and the text, nic, e-mail and website kept; no post
    left without an answer but the one whose worker was killed; and with the cache away, reads and posts succeeding
    with p95 under a second."""
    missed = []
    for r in results:
        if r.get("skipped"):
            continue
        fault = r["fault"]
        if r["recovery_s"] is None or r["recovery_s"] > 5:
            missed.append(f"{fault}: no full recovery within 5 s")
        if r["reads_served"] != r["reads"]:
            missed.append(f"{fault}: {r['reads'] - r['reads_served']} reads not served")
        unanswered = r["posts_no_answer"] - r["posts_killed"]
        if fault == KILLED and r["posts_killed"] == 0:
            missed.append(f"{fault}: no post was waiting in its transaction to be killed")
        if unanswered > 0:
            missed.append(f"{fault}: {unanswered} posts got no answer")
        for column, what in (("posts_500", "answered 5xx"), ("posts_4xx", "answered 4xx"),
                             ("posts_503_other", "answered 503 without their text")):  # fmt: skip
            if r[column]:
                missed.append(f"{fault}: {r[column]} posts {what}")
        if fault.startswith(CACHE_FAULTS):
            if r["posts_503_kept"]:
                missed.append(f"{fault}: {r['posts_503_kept']} posts refused (503) with the cache away")
            if r["read_p95_s"] >= 1 or r["post_p95_s"] >= 1:
                missed.append(f"{fault}: p95 not under a second (reads {r['read_p95_s']} s, posts {r['post_p95_s']} s)")
    return missed


COLUMNS = (
    ("fault", "fault"), ("seconds", "down s"), ("counted_s", "counted s"), ("reads", "reads"),
    ("reads_served", "served"), ("reads_stale", "saved copies"), ("reads_503", "503"), ("reads_500", "5xx"),
    ("reads_no_answer", "no answer"), ("read_p95_s", "read p95 s"), ("posts", "posts"), ("posts_302", "302"),
    ("posts_503_kept", "503, text kept"), ("posts_503_other", "503, text lost"), ("posts_500", "5xx"),
    ("posts_4xx", "4xx"), ("posts_no_answer", "no answer"), ("post_p95_s", "post p95 s"),
    ("recovery_s", "recovery s"),
)  # fmt: skip


def report(results: list[dict], told: dict, problems: list[str]) -> None:
    print("\n| " + " | ".join(title for _, title in COLUMNS) + " |")
    print("|" + " --- |" * len(COLUMNS))
    for r in results:
        if r.get("skipped"):
            row = (r["fault"], r["skipped"], *[""] * (len(COLUMNS) - 2))
        else:
            row = tuple(r[key] for key, _ in COLUMNS)
        print("| " + " | ".join(str(v) for v in row) + " |")
    print(f"\nPosts, by what the poster was last told: {json.dumps(told)}")
    print("Database checks: " + ("all hold (nothing lost, nothing doubled, numbers gapless, counts right)"
                                 if not problems else f"{len(problems)} problems"))  # fmt: skip
    for problem in problems[:20]:
        print(f"  - {problem}")
    print("Targets (recovery within 5 s, every read served, every post stored or told 503 with its text kept, the "
          "cache's faults unfelt): " + ("all met" if not targets_missed(results) else "missed, below"))  # fmt: skip


SETUP = """
import json, secrets
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from articles.models import Article, Region
from comments.models import nic_url
from comments.services import comment_create
editor = get_user_model().objects.create_user("faults-editor", password=secrets.token_urlsafe(16), is_staff=True)
editor.groups.add(Group.objects.get(name="Editors"))
region = Region.objects.create(name="Europe", slug="europe")
stories = [
    Article.objects.create(region=region, title=f"Under fire {i}", source_url="https://news.example.com/x",
                           source_name="Wire", body="A story read and argued over while things break.",
                           posted_by=editor, status="published")
    for i in range(2)
]
nic = "Faithful Reader"
comment_create(article_id=stories[0].pk, nic=nic, body="Reading along.", owner_token=secrets.token_urlsafe(32))
pages = [region.get_absolute_url(), nic_url(nic), "/feeds/comments/rss/"]
print(json.dumps({"stories": [[s.pk, s.get_absolute_url()] for s in stories], "pages": pages, "nic": nic}))
"""

if __name__ == "__main__":
    sys.exit(main())

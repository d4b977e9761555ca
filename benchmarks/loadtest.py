"""A real WSGI server (gunicorn) on 127.0.0.1, loaded with wrk from the same machine."""

import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from benchmarks.environment import ROOT

HOST = "127.0.0.1"  # the load never leaves this machine
GUNICORN = Path(ROOT) / ".venv" / "bin" / "gunicorn"
SOCKET_ERRORS = ("connect", "read", "write", "timeout")
UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0, "h": 3_600_000.0}


@dataclass
class Endpoint:
    name: str
    path: str
    who: str  # "anonymous", "city_admin", "ministry"
    headers: dict[str, str]


@dataclass
class Server:
    url: str
    session: int  # gunicorn's session id: the master's pid, shared by its workers


@dataclass
class WrkResult:
    requests: int
    seconds: float
    rps: float
    p50_ms: float
    p75_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float
    non_2xx_3xx: int
    socket_errors: dict[str, int]


def wrk_path() -> str:
    path = shutil.which("wrk")
    if path is None:
        raise SystemExit("wrk is missing: scripts/ensure-debian-packages.sh wrk")
    return path


def wrk_version() -> str:
    output = subprocess.run([wrk_path(), "-v"], capture_output=True, text=True, check=False)
    return (output.stdout or output.stderr).splitlines()[0].strip()


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def fetch(url: str, headers: dict[str, str], timeout: float = 30.0) -> tuple[int, bytes]:
    request = urllib.request.Request(url, headers=headers)  # noqa: S310 (http://127.0.0.1 only)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


@contextmanager
def gunicorn(*, workers: int, startup_timeout: float = 30.0):
    """Serve pilot_portal.wsgi on a free local port; yield the Server; always stop it."""
    port = free_port()
    log = tempfile.NamedTemporaryFile(  # noqa: SIM115 (kept open for the server's life)
        prefix="bench-gunicorn-", suffix=".log", delete=False
    )
    command = [
        str(GUNICORN),
        "pilot_portal.wsgi",
        "--workers",
        str(workers),
        "--bind",
        f"{HOST}:{port}",
        "--log-level",
        "warning",
        "--error-logfile",
        log.name,
    ]
    # Its own session: on the way out the master and its workers go together.
    server = subprocess.Popen(
        command, cwd=ROOT, env=os.environ, stdout=log, stderr=log, start_new_session=True
    )
    base_url = f"http://{HOST}:{port}"
    try:
        deadline = time.monotonic() + startup_timeout
        while True:
            if server.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {server.returncode}:\n{_tail(log.name)}")
            try:
                if fetch(f"{base_url}/healthz", {}, timeout=2)[0] == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"gunicorn did not answer in time:\n{_tail(log.name)}")
            time.sleep(0.2)
        yield Server(url=base_url, session=server.pid)
    finally:
        _stop(server)
        log.close()
        os.unlink(log.name)


def _stop(server: subprocess.Popen) -> None:
    if server.poll() is None:
        server.send_signal(signal.SIGTERM)  # graceful: the master stops its workers
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)  # the group this run started, by its id
            server.wait(timeout=5)


def _tail(path: str, lines: int = 30) -> str:
    return "\n".join(Path(path).read_text(errors="replace").splitlines()[-lines:])


def run_wrk(
    url: str,
    *,
    headers: dict[str, str],
    seconds: int,
    connections: int,
    threads: int,
    timeout_s: int = 10,
) -> WrkResult:
    if not url.startswith(f"http://{HOST}:"):
        raise ValueError(f"load only 127.0.0.1, not {url}")
    command = [
        wrk_path(),
        f"--threads={threads}",
        f"--connections={connections}",
        f"--duration={seconds}s",
        f"--timeout={timeout_s}s",
        "--latency",
    ]
    for name, value in headers.items():
        command += ["--header", f"{name}: {value}"]
    command.append(url)
    output = subprocess.run(
        command, capture_output=True, text=True, timeout=seconds + timeout_s + 30, check=True
    ).stdout
    return parse_wrk(output)


def _ms(value: str, unit: str) -> float:
    return float(value) * UNITS_MS[unit]


def parse_wrk(output: str) -> WrkResult:
    """Figures from `wrk --latency` output (wrk 4.x)."""
    latency = r"([\d.]+)(us|ms|s|m|h)"
    rows = re.findall(rf"^\s+(50|75|90|99)%\s+{latency}", output, re.M)
    percentiles = {int(p): _ms(value, unit) for p, value, unit in rows}
    total = re.search(rf"(\d+) requests in {latency}", output)
    rps = re.search(r"Requests/sec:\s+([\d.]+)", output)
    stats = re.search(rf"^\s+Latency\s+{latency}\s+{latency}\s+{latency}", output, re.M)
    if not (total and rps and stats and len(percentiles) == 4):
        raise ValueError(f"unexpected wrk output:\n{output}")
    errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    return WrkResult(
        requests=int(total.group(1)),
        seconds=round(_ms(total.group(2), total.group(3)) / 1000, 2),
        rps=float(rps.group(1)),
        p50_ms=round(percentiles[50], 3),
        p75_ms=round(percentiles[75], 3),
        p90_ms=round(percentiles[90], 3),
        p99_ms=round(percentiles[99], 3),
        max_ms=round(_ms(stats.group(5), stats.group(6)), 3),
        non_2xx_3xx=int(non_2xx.group(1)) if non_2xx else 0,
        socket_errors=dict(
            zip(SOCKET_ERRORS, map(int, errors.groups()) if errors else [0] * 4, strict=True)
        ),
    )


def cpu_busy_percent(seconds: float = 2.0) -> float:
    """How busy the whole machine's CPUs are over `seconds` (from /proc/stat), in percent."""

    def sample() -> tuple[int, int]:
        fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
        return fields[3] + fields[4], sum(fields)  # (idle + iowait, all)

    idle_before, total_before = sample()
    time.sleep(seconds)
    idle_after, total_after = sample()
    elapsed = max(1, total_after - total_before)
    return round(100 * (1 - (idle_after - idle_before) / elapsed), 1)


def wait_for_quiet(*, threshold: float, max_wait: float) -> float:
    """Wait (up to `max_wait` s) until other work leaves the CPUs mostly idle; last busy %.

    Useful only while the benchmark's own processes are idle (between two loads).
    """
    deadline = time.monotonic() + max_wait
    busy = cpu_busy_percent(1.0) if max_wait > 0 else 0.0
    while busy > threshold and time.monotonic() < deadline:
        busy = cpu_busy_percent(1.0)
    return busy


def foreign_cpu_jiffies(server_session: int) -> int:
    """CPU time (clock ticks) used so far by processes that are not this benchmark's.

    Not counted: this process and its children (wrk), the gunicorn session, and every
    PostgreSQL process (the postmaster reaps the bench's per-request backends, so their
    time lands in its children's total). Finished processes count through their parent's
    children's total once reaped: a test suite run by a shell shows in the shell's.
    """
    own = os.getpid()
    total = 0
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit() or int(entry.name) == own:
            continue
        try:
            stat = Path(entry.path, "stat").read_text()
        except OSError:
            continue  # exited meanwhile
        comm = stat[stat.index("(") + 1 : stat.rindex(")")]
        fields = stat[stat.rindex(")") + 2 :].split()  # fields[0] is field 3 (state)
        ppid, session = int(fields[1]), int(fields[3])
        if comm == "postgres" or ppid == own or session == server_session:
            continue
        total += sum(int(value) for value in fields[11:15])  # utime stime cutime cstime
    return total


class ForeignLoad:
    """Share of the machine's CPU other work took while a measurement ran, in percent."""

    def __init__(self, server_session: int):
        self.server_session = server_session

    def __enter__(self):
        self.started = time.monotonic()
        self.jiffies = foreign_cpu_jiffies(self.server_session)
        return self

    def __exit__(self, *exc):
        elapsed = time.monotonic() - self.started
        used = (foreign_cpu_jiffies(self.server_session) - self.jiffies) / os.sysconf("SC_CLK_TCK")
        self.percent = round(100 * used / (elapsed * len(os.sched_getaffinity(0))), 1)
        return False

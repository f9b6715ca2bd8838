"""Run the command blocks of operator docs verbatim, in order, on a private loopback network and file tree.

Run as root inside `unshare --net --mount` (tests/docs/test_docs.py does). The runner gives the doc the
machine it describes and nothing else: its host names resolve to loopback, its addresses sit on `lo`, and
/etc and /var are overlaid by scratch folders and /media is one, so every command runs exactly as
written (users it adds exist only in there too). Conventions the docs follow:

- ```sh blocks are bash; ```console blocks are the lines after `$ ` (the rest is sample output).
- `export NAME='…'` is a value the operator supplies: the runner supplies it (--set NAME=VALUE).
- A command ending in `&` is a long-running service: the runner starts it with a NOTIFY_SOCKET and goes on
  once it says READY=1 (as systemd's Type=notify would); every service is stopped with SIGTERM at the end.

It prints a JSON transcript: each step's command, exit status and output, and the probes' results.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

BLOCK = re.compile(r"^```(sh|console)[^\n]*\n(.*?)^```", re.S | re.M)
PLACEHOLDER = re.compile(r"^export ([A-Z_][A-Z0-9_]*)=(['\"]?)…\2(\s+#.*)?$")
HEADING = re.compile(r"^#+ (.*)$", re.M)
BACKGROUND = re.compile(r"^(.*[^&])&\s*(#.*)?$")
OVERLAID = ("/etc", "/var")  # what the doc writes there lands in the scratch folder, the host's stay as they are


@dataclass
class Step:
    """One command or script the runner ran, and what became of it."""

    doc: str
    command: str
    returncode: int | None = None
    stdout: str = ""
    stderr: str = ""
    background: bool = False


@dataclass
class Transcript:
    """Everything the run did, for the test to judge."""

    steps: list[Step] = field(default_factory=list)
    probes: dict[str, bool] = field(default_factory=dict)
    stopped: list[int] = field(default_factory=list)  # each service's exit status after SIGTERM, in start order
    failed: str = ""


def logical_lines(script: str) -> list[str]:
    """Join backslash continuations: one entry per command line."""
    lines: list[str] = []
    pending = ""
    for raw in script.splitlines():
        pending += raw
        if raw.endswith("\\"):
            pending = pending[:-1] + " "
            continue
        lines.append(pending)
        pending = ""
    return [*lines, pending] if pending else lines


def blocks(markdown: str) -> list[tuple[str, list[str]]]:
    """Return each block's heading (the last `#` line above it) and command lines (console: the `$ ` lines)."""
    found: list[tuple[str, list[str]]] = []
    for match in BLOCK.finditer(markdown):
        kind, body = match.group(1), match.group(2)
        headings = HEADING.findall(markdown, 0, match.start())
        shown = "\n".join(line[2:] for line in body.splitlines() if line.startswith("$ ")) if kind == "console" else body
        found.append((headings[-1].strip() if headings else "", logical_lines(shown)))
    return found


def commands(markdown: str) -> list[str]:
    """Return the doc's command lines in order."""
    return [line for _, lines in blocks(markdown) for line in lines]


def filled(line: str, supplied: dict[str, str]) -> str:
    """Return ``line`` with an operator-supplied `export NAME='…'` given its value (a shell word)."""
    placeholder = PLACEHOLDER.match(line.strip())
    if not placeholder:
        return line
    name = placeholder.group(1)
    if name not in supplied:
        raise SystemExit(f"the doc asks the operator for {name}; pass --set {name}=…")
    return f"export {name}={supplied[name]}"


def segments(lines: list[str], supplied: dict[str, str]) -> list[tuple[str, bool]]:
    """Group command lines into foreground scripts and single background services; fill in placeholders."""
    out: list[tuple[str, bool]] = []
    script: list[str] = []
    for written in lines:
        line = filled(written, supplied)
        background = BACKGROUND.match(line)
        if background:
            if script:
                out.append(("\n".join(script), False))
                script = []
            out.append((background.group(1).strip(), True))
        else:
            script.append(line)
    if any(s.strip() and not s.strip().startswith("#") for s in script):
        out.append(("\n".join(script), False))
    return out


class Runner:
    """Runs scripts with the exports of the ones before, and services until the end."""

    def __init__(self, scratch: Path, answers: list[str]) -> None:
        """Keep the shell state, the working folder and the services under ``scratch``."""
        self.scratch, self.answers = scratch, "".join(f"{line}\n" for line in answers)
        self.state = scratch / "env.sh"
        self.state.write_text("")
        self.work = scratch / "work"
        self.work.mkdir(exist_ok=True)
        self.work.chmod(0o755)
        self.services: list[subprocess.Popen[bytes]] = []
        self.sockets: list[socket.socket] = []

    def foreground(self, step: Step) -> bool:
        """Run one script in bash (errors stop it), keeping its exports; return whether it succeeded."""
        wrapped = f"set -euo pipefail\nsource {self.state}\n{step.command}\nexport -p > {self.state}\n"
        done = subprocess.run(["bash", "-c", wrapped], cwd=self.work, capture_output=True, text=True,
                              input=self.answers, timeout=300, check=False)
        step.returncode, step.stdout, step.stderr = done.returncode, done.stdout, done.stderr
        return done.returncode == 0

    def background(self, step: Step) -> bool:
        """Start one service and wait for its READY=1 (it must not exit first)."""
        path = self.scratch / f"notify-{len(self.services)}.sock"
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)  # open until the end, as systemd's is
        self.sockets.append(sock)
        sock.bind(str(path))
        path.chmod(0o777)  # services that drop to their own user notify too
        sock.settimeout(0.5)
        log = self.scratch / f"service-{len(self.services)}.log"
        with log.open("wb") as out:
            process = subprocess.Popen(["bash", "-c", f"source {self.state}\nexec {step.command}"],
                                       cwd=self.work, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
                                       env={**os.environ, "NOTIFY_SOCKET": str(path)})
        self.services.append(process)
        ready = self._wait_ready(sock, process)
        step.stdout = log.read_text(errors="replace")
        step.returncode = process.poll()
        return ready

    @staticmethod
    def _wait_ready(sock: socket.socket, process: subprocess.Popen[bytes]) -> bool:
        """Wait (at most a minute) for READY=1 from the service; False if it exits or stays silent."""
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and process.poll() is None:
            try:
                message = sock.recv(4096).decode(errors="replace")
            except TimeoutError:
                continue
            if "READY=1" in message.split("\n"):
                return True
        return False

    def stop(self) -> list[int]:
        """Stop every service with SIGTERM (SIGKILL after 20 s), newest first; return their exit statuses."""
        for process in reversed(self.services):
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
                try:
                    process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)
                    process.wait()
        for sock in self.sockets:
            sock.close()
        return [process.returncode for process in self.services]


def private_machine(scratch: Path, hosts: list[str], addresses: list[str]) -> None:
    """Bring up loopback with the doc's addresses, overlay /etc and /var, resolve the doc's names, give /media."""
    subprocess.run(["ip", "link", "set", "lo", "up"], check=True)
    for address in addresses:
        subprocess.run(["ip", "addr", "add", f"{address}/32", "dev", "lo"], check=True)
    for target in OVERLAID:
        upper, work = scratch / "root" / target.strip("/"), scratch / "overlay-work" / target.strip("/")
        upper.mkdir(parents=True)
        work.mkdir(parents=True)
        subprocess.run(["mount", "-t", "overlay", "overlay", "-o",
                        f"lowerdir={target},upperdir={upper},workdir={work}", target], check=True)
    media = scratch / "root" / "media"
    media.mkdir(mode=0o755)
    subprocess.run(["mount", "--bind", str(media), "/media"], check=True)
    named = (entry.partition("=") for entry in hosts)
    Path("/etc/hosts").write_text("127.0.0.1 localhost\n::1 localhost\n"
                                  + "".join(f"{a or '127.0.0.1'} {n}\n" for n, _, a in named))


def citizen(config: str, count: int) -> Step:
    """Submit applications at the enrolled terminal, as its kiosk would (as root, as the doc's bench runs it)."""
    code = ("from kiosk.config import load_config; from kiosk.store.keys import KeyFileProvider; "
            "from kiosk.store.opening import open_store; from tests.kiosk.store.helpers import submit; "
            f"c = load_config(__import__('pathlib').Path({config!r})); "
            "s = open_store(c.store.path, KeyFileProvider(c.store.key_file)); "
            f"print(*(submit(s, i).id for i in range({count})), sep='\\n'); s.close()")
    step = Step("citizen", f"{count} applications at the kiosk (tests.kiosk.store.helpers.submit)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False,
                          cwd=Path(__file__).resolve().parents[2], timeout=120)
    step.returncode, step.stdout, step.stderr = done.returncode, done.stdout, done.stderr
    return step


def probe(runner: Runner, command: str, within: float) -> bool:
    """Run ``command`` until it succeeds (at most ``within`` seconds)."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if runner.foreground(Step("probe", command)):
            return True
        time.sleep(1)
    return False


def run_doc(runner: Runner, doc: Path, supplied: dict[str, str], transcript: Transcript,
            before: Callable[[str], None]) -> bool:
    """Run one doc's blocks in order (``before`` sees each block's heading first); stop at the first failure."""
    for heading, lines in blocks(doc.read_text()):
        before(heading)
        for command, background in segments(lines, supplied):
            step = Step(doc.name, command, background=background)
            transcript.steps.append(step)
            ok = runner.background(step) if background else runner.foreground(step)
            if not ok:
                transcript.failed = f"{doc.name}: {command}"
                return False
    return True


def main() -> None:
    """Parse the arguments, run the docs, print the transcript."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("docs", nargs="+", type=Path)
    parser.add_argument("--scratch", type=Path, required=True)
    parser.add_argument("--host", action="append", default=[], help="NAME[=ADDRESS] the docs use (default 127.0.0.1)")
    parser.add_argument("--address", action="append", default=[], help="an address the docs bind (on lo)")
    parser.add_argument("--set", action="append", default=[], help="NAME=WORD for export NAME='…' (a shell word)")
    parser.add_argument("--answer", action="append", default=[], help="a line the prompting commands read")
    parser.add_argument("--citizen-after", type=int, default=-1, help="after this doc (0-based), apply")
    parser.add_argument("--probe", action="append", default=[], help="a command that must come to succeed")
    parser.add_argument("--probe-at", default="", help="probe before the blocks under this heading (else at the end)")
    args = parser.parse_args()
    supplied = dict(item.split("=", 1) for item in args.set)
    private_machine(args.scratch, args.host, args.address)
    runner, transcript = Runner(args.scratch, args.answer), Transcript()

    def probes(heading: str | None) -> None:
        """Run the probes once: before the --probe-at section, or at the end (``heading`` None)."""
        if not transcript.probes and (heading is None or (args.probe_at and args.probe_at in heading)):
            transcript.probes = {command: probe(runner, command, 60) for command in args.probe}

    try:
        for index, doc in enumerate(args.docs):
            if not run_doc(runner, doc, supplied, transcript, probes):
                break
            if index == args.citizen_after:
                transcript.steps.append(citizen("/etc/yichuang/terminal.toml", 3))
        else:
            probes(None)
    finally:
        transcript.stopped = runner.stop()
    print(json.dumps(asdict(transcript), ensure_ascii=False))


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""The console in its three settings, through the real binary:
  * on a pseudo-terminal: colour and a live status line (carriage return +
    erase line) while probes run;
  * NO_COLOR on a terminal: no colour codes;
  * CI=true (not a terminal, as CI logs are): no colour, no cursor tricks;
and -q: only the verdict line.

Usage: console_modes.py <gpu-preflight>
"""
import os
import pty
import subprocess
import sys
import tempfile

COLOR = "\x1b[3"        # SGR foreground colours the reporter uses
LIVE = "\r\x1b[2K"      # rewrite-the-line sequence of the live status


def run_on_pty(args, env):
    master, slave = pty.openpty()
    proc = subprocess.Popen(args, stdin=slave, stdout=slave, stderr=slave, env=env,
                            close_fds=True)
    os.close(slave)
    chunks = []
    while True:
        try:
            data = os.read(master, 65536)
        except OSError:
            break
        if not data:
            break
        chunks.append(data)
    proc.wait(timeout=60)
    os.close(master)
    return b"".join(chunks).decode("utf-8", "replace")


def main():
    binary = sys.argv[1]
    with tempfile.TemporaryDirectory() as tmp:
        # host.c_compiler takes ~0.1-0.2 s: long enough for a live line.
        args = [binary, "--stages", "host", "--json", f"{tmp}/r.json"]
        base = {k: v for k, v in os.environ.items() if k not in ("CI", "NO_COLOR")}
        base["TERM"] = "xterm-256color"
        failures = []

        tty = run_on_pty(args, base)
        if COLOR not in tty:
            failures.append("terminal: no colour")
        if "Verdict:" not in tty:
            failures.append("terminal: no verdict line")

        no_color = run_on_pty(args, dict(base, NO_COLOR="1"))
        if COLOR in no_color:
            failures.append("NO_COLOR: colour codes present")

        ci = subprocess.run(args, env=dict(base, CI="true"), capture_output=True, text=True)
        if COLOR in ci.stdout or LIVE in ci.stdout:
            failures.append("CI=true: colour or cursor codes in the log")
        if "Verdict:" not in ci.stdout or "host.shm" not in ci.stdout:
            failures.append("CI=true: missing result lines")

        ci_tty = run_on_pty(args, dict(base, CI="true"))
        if LIVE in ci_tty:
            failures.append("CI=true on a terminal: live line redrawn")

        quiet = subprocess.run(args + ["-q"], env=base, capture_output=True, text=True)
        lines = [l for l in quiet.stdout.splitlines() if l.strip()]
        if len(lines) != 1 or not lines[0].startswith("Verdict:"):
            failures.append(f"-q: expected one verdict line, got {lines}")

    for f in failures:
        print("FAIL", f)
    print("console modes:", "ok" if not failures else f"{len(failures)} problems")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

"""Run several commands as one: `python -m broadsheet.together "cmd one" "cmd two"`.

`make run` (runserver and a worker) and `make serve` (gunicorn and a worker) start their
processes with this. Each command runs in its own process group; Ctrl-C or SIGTERM to this
process is passed on to every group, and when any command ends the others are stopped too,
so nothing is left running. The exit status is that of the command that ended first.
"""

import os
import shlex
import signal
import subprocess
import sys
import time

GRACE_SECONDS = 30


def stop(processes, signum):
    for process in processes:
        if process.poll() is None:
            try:
                os.killpg(process.pid, signum)
            except ProcessLookupError:
                pass


def wait_all(processes, timeout):
    deadline = time.monotonic() + timeout
    for process in processes:
        try:
            process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            pass
    return all(process.poll() is not None for process in processes)


def main(commands):
    if not commands:
        sys.exit('usage: python -m broadsheet.together "command one" "command two" ...')
    processes = []
    received = []

    def forward(signum, frame):
        # A closed terminal (SIGHUP) stops the commands too: gunicorn would take a SIGHUP as
        # "reload", and a command started with SIGHUP ignored (under nohup) would not hear it.
        received.append(signal.SIGTERM if signum == signal.SIGHUP else signum)
        stop(processes, received[-1])

    # Before the first command starts, so a signal that arrives while they start is passed on.
    # SIGHUP: the terminal was closed; the commands' own process groups would not hear of it.
    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, forward)
    for command in commands:
        # No terminal input: a command in a background process group that touched it would be stopped.
        processes.append(subprocess.Popen(shlex.split(command), process_group=0, stdin=subprocess.DEVNULL))
        if received:  # stopped while starting: start nothing more
            stop(processes, received[-1])
            break
    first = None
    while first is None:
        first = next((p for p in processes if p.poll() is not None), None)
        if first is None:
            time.sleep(0.2)
    stop(processes, signal.SIGTERM)
    if not wait_all(processes, GRACE_SECONDS):
        stop(processes, signal.SIGKILL)
        wait_all(processes, 5)
    return (
        0
        if received and first.returncode in (0, -signal.SIGTERM, -signal.SIGINT, -signal.SIGHUP)
        else first.returncode
    )


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

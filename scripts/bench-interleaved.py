#!/usr/bin/env python3
"""Whole-process timings of several commands, interleaved.

    scripts/bench-interleaved.py [--json FILE] ROUNDS 'COMMAND ARGS...' ['COMMAND ARGS...' ...]

Each round runs every command once, in a shuffled order, timing each from
`posix_spawn` to `waitpid` (stdout and stderr to /dev/null); three untimed rounds
come first. For each command it prints the median, mean and quartiles in ms; with
--json, it also writes them (and every time) to FILE, a list in the commands' order.

Use it to compare two builds of paved, or paved against its baseline (`find SVC
-type f -exec cat {} +` and `paved --version`), on a machine whose speed drifts:
hyperfine runs all of one command before the next, so a minute of a busy host
lands on one side of the ratio only; here every command sees the same minutes.
Commands are split like a shell would (shlex) but not run by one: give the program
as a path (`/usr/bin/find`), and no pipes or redirections.
"""
import json
import os
import random
import shlex
import statistics
import sys
import time


def main() -> int:
    args = sys.argv[1:]
    json_out = None
    if args[:1] == ["--json"] and len(args) > 1:
        json_out, args = args[1], args[2:]
    if len(args) < 2 or not args[0].isdigit() or int(args[0]) < 2:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    rounds = int(args[0])
    texts = args[1:]
    commands = [shlex.split(c) for c in texts]
    for argv in commands:
        if not argv or not os.access(argv[0], os.X_OK):
            print(f"{argv[0] if argv else '(empty)'}: not an executable path", file=sys.stderr)
            return 2
    devnull = os.open(os.devnull, os.O_RDWR)
    quiet = [(os.POSIX_SPAWN_DUP2, devnull, 1), (os.POSIX_SPAWN_DUP2, devnull, 2)]

    def run(argv: list[str]) -> tuple[float, int]:
        start = time.perf_counter_ns()
        pid = os.posix_spawn(argv[0], argv, os.environ, file_actions=quiet)
        _, status = os.waitpid(pid, 0)
        return (time.perf_counter_ns() - start) / 1e6, os.waitstatus_to_exitcode(status)

    for _ in range(3):
        for argv in commands:
            run(argv)
    times: list[list[float]] = [[] for _ in commands]
    failed: set[int] = set()
    for _ in range(rounds):
        order = list(range(len(commands)))
        random.shuffle(order)
        for i in order:
            elapsed, code = run(commands[i])
            times[i].append(elapsed)
            if code != 0:
                failed.add(i)
    results = []
    for i, (text, t) in enumerate(zip(texts, times)):
        q = statistics.quantiles(t, n=4)
        note = "  (exited non-zero)" if i in failed else ""
        print(f"median {statistics.median(t):6.2f}  mean {statistics.mean(t):6.2f}  "
              f"p25 {q[0]:6.2f}  p75 {q[2]:6.2f}  {text}{note}")
        results.append({"command": text, "median_ms": statistics.median(t),
                        "mean_ms": statistics.mean(t), "times_ms": t,
                        "failed": i in failed})
    if json_out:
        with open(json_out, "w") as f:
            json.dump(results, f)
    return 0


if __name__ == "__main__":
    sys.exit(main())

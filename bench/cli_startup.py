"""How long do the commands that never run the model take, against a bare Python start?

Each command of tests/light_commands.py (report, export, events, map with a stored layout,
consent, forget, atlas status, --help) runs in a fresh process, ``--runs`` times, on a small
event built beforehand; the median is printed next to ``python -c pass`` and
``python -c "import torch, open_clip"`` measured in the same run, as ratios to the bare start.
A command near the bare start plus piday's own imports is fine; one near the torch line has
started importing the model again (tests/test_cli_startup.py fails on that too).

    python bench/cli_startup.py            # 5 runs each
    python bench/cli_startup.py --runs 9
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))


def timed(command: list[str], env: dict[str, str]) -> float:
    t0 = time.perf_counter()
    proc = subprocess.run(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    seconds = time.perf_counter() - t0
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} exited {proc.returncode}:\n{proc.stderr[-2000:]}")
    return seconds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args(argv)

    from light_commands import COMMANDS, argv_for, make_event, probe_env

    work = Path(tempfile.mkdtemp(prefix="piday-cli-startup-"))
    try:
        data = work / "data"
        make_event(data)
        env = probe_env(data)
        env["PIDAY_CONFIG_DIR"], env["PIDAY_LOG_DIR"] = str(work / "config"), str(work / "log")
        piday = [sys.executable, "-m", "piday_desktop"]
        rows: list[tuple[str, list[str]]] = [("python -c pass", [sys.executable, "-c", "pass"]),
                                             ("import torch, open_clip", [sys.executable, "-c", "import torch, open_clip"])]
        for name in COMMANDS:
            if name in ("consent", "forget"):
                continue  # they change the event: timed below on a fresh copy each run
            rows.append((f"piday {name}", piday + argv_for(name, work)))
        results: dict[str, list[float]] = {name: [] for name, _ in rows}
        results.update({"piday consent": [], "piday forget": []})
        for _ in range(args.runs):  # interleaved, so a busy moment of the machine hits every row
            for name, command in rows:
                results[name].append(timed(command, env))
            for name in ("consent", "forget"):
                copy = work / "copy"
                shutil.rmtree(copy, ignore_errors=True)
                shutil.copytree(data, copy)
                results[f"piday {name}"].append(timed(piday + argv_for(name, work), {**env, "PIDAY_DATA_DIR": str(copy)}))
        base = statistics.median(results["python -c pass"])
        print(f"median of {args.runs} fresh processes each; ratio = median / `python -c pass` ({base * 1000:.0f} ms)")
        print(f"{'command':34} {'median s':>9} {'ratio':>7}")
        for name, times in results.items():
            median = statistics.median(times)
            print(f"{name:34} {median:9.2f} {median / base:7.1f}")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

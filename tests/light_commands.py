"""The commands that never run the model, an event for them to read, and a probe that runs one.

Shared by tests/test_cli_startup.py (which asserts torch and open_clip stay out of each
command's process) and bench/cli_startup.py (which times the same commands), so both speak
about exactly the same list.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np

import imagefactory

MODEL = "piday-tiny:none"
# ~5 s and ~1 GB to import: only for commands that run the model; ray (an optional extra, ~1 s)
# only for `piday embed --engine ray`; pandas (~0.3 s, ~60 MB), which pyarrow imports on any
# `pa.array` call: export builds its columns from buffers (jobs/arrow_columns.py).
HEAVY = ("torch", "open_clip", "ray", "pandas")
EVENT = "ev"

# name -> argv after `piday`, with {out} for a folder the command may write into. `consent`
# and `forget` change the event, so they act on visitors the other commands do not need.
COMMANDS: dict[str, list[str]] = {
    "--help": ["--help"],
    "events": ["events"],
    "report": ["report", "--event", EVENT],
    "export": ["export", "--event", EVENT, "--out", "{out}/photos.parquet"],
    "export --model": ["export", "--event", EVENT, "--out", "{out}/photos.csv", "--model", MODEL],
    "map (stored layout)": ["map", "--event", EVENT, "--out", "{out}/map.html", "--no-names"],
    "consent": ["consent", "P-002", "map", "--event", EVENT],
    "forget": ["forget", "P-003", "--event", EVENT, "--local-only", "--yes"],
    "forget --where --dry-run": ["forget", "--where", "shot > 1 AND participant != P-001", "--dry-run", "--event", EVENT],
    "roots": ["roots", "--event", EVENT],
    "atlas status": ["atlas", "status", "--event", EVENT],
}

# Runs `piday ARGS...` in this process, then reports which modules it left imported.
_PROBE = """
import json, sys
from piday_desktop.cli import main
try:
    code = main(sys.argv[1:])
except SystemExit as exc:
    code = exc.code
sys.stderr.write("\\nPIDAY_MODULES " + json.dumps({"exit": code, "modules": sorted(sys.modules)}) + "\\n")
"""


def make_event(data_dir: Path, participants: int = 4, each: int = 2) -> None:
    """An event as the station leaves it: kept photos, vectors and a stored map layout.

    The vectors are seeded random ones under the tiny model's id: these commands only read
    them, and building the event must not itself need the model.
    """
    from piday_desktop.core.store import Consent, EventStore

    rng = np.random.default_rng(7)
    with EventStore.open(data_dir, EVENT, create=True) as store:
        ids = []
        for p in range(participants):
            part = store.create_participant(consent=Consent(True, True, True))
            for s in range(each):
                ids.append(imagefactory.add_picture(store, part, (160, 120), seed=10 * p + s).id)
        vectors = rng.normal(size=(len(ids), 64)).astype(np.float32)
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
        store.put_embeddings(zip(ids, vectors), model_id=MODEL, device="cpu")
        store.set_layout(MODEL, [(pid, float(i % 4) * 2.0, float(i // 4) * 2.0) for i, pid in enumerate(ids)])


def probe_env(data_dir: Path) -> dict[str, str]:
    """The environment a volunteer's shell gives piday: no model chosen, this data folder."""
    env = {k: v for k, v in os.environ.items() if k not in ("PIDAY_MODEL", "PIDAY_DEVICE")}
    env["PIDAY_DATA_DIR"] = str(data_dir)
    return env


def argv_for(name: str, out: Path) -> list[str]:
    return [a.replace("{out}", str(out)) for a in COMMANDS[name]]


def run_probe(argv: list[str], env: dict[str, str], timeout: float = 120) -> tuple[int, list[str], str]:
    """Run ``piday ARGV`` in a fresh Python; (exit code, modules imported at the end, its stderr)."""
    proc = subprocess.run([sys.executable, "-c", _PROBE, *argv], env=env, capture_output=True, text=True,
                          timeout=timeout)
    line = next((ln for ln in proc.stderr.splitlines() if ln.startswith("PIDAY_MODULES ")), None)
    if line is None:
        raise AssertionError(f"piday {' '.join(argv)} died (exit {proc.returncode}):\n{proc.stderr[-3000:]}")
    result = json.loads(line.split(" ", 1)[1])
    return int(result["exit"] or 0), result["modules"], proc.stderr


def heavy_modules(modules: list[str]) -> list[str]:
    """The top-level packages among ``modules`` that only commands running the model may import."""
    return sorted({m.split(".")[0] for m in modules} & set(HEAVY))

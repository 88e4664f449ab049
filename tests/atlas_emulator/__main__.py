"""Start an Atlas emulator by hand: ``python -m tests.atlas_emulator --port 8765`` (from the repo root).

Then point a client at it::

    export ATLAS_API_PATH=http://127.0.0.1:8765 NO_PROXY=127.0.0.1,localhost
    export HOME=$(mktemp -d)            # or any HOME whose .nomic/credentials you may overwrite
    nomic login nk-emulator-test-key    # an nk- key is stored without any network call

or pass ``--home DIR`` to have the credentials file written into ``DIR/.nomic/credentials``.
``GET /_emulator/state`` shows a summary. Faults: ``--fault arrow:500:0.2`` (endpoint or /path
prefix, kind, probability; repeatable; seeded by ``--seed``).
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from pathlib import Path
from typing import Optional, Sequence

from .faults import KINDS
from .credentials import write_credentials
from .server import AtlasEmulator
from .service import DEFAULT_KEY, ServiceConfig


def _parse_fault(text: str) -> tuple[str, str, float]:
    parts = text.split(":")
    if len(parts) not in (2, 3) or parts[1] not in KINDS:
        raise argparse.ArgumentTypeError(f"expected TARGET:KIND[:PROBABILITY] with KIND in {sorted(KINDS)}")
    return parts[0], parts[1], float(parts[2]) if len(parts) == 3 else 1.0


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Parse arguments, serve until Ctrl-C."""
    parser = argparse.ArgumentParser(prog="python -m tests.atlas_emulator", description=__doc__.split("\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--key", action="append", help=f"valid API key (repeatable; default {DEFAULT_KEY})")
    parser.add_argument("--org", default="piday-dev", help="organization slug")
    parser.add_argument("--build-seconds", type=float, default=2.0, help="how long an index build holds the lock")
    parser.add_argument("--datum-limit", type=int, default=None, help="organization row limit")
    parser.add_argument("--fault", type=_parse_fault, action="append", default=[], metavar="TARGET:KIND[:P]")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--home", type=Path, help="write DIR/.nomic/credentials with the first key")
    args = parser.parse_args(argv)

    config = ServiceConfig(
        valid_keys=set(args.key or [DEFAULT_KEY]), build_seconds=args.build_seconds, datum_limit=args.datum_limit
    )
    emulator = AtlasEmulator(args.host, args.port, config=config, org_slug=args.org, seed=args.seed)
    for target, kind, probability in args.fault:
        emulator.faults.add(target, kind, probability=probability)
    # Handle SIGTERM before anyone can know we are up: a caller may stop us right away.
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    emulator.start()
    key = (args.key or [DEFAULT_KEY])[0]
    # Credentials first: whoever reads the first line may use the emulator at once.
    path = write_credentials(args.home / ".nomic", key) if args.home else None
    print(f"Atlas emulator listening on {emulator.url} (organization {args.org!r}, key {key!r})")
    print(f"  export ATLAS_API_PATH={emulator.url} NO_PROXY=127.0.0.1,localhost")
    if path is not None:
        print(f"  credentials written to {path}; export HOME={args.home}")
    else:
        print(f"  with a scratch HOME: nomic login {key}")
    print(f"  state: curl {emulator.url}/_emulator/state   (Ctrl-C to stop)")
    sys.stdout.flush()

    try:
        stop.wait()
    except KeyboardInterrupt:
        pass
    emulator.stop()
    print(f"stopped after {len(emulator.log)} requests")
    return 0


if __name__ == "__main__":
    sys.exit(main())

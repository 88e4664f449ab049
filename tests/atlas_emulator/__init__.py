"""A local Nomic Atlas emulator that the real, unmodified ``nomic`` 3.9.0 client talks to.

Test infrastructure and a dev tool (issue 6). See ``server.AtlasEmulator`` for the API,
``faults`` for fault kinds, ``harness`` for running the client against it, and
``python -m tests.atlas_emulator --help`` to start one by hand.
"""

from .faults import Fault, FaultPlan, FaultRule
from .requestlog import LogEntry, RequestLog
from .server import AtlasEmulator
from .service import DEFAULT_KEY, ServiceConfig
from .state import Dataset

__all__ = [
    "DEFAULT_KEY",
    "AtlasEmulator",
    "Dataset",
    "Fault",
    "FaultPlan",
    "FaultRule",
    "LogEntry",
    "RequestLog",
    "ServiceConfig",
]

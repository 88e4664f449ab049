"""The bundle's entry point: the same ``piday`` command a pip install gives.

PyInstaller needs a script, not a ``package:function`` entry point. ``freeze_support`` makes a
frozen child process (multiprocessing's spawn, used on Windows and macOS) run its task instead
of starting a second station.
"""

import multiprocessing
import sys

if __name__ == "__main__":
    multiprocessing.freeze_support()
    from piday_desktop.cli import main

    sys.exit(main())

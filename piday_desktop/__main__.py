"""`python -m piday_desktop` is the same as `piday`."""

import sys

from .cli import main

sys.exit(main())

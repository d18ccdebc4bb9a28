"""``python -m stepista``: the same as the ``stepista`` command."""

import sys

from .cli import main

sys.exit(main())

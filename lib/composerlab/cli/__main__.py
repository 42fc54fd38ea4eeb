"""``python -m composerlab.cli``: the same as the ``composerlab`` command."""
import sys

from composerlab.cli import main

sys.exit(main())

"""``python -m analysis.schema [README.md]``: rewrite the README's "Processed tables" reference."""

import sys

from analysis.schema import main

main(*sys.argv[1:2])

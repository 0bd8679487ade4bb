#!/usr/bin/env python
"""Django's command-line utility; `shouwen` is the same with friendlier command names."""

import sys

from shouwen.cli import main

if __name__ == "__main__":
    sys.exit(main())

"""``python -m brainalign.book``: build the book (see :mod:`brainalign.book.build`)."""

import sys

from .build import main

sys.exit(main())

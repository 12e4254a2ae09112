"""`python -m <package>.cli COMMAND`: see the package's docstring."""

from . import main

raise SystemExit(main())

"""`python -m mvpscaffold`: the same as the `mvpscaffold` command."""

from mvpscaffold.cli import main

main()

"""The `mvpscaffold` command and `python -m mvpscaffold`: the CLI, calm at Ctrl-C while loading.

Loading the CLI (typer, click, rich) takes a noticeable moment; a Ctrl-C in it is one sentence too.
"""

import sys

from mvpscaffold.errors import Interrupted


def main() -> None:
    """Console entry point: load the CLI and run it; Ctrl-C at any moment is one sentence."""
    try:
        from mvpscaffold.cli import main as run_cli
    except KeyboardInterrupt:
        print("Interrupted; nothing was written.", file=sys.stderr)
        sys.exit(Interrupted.exit_code)
    run_cli()


if __name__ == "__main__":
    main()

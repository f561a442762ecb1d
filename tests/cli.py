"""Running the dldemo CLI inside a test."""

from dldemo.shared.cli import main


def dldemo(*args: object) -> int:
    """Run the CLI in-process with ``args`` (converted to str); return its exit status."""
    try:
        main([str(a) for a in args])
    except SystemExit as done:
        return int(done.code or 0)
    return 0

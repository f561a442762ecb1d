"""The `dldemo` command line: list, info, data, serve, and the verbs that every app answers."""

from __future__ import annotations

import errno
import functools
import os
import sys
from collections.abc import Callable, Sequence

import click

from dldemo.shared.apps import VERBS, discover_apps, get_app
from dldemo.shared.data.cli import data_group
from dldemo.shared.errors import UserError
from dldemo.shared.quiet import import_keras_quietly

VERB_HELP = {
    "run": "Run an app live on a webcam, video, images or its bundled samples.",
    "train": "Train an app's model into a run directory (resumable).",
    "eval": "Measure an app's model with its field's standard metrics.",
    "record": "Train while recording a video of the model improving.",
    "bench": "Measure an app's speed (live FPS, training throughput) on this machine.",
}


class AppVerb(click.Group):
    """`dldemo VERB APP ...`: the subcommands are the apps, loaded only when named."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(discover_apps())

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        app = get_app(name)
        command = app.command(self.name)
        command.help = command.help or f"{VERB_HELP[self.name]} ({app.name})"
        if not getattr(command, "quiet", False):  # Keras loads when the command runs, not for --help
            command.callback, command.quiet = _quietly(command.callback), True
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(app.name, app.description) for app in discover_apps().values()]
        with formatter.section("Apps"):
            formatter.write_dl(rows)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="dldemo")
def cli() -> None:
    """dldemo: deep-learning demos that train for real, measure, run live and record."""


for _verb in VERBS:
    cli.add_command(AppVerb(name=_verb, help=VERB_HELP[_verb]))


@cli.command("list")
def list_apps() -> None:
    """One line per app: name, description, shipped weights."""
    for app in discover_apps().values():
        weights = "weights: shipped" if app.has_weights else "weights: none (train first)"
        click.echo(f"{app.name:<10} {app.description}  [{weights}]")


@cli.command("info")
def info() -> None:
    """Backend, devices, versions, data root, camera and display."""
    from dldemo.shared.environment import describe_environment

    import_keras_quietly()
    for key, value in describe_environment().items():
        click.echo(f"{key:<12} {value}")


cli.add_command(data_group)


@cli.command("serve")
@click.option("--port", type=click.IntRange(1, 65535), default=7860, show_default=True, help="TCP port.")
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Address to listen on; 0.0.0.0 opens the page to the whole network (a warning says so).",
)
@click.option(
    "--weights",
    "weights",
    multiple=True,
    metavar="APP=PATH",
    help="Serve an app with other weights (a run folder or a .keras file); repeatable.",
)
@click.option(
    "--app",
    "only",
    multiple=True,
    metavar="NAME",
    help="Only these apps' tabs (repeatable; default: every app).",
)
@click.option("--no-browser", is_flag=True, help="Do not open the page in a browser.")
def serve(port, host, weights, only, no_browser):
    """Every app live in a browser page (webcam, upload, samples): needs the 'web' extra."""
    from dldemo.shared.live import has_display
    from dldemo.shared.web import require_web_extra

    require_web_extra()
    apps = {name: app for name, app in discover_apps().items() if app.has_web}
    chosen = [get_app(name) for name in only] if only else list(apps.values())
    if missing := [app.name for app in chosen if not app.has_web]:
        raise UserError(f"app '{missing[0]}' has no browser tab: choose from {', '.join(apps)}")
    import_keras_quietly()
    from dldemo.shared.web.server import parse_weights
    from dldemo.shared.web.server import serve as serve_page

    serve_page(
        apps=chosen,
        weights=parse_weights(weights, {app.name: app for app in chosen}),
        host=host,
        port=port,
        open_browser=not no_browser and has_display(),
    )


def _quietly(callback: Callable) -> Callable:
    """``callback`` with Keras imported first, its backend's start-up noise filtered (see ``quiet``)."""

    @functools.wraps(callback)
    def run(*args, **kwargs):
        import_keras_quietly()
        return callback(*args, **kwargs)

    return run


def main(argv: list[str] | None = None) -> None:
    """Console entry point of `dldemo`."""
    run_command(cli, argv, prog_name="dldemo")


def run_command(command: click.Command, argv: Sequence[str] | None, prog_name: str) -> None:
    """Run a console command: user errors and the system errors a user can fix become one line on stderr
    (exit status 2); an interrupt exits with 128 + the signal number (130 for Ctrl-C)."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")  # TensorFlow C++ logs; its real errors raise in Python
    try:
        command.main(args=None if argv is None else list(argv), prog_name=prog_name, standalone_mode=False)
    except UserError as error:
        _fail(str(error))
    except OSError as error:
        if error.errno not in _OS_ADVICE:
            raise
        _fail(f"{error.strerror}: {error.filename or ''}: {_OS_ADVICE[error.errno]}".replace(": : ", ": "))
    except click.exceptions.Abort as abort:
        click.echo("dldemo: interrupted", err=True)
        sys.exit(getattr(abort.__cause__, "exit_code", 130))
    except click.ClickException as error:
        error.show()
        sys.exit(error.exit_code)
    except click.exceptions.Exit as done:
        sys.exit(done.exit_code)


# The system errors a user can act on, and what to do about each.
_OS_ADVICE = {
    errno.EACCES: "pick a folder you can write to, or fix its permissions",
    errno.EPERM: "pick a folder you can write to, or fix its permissions",
    errno.EROFS: "the file system is read-only: pick a folder on a writable one",
    errno.ENOSPC: "the disk is full: free some space and try again (a run resumes with --resume)",
    errno.EDQUOT: "the disk quota is used up: free some space and try again",
    errno.ENOENT: "check the path",
}


def _fail(message: str) -> None:
    click.echo(f"dldemo: error: {message}", err=True)
    sys.exit(2)

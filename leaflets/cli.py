"""The command line: a thin layer over the library. Errors become one line and an exit code here.

The commands live beside it (``cli_render``: render, export; ``cli_library``: check, build,
serve); heavy modules (WeasyPrint, the server) are imported inside them, so ``--help`` stays fast.
"""

from __future__ import annotations

import logging
import sys

import click

from . import __version__
from .cli_common import LOGGER, USAGE
from .cli_library import build, check, serve
from .cli_render import export, render
from .errors import LeafletError


class _Handler(logging.Handler):
    """Library warnings go to stderr as plain lines."""

    def emit(self, record: logging.LogRecord) -> None:
        click.echo(f"{record.levelname.lower()}: {record.getMessage()}", err=True)


def _setup_logging() -> None:
    if not LOGGER.handlers:
        LOGGER.addHandler(_Handler())
        LOGGER.setLevel(logging.INFO)
        LOGGER.propagate = False
    # WeasyPrint reports CSS it ignores; a user can do nothing about those lines.
    logging.getLogger("weasyprint").setLevel(logging.ERROR)


def _fail(exc: LeafletError) -> None:
    click.echo(f"error: {exc}", err=True)
    sys.exit(exc.exit_code)


class LeafletGroup(click.Group):
    """Turns every error into one line and an exit code, never a traceback: the library's errors,
    and Click's usage errors too, in the same ``error: …`` style."""

    def invoke(self, ctx: click.Context):  # type: ignore[override]
        try:
            return super().invoke(ctx)
        except LeafletError as exc:
            _fail(exc)

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):
        try:
            code = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except click.UsageError as exc:
            hint = f" (see: {exc.ctx.command_path} --help)" if exc.ctx else ""
            click.echo(f"error: {exc.format_message()}{hint}", err=True)
            sys.exit(USAGE)
        except click.ClickException as exc:
            click.echo(f"error: {exc.format_message()}", err=True)
            sys.exit(exc.exit_code)
        except click.exceptions.Abort:
            click.echo("error: aborted", err=True)
            sys.exit(1)
        except LeafletError as exc:  # raised before a command runs (e.g. while parsing options)
            _fail(exc)
        if not standalone_mode:
            return code
        sys.exit(code if isinstance(code, int) else 0)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """Each command's whole summary (its first paragraph), not one cut at 45 characters."""
        rows = []
        for name in self.list_commands(ctx):
            command = self.get_command(ctx, name)
            if command is not None and not command.hidden:
                summary = (command.help or "").split("\n\n")[0]
                rows.append((name, " ".join(summary.split())))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


@click.group(cls=LeafletGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="leaflets")
def cli() -> None:
    """Turn markdown medicine pages into printable, accessible patient leaflets."""
    _setup_logging()


for _command in (build, check, export, render, serve):
    cli.add_command(_command)


def main() -> None:
    cli(prog_name="leaflets")


if __name__ == "__main__":
    main()

"""The CLI's library commands: ``check``, ``build`` and ``serve`` over a content folder."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from .cli_common import FLAGS, LOGGER, base_url_option, config_option, paper_option
from .errors import ConfigError, PortInUseError
from .settings import SIZES, load_settings


@click.command()
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--strict", is_flag=True, help="Warnings fail too (exit status 1).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option(
    "--max-grade",
    type=float,
    default=None,
    metavar="N",
    help="Warn when a page's Flesch-Kincaid grade is above N (NIH target: 6-8).",
)
@config_option
def check(paths, strict, fmt, max_grade, config) -> None:
    """Check pages (files or folders; default: the content folder) before they reach a patient.

    \b
    Prints one line per problem: FILE:LINE: LEVEL: MESSAGE.
    Errors: not a leaflet, unreadable, broken front matter, a bad permalink, an online
    path that is another page's.
    Warnings: truncated, missing or empty sections, unknown sections, title differs from
    the H1, no disclaimer or note, a disguised title.
    Info: readability (Flesch reading ease and Flesch-Kincaid grade).
    """
    import json

    from .check import check_pages, grade_summary

    settings = load_settings(config)
    targets = paths or (str(settings.content_dir),)
    for target in targets:
        if not Path(target).exists():
            raise click.UsageError(f"{target}: no such file or folder")
    reports = check_pages(targets, settings, max_grade)
    if fmt == "json":
        click.echo(json.dumps([r.as_dict() for r in reports], indent=2, ensure_ascii=False))
    else:
        for report in reports:
            for p in report.problems:
                where = f"{report.path}:{p.line}" if p.line else report.path
                click.echo(f"{where}: {p.level}: {p.message}")
        summary = grade_summary(reports)
        counts = {s: sum(r.status == s for r in reports) for s in ("ok", "warning", "error")}
        click.echo(
            f"checked {len(reports)} page(s): {counts['error']} with errors, "
            f"{counts['warning']} with warnings, {counts['ok']} clean",
            err=True,
        )
        if summary:
            click.echo(summary, err=True)
    failed = any(r.status == "error" or (strict and r.status == "warning") for r in reports)
    sys.exit(1 if failed else 0)


@click.command()
@click.argument("content_dir", required=False, type=click.Path(file_okay=False))
@click.option(
    "-o",
    "--output",
    "out_dir",
    type=click.Path(file_okay=False),
    default="dist",
    show_default=True,
    help="Output folder; it mirrors the content folder.",
)
@click.option(
    "-j",
    "--jobs",
    type=click.IntRange(min=1),
    default=None,
    help="Worker processes (default: the CPU count).",
)
@click.option(
    "--size",
    type=click.Choice([*SIZES, "all"]),
    default=None,
    help="standard, large, or all (one file each: b/baclofen.pdf, b/baclofen.large.pdf).",
)
@paper_option
@base_url_option
@config_option
@click.option("--force", is_flag=True, help="Rebuild every page, changed or not.")
@click.option(
    "--html",
    "html",
    is_flag=True,
    help="Also write the online version: a page per leaflet where its QR code points.",
)
@click.option("--html-only", is_flag=True, help="Write the online version and no PDFs.")
@click.option(
    "--formats",
    default="pdf",
    show_default=True,
    metavar="LIST",
    help="Comma-separated: pdf, brf (braille, liblouis), audio (MP3, espeak-ng).",
)
@click.option(
    "--executor",
    type=click.Choice(["local", "dask"]),
    default=None,
    help="Where pages render: a local process pool (default) or Dask.",
)
@click.option(
    "--scheduler",
    default=None,
    metavar="ADDRESS",
    help="Dask scheduler, e.g. tcp://host:8786 (implies --executor dask; without it, "
    "dask runs a LocalCluster of -j workers).",
)
@click.option("-q", "--quiet", is_flag=True, help="Print nothing but errors.")
def build(
    content_dir,
    out_dir,
    jobs,
    size,
    paper,
    base_url,
    config,
    force,
    html,
    html_only,
    formats,
    executor,
    scheduler,
    quiet,
) -> None:
    """Export every page under CONTENT_DIR (default: the content folder) as PDFs.

    \b
    Pages whose source, templates, styles, settings and leaflets version have not changed since
    the last build are skipped. One bad page never stops the others: it is reported, and the
    exit status is 1. OUT_DIR/manifest.json lists every page and what was written.
    """
    import signal

    from .build import BuildInterrupted, build_library

    settings = load_settings(
        config, origins=FLAGS, paper=paper, base_url=base_url, size=size if size in SIZES else None
    )
    sizes = ("standard", "large") if size == "all" else (settings.size,)
    chosen = tuple(dict.fromkeys(f.strip() for f in formats.split(",") if f.strip()))
    unknown = [f for f in chosen if f not in ("pdf", "brf", "audio")]
    if unknown or not chosen:
        raise click.UsageError(f"--formats takes pdf, brf and audio, not {formats!r}")
    source = Path(content_dir) if content_dir else Path(settings.content_dir)
    if not source.is_dir():
        raise click.UsageError(f"{source}: no such content folder")
    progress = _Progress(quiet)

    def on_term(signum, frame):  # SIGTERM stops a build the same way Ctrl-C does
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, on_term)
    try:
        runner = None
        if scheduler or executor == "dask":
            from .dask_executor import DaskExecutor

            runner = DaskExecutor(settings, sizes, scheduler=scheduler, workers=jobs or 2)
        try:
            report = build_library(
                source,
                out_dir,
                settings,
                sizes=sizes,
                jobs=jobs,
                force=force,
                pdf="pdf" in chosen and not html_only,
                html=html or html_only,
                formats=() if html_only else chosen,
                on_progress=progress.update,
                executor=runner,
            )
        finally:
            if runner is not None:
                runner.close()
    except BuildInterrupted as exc:
        progress.finish()
        click.echo(f"interrupted: {_summary(exc.report)}; nothing partial was written", err=True)
        sys.exit(130)
    finally:
        signal.signal(signal.SIGTERM, previous)
    progress.finish()
    for warning in report.warnings:
        LOGGER.warning(warning)
    for page in report.pages:
        if page.status in ("refused", "failed"):
            click.echo(f"{page.status}: {source / page.source}: {page.reason}", err=True)
    if not quiet:
        click.echo(_summary(report), err=True)
    sys.exit(0 if report.ok else 1)


def _summary(report) -> str:
    counts = ", ".join(f"{report.count(s)} {s}" for s in ("rendered", "unchanged", "refused", "failed"))
    return f"{counts} in {report.seconds:.1f} s"


class _Progress:
    """A bar with a count and ETA on a terminal, plain lines otherwise, nothing when quiet."""

    def __init__(self, quiet: bool):
        self.quiet = quiet
        self.tty = sys.stderr.isatty()
        self.bar = None

    def update(self, done: int, total: int, result) -> None:
        if self.quiet:
            return
        if not self.tty:
            click.echo(f"[{done}/{total}] {result.status}: {result.source}", err=True)
            return
        if self.bar is None:
            self.bar = click.progressbar(
                length=total, label="Rendering", file=sys.stderr, show_eta=True, show_pos=True
            )
            self.bar.__enter__()
        self.bar.update(done - self.bar.pos)

    def finish(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar = None


@click.command()
@click.argument("content_dir", required=False, type=click.Path(file_okay=False))
@click.option("--host", default=None, help="Address to listen on (default: 127.0.0.1).")
@click.option("--port", type=click.IntRange(1, 65535), default=None, help="Port (default: 8000).")
@click.option(
    "--token",
    default=None,
    envvar="LEAFLETS_TOKEN",
    help="Access token; required when listening on any address but loopback.",
)
@click.option(
    "--workers",
    type=click.IntRange(min=0),
    default=None,
    help="PDF worker processes (default: the CPU count; 0 renders in-process).",
)
@config_option
def serve(content_dir, host, port, token, workers, config) -> None:
    """Run the counter page: find a leaflet, preview it, and print it for a patient.

    \b
    Open http://127.0.0.1:8000/ in a browser. Routes are listed in the README.
    """
    import os

    from .web import is_loopback
    from .web import serve as run

    settings = load_settings(
        config, origins=FLAGS, serve_host=host, serve_port=port, serve_token=token or None
    )
    host, port, token = settings.serve_host, settings.serve_port, settings.serve_token
    source = Path(content_dir) if content_dir else Path(settings.content_dir)
    if not source.is_dir():
        raise click.UsageError(f"{source}: no such content folder")
    if not is_loopback(host) and not token:
        raise click.UsageError(
            f"listening on {host} makes the page reachable from other machines: "
            "give an access token with --token (or [serve] token in leaflets.toml)"
        )
    _check_port(host, port)
    run(
        source,
        settings,
        host=host,
        port=port,
        token=token,
        workers=os.cpu_count() or 1 if workers is None else workers,
    )


def _check_port(host: str, port: int) -> None:
    """A taken port is one line and exit status 3, before the server starts."""
    import errno
    import socket

    try:
        with socket.create_server((host, port)):
            pass
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            raise PortInUseError(f"{host}:{port} is already in use (another server? choose --port)") from None
        raise ConfigError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None

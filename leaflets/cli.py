"""The command line: a thin layer over the library. Errors become one line and an exit code here.

Heavy modules (WeasyPrint, the server) are imported inside the commands, so ``--help`` stays fast.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import click

from . import __version__
from .errors import ConfigError, ContentError, LeafletError, PortInUseError
from .settings import PAPERS, SIZES, Settings, load_settings

LOGGER = logging.getLogger("leaflets")
#: Exit status of a usage mistake (a bad flag, an unknown page, a bad config value).
USAGE = 2
#: Each output format and its file suffix.
SUFFIX = {"pdf": "pdf", "html": "html", "brf": "brf", "audio": "mp3"}
#: The flag that sets each setting, so that an error names it (not leaflets.toml).
FLAGS = {
    "base_url": "--base-url",
    "size": "--size",
    "paper": "--paper",
    "serve_host": "--host",
    "serve_port": "--port",
    "serve_token": "--token (or LEAFLETS_TOKEN)",
}


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


config_option = click.option(
    "--config",
    type=click.Path(dir_okay=False),
    default=None,
    help="Config file (default: ./leaflets.toml when it exists).",
)
size_option = click.option(
    "--size", type=click.Choice(SIZES), default=None, help="Type size: standard (14 pt) or large (18 pt)."
)
paper_option = click.option(
    "--paper", type=click.Choice(PAPERS), default=None, help="Paper size (default: a4)."
)
base_url_option = click.option(
    "--base-url",
    default=None,
    metavar="URL",
    help="Site of the online version, for the QR code (this run only).",
)


@click.group(cls=LeafletGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="leaflets")
def cli() -> None:
    """Turn markdown medicine pages into printable, accessible patient leaflets."""
    _setup_logging()


def find_page(page: str, settings: Settings) -> Path:
    """PAGE is a path to a .md file, or a slug or title looked up in the content folder."""
    from .discover import has_page_suffix, page_files
    from .reader import decode, split_front_matter

    path = Path(page)
    if has_page_suffix(path) or path.exists():
        if not path.exists():
            raise ContentError(path, "no such file")
        return path
    root = Path(settings.content_dir)
    if not root.is_dir():
        raise click.UsageError(f"{page!r} is not a file, and there is no content folder {root}/")
    wanted = page.casefold()
    pages = page_files(root)
    for candidate in pages:
        if candidate.stem.casefold() == wanted:
            return candidate
    names: dict[str, Path] = {candidate.stem: candidate for candidate in pages}
    for candidate in (p for p in pages if p.suffix.lower() == ".md"):
        try:
            text, _ = decode(candidate.read_bytes(), str(candidate), settings.max_bytes)
            meta, _, _ = split_front_matter(text, str(candidate))
        except (ContentError, OSError):
            continue
        aliases = meta.get("aliases") or []
        for name in [meta.get("title", ""), *(aliases if isinstance(aliases, list) else [aliases])]:
            name = str(name).strip()
            if name.casefold() == wanted:
                return candidate
            names.setdefault(name, candidate)
    hint = did_you_mean(page, names)
    raise click.UsageError(f"no page named {page!r} in {root}/{hint} (give a slug, a title or a path)")


def did_you_mean(name: str, candidates: dict[str, Path]) -> str:
    """ ", did you mean 'baclofen'?" for the closest names (the counter's own fuzzy search), one
    per page, or nothing."""
    from .library import nearest

    best: dict[Path, str] = {}
    for found in nearest(name, [c for c in candidates if c], limit=9):
        best.setdefault(candidates[found], found)
    close = list(best.values())[:3]
    if not close:
        return ""
    return ", did you mean " + " or ".join(repr(c) for c in close) + "?"


@cli.command()
@click.argument("pages", nargs=-1)
@click.option(
    "-o",
    "--output",
    default=None,
    metavar="FILE|DIR/|-",
    help="Output file, whose extension picks the format (.pdf, .html, .brf, .mp3); a folder "
    "(DIR/<slug>.pdf); or - for standard output. Default: ./<slug>.pdf.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(list(SUFFIX)),
    default=None,
    help="pdf (the default); the HTML document WeasyPrint prints; brf (braille, liblouis); audio "
    "(MP3, espeak-ng).",
)
@click.option(
    "--prescription",
    "prescription_file",
    default=None,
    metavar="FILE",
    help="Print the pages of a prescription (TOML or JSON; - reads standard input): the "
    "patient, the date, and per item the page, directions, strength and quantity.",
)
@size_option
@paper_option
@base_url_option
@config_option
def render(pages, output, fmt, prescription_file, size, paper, base_url, config) -> None:
    """Render PAGES (.md paths, or slugs or titles in the content folder).

    \b
    One page gives its leaflet. Several pages, or --prescription, give one PDF for a patient:
    a "Your medicines" summary page, then each leaflet with its own page numbers and bookmark
    (default ./prescription.pdf). Personal details go in the --prescription file, never on the
    command line.
    """
    from .reader import read_page
    from .render import leaflet_url, without_qr

    fmt = output_format(output, fmt)
    settings = load_settings(config, origins=FLAGS, size=size, paper=paper, base_url=base_url)
    if prescription_file is not None or len(pages) > 1:
        _render_prescription(pages, prescription_file, output, fmt, settings)
        return
    if not pages:
        raise click.UsageError("name a page to render (a .md path, a slug or a title)")
    page = pages[0]
    path = find_page(page, settings)
    leaflet = read_page(path, content_root=settings.content_dir, **settings.read_options)
    for warning in leaflet.warnings:
        LOGGER.warning(warning)
    if fmt in ("pdf", "html") and leaflet_url(leaflet, settings) is None:
        LOGGER.warning(without_qr())
    data, what = _produce(fmt, leaflet, settings)
    if output == "-":
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        return
    from .files import write_atomic

    target = output_path(output, fmt, leaflet.slug)
    write_atomic(data, target)
    click.echo(f"wrote {target}{what}")


def _render_prescription(pages, source, output, fmt, settings: Settings) -> None:
    """Several pages (or a --prescription file's items) as one PDF with a summary page (or one
    BRF or MP3 with the summary first)."""
    from dataclasses import replace

    from .files import write_atomic
    from .model import Item
    from .prescription import build, read_prescription, render_prescription
    from .reader import read_page
    from .render import leaflet_url, without_qr

    if fmt == "html":
        raise click.UsageError("a prescription of several pages is one PDF, BRF or MP3, not HTML")
    if source is not None:
        if pages:
            raise click.UsageError(
                "name the pages in the --prescription file or on the command line, not both"
            )
        rx, options = read_prescription(source)
        settings = settings.replace(**options)
    else:
        rx = build([{"page": p} for p in pages])
    leaflets = []
    for item in rx.items:
        path = find_page(item.page, settings)
        leaflet = read_page(path, content_root=settings.content_dir, **settings.read_options)
        for warning in leaflet.warnings:
            LOGGER.warning(warning)
        leaflets.append(leaflet)
    if any(leaflet_url(lf, settings) is None for lf in leaflets):
        LOGGER.warning(without_qr())
    rx = replace(  # from here on, items name the page's slug, not what was typed
        rx,
        items=tuple(
            Item(lf.slug, i.directions, i.strength, i.quantity)
            for lf, i in zip(leaflets, rx.items, strict=True)
        ),
    )
    if fmt == "pdf":
        data, count = render_prescription(leaflets, rx, settings)
        said = f"{count} pages, {settings.size} print"
    elif fmt == "brf":
        from .braille import prescription_brf

        data, count = prescription_brf(leaflets, rx, settings)
        said = f"{count} braille pages"
    else:
        from .audio import prescription_mp3

        data, count = prescription_mp3(leaflets, rx, settings)
        said = f"{count} chapters"
    if output == "-":
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        return
    target = output_path(output, fmt, "prescription")
    write_atomic(data, target)
    click.echo(f"wrote {target} ({len(leaflets)} leaflets, {said})")


def output_format(output: str | None, fmt: str | None) -> str:
    """The format ``-o`` and ``--format`` ask for together: the extension of a file decides, and
    a ``--format`` that says otherwise is a usage error."""
    if output is None or output == "-" or _is_folder(output):
        return fmt or "pdf"
    suffix = Path(output).suffix.lower().lstrip(".")
    implied = {v: k for k, v in SUFFIX.items()}.get("html" if suffix == "htm" else suffix)
    if implied is None:
        if suffix and fmt is None:
            known = ", ".join(f".{s}" for s in SUFFIX.values())
            raise click.UsageError(
                f"-o {output}: cannot tell the format from .{suffix} ({known}, or --format)"
            )
        return fmt or "pdf"
    if fmt is not None and fmt != implied:
        raise click.UsageError(f"-o {output} is a .{suffix} file, but --format says {fmt}")
    return implied


def _is_folder(output: str) -> bool:
    return output.endswith(("/", "\\")) or Path(output).is_dir()


def output_path(output: str | None, fmt: str, slug: str) -> Path:
    name = f"{slug}.{SUFFIX[fmt]}"
    if output is None:
        return Path(name)
    return Path(output) / name if _is_folder(output) else Path(output)


def _produce(fmt: str, leaflet, settings: Settings) -> tuple[bytes, str]:
    """The output's bytes, and what to say about them after "wrote FILE"."""
    if fmt == "brf":
        from .braille import brf_bytes

        data, pages = brf_bytes(leaflet, settings)
        return data, f" ({pages} braille page{'s' if pages != 1 else ''})"
    if fmt == "audio":
        from .audio import mp3_bytes

        data, chapters = mp3_bytes(leaflet, settings)
        return data, f" ({chapters} chapter{'s' if chapters != 1 else ''})"
    if fmt == "html":
        from .render import render_html

        return render_html(leaflet, settings, inline_css=True).encode("utf-8"), ""
    from .pdf import render_pdf

    data, pages = render_pdf(leaflet, settings)
    return data, f" ({pages} page{'s' if pages != 1 else ''}, {settings.size} print)"


@cli.command()
@click.argument("pages", nargs=-1, required=True)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["epi"]),
    default="epi",
    show_default=True,
    help="epi: a FHIR ePI Type-1 document Bundle (R5 JSON).",
)
@click.option(
    "-o",
    "--output",
    "out_dir",
    type=click.Path(file_okay=False),
    default=".",
    show_default=True,
    help="Output folder; pages in the content folder keep their sub-folder (b/baclofen.json).",
)
@config_option
def export(pages, fmt, out_dir, config) -> None:
    """Write each markdown PAGE (a path, or a slug or title) out as FHIR ePI.

    \b
    One bundle per page, validated with fhir.resources (R5, strict) before it is written.
    A page that cannot be read is reported and the others are still written (exit status 1).
    """
    from .epi_export import export_epi
    from .files import write_atomic
    from .reader import read_page

    settings = load_settings(config)
    failed = False
    for page in pages:
        try:
            path = find_page(page, settings)
            leaflet = read_page(path, content_root=settings.content_dir, **settings.read_options)
            data = export_epi(leaflet)
        except (LeafletError, click.UsageError) as exc:
            click.echo(
                f"error: {exc.format_message() if isinstance(exc, click.UsageError) else exc}", err=True
            )
            failed = True
            continue
        target = Path(out_dir) / f"{leaflet.relpath or leaflet.slug}.json"
        write_atomic(data, target)
        click.echo(f"wrote {target}")
    sys.exit(1 if failed else 0)


@cli.command()
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
    Errors: not a leaflet, unreadable, broken front matter.
    Warnings: truncated, missing or empty sections, unknown sections, title differs from
    the H1, no disclaimer or note, two pages with the same online URL.
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


@cli.command()
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


@cli.command()
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


def main() -> None:
    cli(prog_name="leaflets")


if __name__ == "__main__":
    main()

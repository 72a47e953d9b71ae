"""The CLI's page commands: ``render`` (a leaflet, or a prescription of several) and ``export``."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from .cli_common import (
    FLAGS,
    LOGGER,
    SUFFIX,
    base_url_option,
    config_option,
    find_page,
    output_format,
    output_path,
    paper_option,
    read_found,
    size_option,
)
from .errors import LeafletError
from .settings import Settings, load_settings


@click.command()
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
    leaflet = read_found(page, path, settings)
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
        leaflet = read_found(item.page, path, settings)
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


@click.command()
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

    settings = load_settings(config)
    failed = False
    for page in pages:
        try:
            path = find_page(page, settings)
            leaflet = read_found(page, path, settings)
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

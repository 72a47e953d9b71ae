"""QR code of a leaflet's online address, as inline vector SVG: no raster, no file, no network."""

from __future__ import annotations

import functools
import html

import qrcode
import qrcode.constants

from .errors import RenderError

#: A printed module below 0.5 mm stops cheap phone cameras; the symbol grows with the URL instead.
MIN_MODULE_MM = 0.5
#: Target width of the whole symbol (quiet zone included) when the URL is short.
TARGET_MM = 32.0
QUIET_ZONE = 4
#: Bytes a QR code holds at error correction M (version 40, byte mode).
MAX_QR_BYTES = 2331


def qr_matrix(url: str) -> list[list[bool]]:
    """The module matrix, quiet zone included (error correction M). Raises RenderError for an
    address a QR code cannot hold (checked on the bytes it encodes, percent escapes and all)."""
    size = len(url.encode("utf-8"))
    if size > MAX_QR_BYTES:
        raise RenderError(
            f"the online address is too long for a QR code ({size:,} bytes; at most {MAX_QR_BYTES:,})"
        )
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=QUIET_ZONE)
    code.add_data(url)
    code.make(fit=True)
    return code.get_matrix()


@functools.lru_cache(maxsize=1024)  # the counter prints the same leaflets again and again
def qr_svg(url: str, title: str) -> str:
    """An inline ``<svg>`` for ``url``; ``title`` becomes its alt text (PDF /Alt)."""
    matrix = qr_matrix(url)
    n = len(matrix)
    module_mm = max(MIN_MODULE_MM, TARGET_MM / n)
    size = f"{n * module_mm:.2f}mm"
    # One path of horizontal runs: far smaller than one rect per module.
    runs = []
    for y, row in enumerate(matrix):
        x = 0
        while x < n:
            if row[x]:
                start = x
                while x < n and row[x]:
                    x += 1
                runs.append(f"M{start} {y}h{x - start}v1h-{x - start}z")
            else:
                x += 1
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="qr" role="img" width="{size}" '
        f'height="{size}" viewBox="0 0 {n} {n}" shape-rendering="crispEdges">'
        f"<title>{html.escape(title)}</title>"
        f'<rect width="{n}" height="{n}" fill="#fff"/>'
        f'<path fill="#000" d="{"".join(runs)}"/></svg>'
    )

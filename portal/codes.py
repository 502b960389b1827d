"""The card's codes as inline SVG: a QR code (segno) and a Code 128 barcode
(python-barcode's modules), drawn on the server so the page needs no script
and prints sharp."""

from itertools import groupby

import segno
from barcode import Code128
from django.utils.html import escape
from django.utils.safestring import mark_safe

# Code 128 needs ten modules of white on each side for a scanner to find it.
QUIET_ZONE = 10


def qr_code(data, *, error="m"):
    """The segno QR code of `data`. The mask is fixed: choosing the best of
    eight costs 15 ms a code in pure Python (a receipt is on the sale's
    path), and any mask reads well at these sizes."""
    return segno.make_qr(data, error=error, mask=2)


def qr_svg(data, *, label="", css_class="qr", error="m"):
    """An <svg> of the QR code of `data` that scales to its box (no size of its own)."""
    svg = qr_code(data, error=error).svg_inline(
        scale=1, border=4, omitsize=True, svgclass=css_class, lineclass=None
    )
    label = escape(label or data)
    svg = svg.replace("<svg ", f'<svg role="img" aria-label="{label}" ', 1)
    return mark_safe(svg)  # noqa: S308 (segno's own markup, the label escaped)


def code128_modules(data) -> str:
    """The bars of Code 128 for `data` as python-barcode encodes them: "1" a
    dark module, "0" a light one (quiet zones not included)."""
    return Code128(str(data)).build()[0]


def code128_svg(data, *, label="", css_class="barcode", height=40):
    """An <svg> of the Code 128 barcode of `data`, stretched to its box's width."""
    modules = code128_modules(data)
    width = len(modules) + 2 * QUIET_ZONE
    bars, x = [], QUIET_ZONE
    for dark, run in groupby(modules):
        length = len(list(run))
        if dark == "1":
            bars.append(f"M{x} 0h{length}v{height}h-{length}z")
        x += length
    label = escape(label or data)
    return mark_safe(  # noqa: S308 (digits and our own path data only)
        f'<svg role="img" aria-label="{label}" class="{css_class}" '
        f'viewBox="0 0 {width} {height}" preserveAspectRatio="none" '
        f'shape-rendering="crispEdges" xmlns="http://www.w3.org/2000/svg">'
        f'<rect width="{width}" height="{height}" fill="#fff"/>'
        f'<path fill="#000" d="{"".join(bars)}"/></svg>'
    )

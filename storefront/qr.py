"""QR codes as SVG (the two-factor enrolment page, the QR payment page).

``qrcode`` is imported on the first code drawn, not at the app's start: it loads Pillow
(~120 ms of a process's start), which CLI commands, job workers and most web requests never
need.
"""

from __future__ import annotations

import io


def svg(text: str) -> bytes:
    """``text`` as a QR code: an SVG document of one path, 8 px a module."""
    import qrcode
    import qrcode.image.svg

    image = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    out = io.BytesIO()
    image.save(out)
    return out.getvalue()

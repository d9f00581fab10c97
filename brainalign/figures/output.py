"""How a figure leaves a notebook: a sharp PNG that carries its own legibility record.

The book's notebooks show figures through IPython's display system. :func:`install_notebook_formatter` (called by
:func:`brainalign.figures.set_style` inside a kernel) replaces the inline backend's PNG formatter for matplotlib
figures by :func:`figure_png`, which

- renders the figure at twice its dpi (sharp on high-density screens, and a useful "click to enlarge") and asks the
  page to show it at its design size (the ``width`` output metadata that myst-nb passes to the ``<img>``), and
- writes into the PNG (``tEXt`` chunks) the size of the smallest text drawn, as a fraction of the image width, and every
  text drawn, so that a browser test can compute the smallest text *as displayed* on any screen (fraction x the
  rendered width of the ``<img>``) and look for noise such as ``[nan, nan]`` inside figures (:func:`read_png_record`).
"""

from __future__ import annotations

import base64
import io
import json
import re

import matplotlib
import numpy as np
from matplotlib.figure import Figure
from matplotlib.text import Text
from PIL import Image, PngImagePlugin

#: PNG text keys of the legibility record.
KEY_MIN_TEXT = "brainalign:min-text-fraction"
KEY_TEXTS = "brainalign:texts"
#: Rendering scale of the PNG relative to the figure's dpi (2: sharp on 2x screens).
SCALE = 2

_MATH = re.compile(r"\$[^$]*\$")


def drawn_texts(fig: Figure) -> list[Text]:
    """The text artists of a figure that are drawn: visible, non-empty, inside visible axes (tick labels included).

    Parameters
    ----------
    fig : matplotlib.figure.Figure

    Returns
    -------
    list of matplotlib.text.Text
    """
    fig.canvas.draw()  # tick labels exist only after a draw
    out = []
    for text in fig.findobj(Text):
        if not text.get_visible() or not text.get_text().strip():
            continue
        axes = text.axes
        if axes is not None and not axes.get_visible():
            continue
        if text.figure is None:
            continue
        out.append(text)
    return out


def smallest_text_points(fig: Figure) -> float:
    """Font size, in points, of the smallest text drawn in ``fig`` (sub- and superscripts count at their base size).

    Returns
    -------
    float
        ``nan`` when the figure draws no text.
    """
    sizes = [t.get_fontsize() for t in drawn_texts(fig)]
    return float(min(sizes)) if sizes else float("nan")


def _plain(text: str) -> str:
    return _MATH.sub(lambda m: m.group(0).strip("$").replace("_", "").replace("{", "").replace("}", ""), text)


def figure_png(fig: Figure, scale: int = SCALE) -> tuple[bytes, dict]:
    """A figure as PNG bytes with its legibility record, and the display metadata for the notebook output.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
    scale : int
        Pixels per figure-dpi pixel (2: the PNG has twice the resolution of the size it is displayed at).

    Returns
    -------
    png : bytes
        The image (``bbox_inches="tight"``, white background), with the ``tEXt`` chunks :data:`KEY_MIN_TEXT` (smallest
        text height in pixels divided by the image width in pixels) and :data:`KEY_TEXTS` (JSON list of the texts).
    metadata : dict
        ``{"width": <display width in CSS px>}`` (the design size: image width / ``scale``).
    """
    texts = drawn_texts(fig)
    smallest = min((t.get_fontsize() for t in texts), default=float("nan"))
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=fig.dpi * scale, bbox_inches="tight", facecolor="white")
    image = Image.open(io.BytesIO(buf.getvalue()))
    width = image.size[0]
    info = PngImagePlugin.PngInfo()
    fraction = smallest * fig.dpi * scale / 72 / width if np.isfinite(smallest) else float("nan")
    info.add_text(KEY_MIN_TEXT, f"{fraction:.6f}")
    info.add_text(KEY_TEXTS, json.dumps([_plain(t.get_text()) for t in texts]))
    out = io.BytesIO()
    image.save(out, format="PNG", pnginfo=info, optimize=True)
    return out.getvalue(), {"width": int(round(width / scale))}


def read_png_record(png: bytes) -> dict:
    """The legibility record of a PNG written by :func:`figure_png`.

    Returns
    -------
    dict
        ``min_text_fraction`` (float, or None when absent), ``texts`` (list of str; empty when absent) and ``width``
        (pixels of the image).
    """
    image = Image.open(io.BytesIO(png))
    text = getattr(image, "text", {}) or {}
    fraction = text.get(KEY_MIN_TEXT)
    return {"min_text_fraction": float(fraction) if fraction not in (None, "nan") else None,
            "texts": json.loads(text.get(KEY_TEXTS, "[]")), "width": image.size[0]}


def _notebook_png(fig: Figure) -> tuple[str, dict] | None:
    if not fig.axes and not fig.texts:
        return None
    png, metadata = figure_png(fig)
    return base64.b64encode(png).decode("ascii"), metadata


def install_notebook_formatter() -> bool:
    """Show matplotlib figures in this IPython kernel through :func:`figure_png` (no-op outside IPython).

    The inline backend registers its own PNG formatter when it is first activated, so the backend is resolved first.

    Returns
    -------
    bool
        True when a kernel was found and the formatter installed.
    """
    try:
        from IPython import get_ipython  # optional: only inside a kernel
    except ImportError:  # pragma: no cover - IPython is a dependency of the book extras
        return False
    shell = get_ipython()
    if shell is None:
        return False
    if matplotlib.get_backend().endswith("backend_inline"):
        # the inline backend registers its own PNG formatter when its module is first imported; importing it now
        # lets the formatter below replace that one, instead of being replaced by it at the first plot
        import matplotlib_inline.backend_inline  # noqa: F401 - registers the inline formatter first (see above)
    formatter = shell.display_formatter.formatters["image/png"]
    formatter.for_type(Figure, _notebook_png)
    return True

"""brainalign.figures.output: a figure's PNG carries its smallest text and its texts; notebooks show figures through it."""

from __future__ import annotations

import base64

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from brainalign.figures import output  # noqa: E402


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


def test_png_records_the_smallest_text_as_a_fraction_of_its_width():
    fig, ax = plt.subplots(figsize=(4, 3), dpi=100)
    ax.plot([0, 1], [0, 1])
    ax.set_title("big title", fontsize=20)
    ax.text(0.5, 0.5, "tiny note", fontsize=6)
    assert output.smallest_text_points(fig) == 6
    png, meta = output.figure_png(fig)
    record = output.read_png_record(png)
    assert meta["width"] == round(record["width"] / output.SCALE)
    # 6 pt at 2 x 100 dpi, over the image width in pixels
    assert record["min_text_fraction"] == pytest.approx(6 * 200 / 72 / record["width"], rel=1e-4)
    assert "tiny note" in record["texts"] and "big title" in record["texts"]


def test_a_smaller_font_lowers_the_record():
    sizes = []
    for size in (12, 7):
        fig, ax = plt.subplots(figsize=(4, 3))
        ax.tick_params(labelsize=size)
        sizes.append(output.read_png_record(output.figure_png(fig)[0])["min_text_fraction"])
    assert sizes[1] < sizes[0]


def test_math_text_is_recorded_plainly_and_nan_is_visible():
    fig, ax = plt.subplots()
    ax.set_xlabel("log$_{10}$(# parameters)")
    ax.text(0.1, 0.1, "95% CI [nan, nan]")
    texts = output.read_png_record(output.figure_png(fig)[0])["texts"]
    assert "log10(# parameters)" in texts and "95% CI [nan, nan]" in texts


def test_a_png_without_a_record():
    fig, _ = plt.subplots()
    import io

    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    assert output.read_png_record(buf.getvalue())["min_text_fraction"] is None


def test_the_notebook_formatter_is_installed_in_a_kernel():
    from IPython.core.interactiveshell import InteractiveShell

    shell = InteractiveShell.instance()
    try:
        assert output.install_notebook_formatter()
        fig, ax = plt.subplots()
        ax.set_title("x")
        data, metadata = shell.display_formatter.format(fig)
        record = output.read_png_record(base64.b64decode(data["image/png"]))
        assert record["min_text_fraction"] > 0 and metadata["image/png"]["width"] > 0
        assert shell.display_formatter.formatters["image/png"].lookup(fig) is not None
        assert isinstance(fig, Figure)
    finally:
        InteractiveShell.clear_instance()


def test_outside_a_kernel_nothing_is_installed():
    assert output.install_notebook_formatter() is False

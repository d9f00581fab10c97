"""The numbers a built chapter glued into its text, read back from the executed notebook.

Every ``glue(name, value)`` call of a notebook (:func:`brainalign.book.notebook.glue`) leaves an output whose metadata
names the key and whose ``text/plain`` holds the value's repr. :func:`glued_values` collects them, so that a build can
be compared with another one (``python -m brainalign.book.glued OLD_DIR NEW_DIR``: every key of every notebook, equal
or not) and pages can be built from what the chapters computed.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

_MIME = "application/papermill.record/"


def glued_values(notebook: str | os.PathLike) -> dict[str, str]:
    """``{key: text/plain repr}`` of every glued value of an executed notebook, in cell order.

    Raises
    ------
    ValueError
        A key is glued twice with different values (the page would show either).
    """
    nb = json.loads(Path(notebook).read_text())
    out: dict[str, str] = {}
    for cell in nb.get("cells", []):
        for output in cell.get("outputs", []):
            meta = output.get("metadata", {}).get("scrapbook")
            if not meta:
                continue
            data = output.get("data", {})
            text = data.get(f"{_MIME}text/plain", data.get("text/plain", ""))
            text = "".join(text) if isinstance(text, list) else str(text)
            name = meta["name"]
            if name in out and out[name] != text:
                raise ValueError(f"{notebook}: {name!r} is glued twice, as {out[name]!r} and {text!r}")
            out[name] = text
    return out


def compare_builds(old: str | os.PathLike, new: str | os.PathLike) -> dict[str, dict[str, tuple[str, str]]]:
    """Glued values that differ between two folders of executed notebooks (same file names).

    Returns
    -------
    dict
        ``{notebook: {key: (old, new)}}`` for every differing key (a key missing on one side shows as ``"<missing>"``);
        empty when both builds glue the same values.
    """
    diffs: dict[str, dict[str, tuple[str, str]]] = {}
    names = sorted({p.name for p in Path(old).glob("*.ipynb")} | {p.name for p in Path(new).glob("*.ipynb")})
    for name in names:
        a = glued_values(Path(old) / name) if (Path(old) / name).exists() else {}
        b = glued_values(Path(new) / name) if (Path(new) / name).exists() else {}
        d = {k: (a.get(k, "<missing>"), b.get(k, "<missing>")) for k in dict.fromkeys([*a, *b])
             if a.get(k) != b.get(k)}
        if d:
            diffs[name] = d
    return diffs


def main(argv: list[str] | None = None) -> int:
    """``python -m brainalign.book.glued OLD_DIR NEW_DIR [--ignore KEY ...]``: exit 1 when glued values differ."""
    parser = argparse.ArgumentParser(prog="python -m brainalign.book.glued", description=main.__doc__)
    parser.add_argument("old")
    parser.add_argument("new")
    parser.add_argument("--ignore", nargs="*", default=[], metavar="KEY",
                        help="keys allowed to differ (e.g. timings)")
    args = parser.parse_args(argv)
    diffs = compare_builds(args.old, args.new)
    n_keys = sum(len(glued_values(p)) for p in sorted(Path(args.old).glob("*.ipynb")))
    bad = 0
    for name, d in diffs.items():
        for key, (a, b) in d.items():
            ignored = key in args.ignore
            bad += not ignored
            print(f"{'ignored ' if ignored else 'DIFFERS '}{name}: {key}: {a} -> {b}")
    print(f"{n_keys} glued values in {args.old}; {bad} differ" + (f" (+{sum(map(len, diffs.values())) - bad} "
                                                                  f"ignored)" if diffs else ""))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())

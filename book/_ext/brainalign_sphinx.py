"""Small Sphinx fixes for the brainalign book (registered in ``_config.yml`` under ``sphinx.local_extensions``).

- sphinx-thebe 0.3 registers its inline configuration script twice with Jupyter Book 1.0.4, so every page logged
  ``Identifier 'THEBE_JS_URL' has already been declared`` in the browser console. Identical script entries are
  dropped from each page's context before rendering (an inline script is registered once with filename
  ``None`` and once with ``""``, so both count as the same).
"""

from __future__ import annotations

from typing import Any


def _dedupe_scripts(app: Any, pagename: str, templatename: str, context: dict, doctree: Any) -> None:
    scripts = context.get("script_files")
    if not scripts:
        return
    seen: set = set()
    unique = []
    for js in scripts:
        key = (str(getattr(js, "filename", js) or ""), tuple(sorted((k, str(v)) for k, v in
                                                               getattr(js, "attributes", {}).items())))
        if key in seen:
            continue
        seen.add(key)
        unique.append(js)
    scripts[:] = unique


def setup(app: Any) -> dict:
    app.connect("html-page-context", _dedupe_scripts, priority=100)
    return {"parallel_read_safe": True, "parallel_write_safe": True}

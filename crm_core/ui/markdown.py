"""User text inside Streamlit's Markdown: shown literally, never as markup.

Titles, captions, alerts, metric and expander labels, widget labels and st.table cells all go
through Streamlit's Markdown (GitHub-flavoured, plus LaTeX between `$`, `:red[...]` colours,
`:material/...:` icons and emoji shortcodes). A client named `x ![p](http://host/p.png)` would
make every viewer's browser fetch that image. Every user-typed text drawn by one of them goes
through `literal` first.
"""

from __future__ import annotations

import re

# Characters that start Markdown or Streamlit markup wherever they are: emphasis, code, links and
# images (`[`), raw HTML, math (`$`), strikethrough, tables, headings.
_ALWAYS = re.compile(r"([\\`*\[\]<>$~|#])")
# `_` emphasises only at a word's edge; `:` starts a colour, icon or emoji directive (`:red[`,
# `:material/x:`, `:smile:`) only before a letter; `&` starts an entity (`&amp;`).
_SOMETIMES = re.compile(r"((?<![0-9A-Za-z])_|_(?![0-9A-Za-z])|:(?=[A-Za-z])|&(?=#?[0-9A-Za-z]+;))")
# A list item, quote or heading at the start of the text.
_BLOCK_START = re.compile(r"^([-+=]|\d+(?=[.)](?:\s|$)))")


def literal(text: object) -> str:
    """`text` escaped so that Streamlit's Markdown shows exactly these characters.

    Only what would be read as markup is escaped, so ordinary text ('Amount: is required',
    'Smith & Co', 'F-2024_01') is passed on unchanged. Line breaks become spaces (typed fields are
    one line); leading spaces would otherwise start a code block.
    """
    value = " ".join(str(text).split()) if text is not None else ""
    value = _SOMETIMES.sub(r"\\\1", _ALWAYS.sub(r"\\\1", value))
    # '- x' becomes '\- x' and '12. x' becomes '12\. x'
    return _BLOCK_START.sub(lambda m: m.group(1) + "\\" if m.group(1).isdigit() else "\\" + m.group(1), value, count=1)

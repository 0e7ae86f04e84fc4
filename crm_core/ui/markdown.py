"""User text inside Streamlit's Markdown: shown literally, never as markup.

Titles, captions, alerts, metric and expander labels, widget labels and st.table cells all go
through Streamlit's Markdown (GitHub-flavoured, plus LaTeX between `$`, `:red[...]` colours,
`:material/...:` icons and emoji shortcodes). A client named `x ![p](http://host/p.png)` would
make every viewer's browser fetch that image. Every user-typed text drawn by one of them goes
through `literal` first.
"""

from __future__ import annotations

import re

# Every ASCII punctuation character may be backslash-escaped in CommonMark; Streamlit's `$` (math)
# and `:` (colours, icons, emoji) directives honour the same escape.
_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")


def literal(text: object) -> str:
    """`text` escaped so that Streamlit's Markdown shows exactly these characters.

    Line breaks become spaces (one paragraph, as typed fields are one line); leading spaces would
    otherwise start a code block.
    """
    value = " ".join(str(text).split()) if text is not None else ""
    return _PUNCTUATION.sub(r"\\\1", value)

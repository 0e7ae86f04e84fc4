"""`literal`: user text escaped so Streamlit's Markdown shows it exactly (issue 14, item 4)."""

from __future__ import annotations

from crm_core.ui.markdown import literal


def test_every_markdown_and_streamlit_directive_character_is_escaped() -> None:
    assert literal("x ![p](http://h/p.png) $x^2$ :red[R]") == (
        r"x \!\[p\]\(http\:\/\/h\/p\.png\) \$x\^2\$ \:red\[R\]"
    )
    assert literal("a_b*c~d`e<f>#g|h") == r"a\_b\*c\~d\`e\<f\>\#g\|h"


def test_plain_text_and_non_ascii_are_kept() -> None:
    assert literal("Añil Distribuciones SL") == "Añil Distribuciones SL"
    assert literal("two\nlines") == "two lines"
    assert literal(None) == ""

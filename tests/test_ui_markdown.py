"""`literal`: user text escaped so Streamlit's Markdown shows it exactly (issue 14, item 4)."""

from __future__ import annotations

from crm_core.ui.markdown import literal


def test_every_markdown_and_streamlit_directive_character_is_escaped() -> None:
    assert literal("x ![p](http://h/p.png) $x^2$ :red[R] :smile:") == (r"x !\[p\](http://h/p.png) \$x^2\$ \:red\[R\] \:smile:")
    assert literal("*a* _b_ c~d`e<f>#g|h &amp;") == r"\*a\* \_b\_ c\~d\`e\<f\>\#g\|h \&amp;"
    assert literal("- 1") == r"\- 1" and literal("12. x") == r"12\. x" and literal("1.5 M") == "1.5 M"


def test_plain_text_and_non_ascii_are_kept() -> None:
    for plain in ("Añil Distribuciones SL", "Amount: is required", "Smith & Co", "F-2024_01", "€1,234.50 (40%)."):
        assert literal(plain) == plain
    assert literal("two\nlines") == "two lines"
    assert literal(None) == ""

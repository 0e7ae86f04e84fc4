"""Reading an amount typed in the UI language: `12.500,50` in Spanish, `12,500.50` in English.

A typed amount is read in the layout of the language shown, or refused with a reason: never a
silently different number (a Spanish `12.500,50` read as 12.50, or `12500,50` as 1,250,050).
What both layouts could mean (`12.50` in Spanish: a decimal point or a bad thousands group?) is
refused too, with the way to write it.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from crm_core.i18n.error_text import code_text

# Per language: (thousands mark, decimal mark)
_MARKS: dict[str, tuple[str, str]] = {"es": (".", ","), "en": (",", ".")}
_BLANKS = re.compile(r"[\s\u00a0\u202f]+")
_CURRENCY = re.compile(r"(?i)^(€|eur)|(€|eur)$")


class AmountError(ValueError):
    """A typed amount that cannot be read in the UI language; `code` names the reason (catalogue `error.amount_<code>`)."""

    def __init__(self, code: str, text: str) -> None:
        super().__init__(f"{code}: {text!r}")
        self.code = code
        self.text = text


def parse_amount(text: str | None, lang: str, decimals: int = 2) -> Decimal | None:
    """The amount `text` means in `lang`'s layout (None when blank); AmountError when unreadable or ambiguous.

    Spanish: `12.500,50`, `12500,50`, `12.500` (thousands), `-3,5`; English: `12,500.50`, `12500.50`,
    `12,500`. A currency sign and spaces are ignored. Refused: the other language's layout
    (`12,500.50` in Spanish), a decimal mark used as a thousands mark (`12.50` in Spanish, `12,50`
    in English), thousands groups not of three digits, more than `decimals` decimals, anything else.
    """
    if text is None:
        return None
    value = _CURRENCY.sub("", _BLANKS.sub("", text)).strip()
    value = _BLANKS.sub("", value)
    if not value:
        return None
    thousands, decimal = _MARKS.get(lang, _MARKS["en"])
    sign = ""
    if value[0] in "+-":
        sign, value = ("-" if value[0] == "-" else ""), value[1:]
    if not value or not re.fullmatch(r"[0-9.,]+", value):
        raise AmountError("not_a_number", text.strip())
    if value.count(decimal) > 1:
        raise AmountError("not_a_number", text.strip())
    whole, _, fraction = value.partition(decimal)
    if decimal in value and (not fraction or not whole):
        raise AmountError("not_a_number", text.strip())
    if decimal in value and thousands in fraction:
        raise AmountError("other_layout", text.strip())  # 12,500.50 in Spanish: the decimal mark comes first
    if thousands in whole:
        groups = whole.split(thousands)
        if not groups[0] or len(groups[0]) > 3 or any(len(g) != 3 for g in groups[1:]):
            # 12.50 or 1.2345 in Spanish: not thousands groups; maybe a decimal point typed by habit
            raise AmountError("ambiguous", text.strip())
        whole = "".join(groups)
    if len(fraction) > decimals:
        raise AmountError("too_many_decimals", text.strip())
    try:
        return Decimal(f"{sign}{whole}.{fraction or '0'}").quantize(Decimal(1).scaleb(-decimals))
    except InvalidOperation:
        raise AmountError("not_a_number", text.strip()) from None


def amount_example(lang: str) -> str:
    """How an amount is written in `lang` (shown as a placeholder and in the messages)."""
    return "12.500,50" if lang == "es" else "12,500.50"


def amount_message(error: AmountError, lang: str) -> str:
    """Why a typed amount was refused, in `lang` (catalogue `error.amount_<code>`)."""
    return code_text(f"amount_{error.code}", amount_params(error, lang), lang)


def amount_params(error: AmountError, lang: str) -> dict[str, str]:
    """The params of the error code `amount_<code>`: the text typed and how to write an amount in `lang`."""
    return {"value": error.text, "example": amount_example(lang)}

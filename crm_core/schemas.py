"""pydantic v2 models that validate every write entering the system (forms, CSV, scripts)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from datetime import UTC, date, datetime, time
from decimal import Decimal
from enum import Enum
from typing import Annotated, Any, Self, TypeAlias, TypeVar, get_args
from urllib.parse import urlparse

from email_validator import EmailNotValidError, validate_email
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    Strict,
    field_validator,
    model_validator,
)
from pydantic import ValidationError as PydanticValidationError

from crm_core.config import business_timezone
from crm_core.enums import (
    DEFAULT_STAGE_PROBABILITY,
    REGIONS,
    ActivityKind,
    ClientStatus,
    CompanySize,
    PaymentMethod,
    Stage,
)
from crm_core.errors import CodedValueError, FieldError, ValidationError
from crm_core.tax_ids import normalise_tax_id

_PHONE_RE = re.compile(r"^\+?[0-9 ()./-]{6,30}$")


# Characters that show nothing: every Unicode default-ignorable code point (zero-width space and
# joiners, word joiner, BOM, soft hyphen, Mongolian vowel separator, Hangul fillers, variation
# selectors, tags...) plus the braille blank. Trimmed from the ends like spaces; a text made only of
# them, spaces and combining marks counts as blank.
_DEFAULT_IGNORABLE = (
    "\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f\u202a-\u202e"
    "\u2060-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0\ufff0-\ufff8\U0001bca0-\U0001bca3"
    "\U0001d173-\U0001d17a\U000e0000-\U000e0fff"
)
_INVISIBLE_RE = re.compile(f"[{_DEFAULT_IGNORABLE}\u2800]")
_EDGES_RE = re.compile(f"^[\\s{_DEFAULT_IGNORABLE}\u2800]+|[\\s{_DEFAULT_IGNORABLE}\u2800]+$")
# Direction controls reorder what is shown ('Acme \u202egnp.exe' shows as 'Acme exe.png'): refused in any text.
_BIDI_RE = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
# C0 and C1 control characters: refused in one-line fields; multi-line ones keep tab and line breaks.
_CONTROL_RE = re.compile("[\x00-\x1f\x7f-\x9f]")
_CONTROL_MULTILINE_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def trim_text(value: str) -> str:
    """`value` without spaces or invisible characters at either end."""
    return _EDGES_RE.sub("", value)


def _shows_nothing(value: str) -> bool:
    """Whether `value` holds only spaces, invisible characters and combining marks (no visible character)."""
    return all(ch.isspace() or _INVISIBLE_RE.match(ch) or unicodedata.category(ch) in ("Mn", "Me", "Mc") for ch in value)


def _blank_to_none(value: Any) -> Any:
    if isinstance(value, str):
        value = trim_text(value)
        return None if not value or _shows_nothing(value) else value
    return value


def _control_problem(value: str, *, multiline: bool) -> CodedValueError | None:
    """Why `value` holds a character no field should (a direction or control character), else None."""
    found = _BIDI_RE.search(value)
    if found is not None:
        return CodedValueError("direction_control", {"char": f"U+{ord(found.group()):04X}"})
    found = (_CONTROL_MULTILINE_RE if multiline else _CONTROL_RE).search(value)
    if found is not None:
        code = "control_character" if multiline else "one_line"
        return CodedValueError(code, {"char": f"U+{ord(found.group()):04X}"})
    return None


def _one_line(value: Any) -> Any:
    problem = _control_problem(value, multiline=False) if isinstance(value, str) else None
    if problem is not None:
        raise problem
    return value


def _any_lines(value: Any) -> Any:
    problem = _control_problem(value, multiline=True) if isinstance(value, str) else None
    if problem is not None:
        raise problem
    return value


def _check_email(value: str) -> str:
    try:
        result = validate_email(value, check_deliverability=False)
    except EmailNotValidError as exc:
        raise CodedValueError("email", {"reason": str(exc)}) from None
    return result.normalized.lower()


def _check_phone(value: str) -> str:
    if not _PHONE_RE.match(value) or sum(ch.isdigit() for ch in value) < 6:
        raise CodedValueError("phone")
    return value


URL_MAX_LENGTH = 300  # the width of the website and linkedin columns


def _check_url(value: str) -> str:
    if "://" not in value:
        value = "https://" + value
    if len(value) > URL_MAX_LENGTH:
        raise CodedValueError("too_long", {"max_length": URL_MAX_LENGTH})
    parsed = urlparse(value)
    if parsed.scheme not in ("http", "https") or "." not in (parsed.hostname or "") or " " in value:
        raise CodedValueError("url")
    return value


def _check_region(value: str) -> str:
    for region in REGIONS:
        if region.casefold() == value.casefold():
            return region
    raise CodedValueError("region", {"expected": list(REGIONS)})


def _money(value: Decimal) -> Decimal:
    if not value.is_finite():
        raise CodedValueError("finite")
    # Size first: quantizing a value of more than 28 digits raises decimal.InvalidOperation.
    if abs(value) >= Decimal("1e12"):
        raise CodedValueError("too_large")
    if value != value.quantize(Decimal("0.01")):
        raise CodedValueError("cents")
    return value.quantize(Decimal("0.01"))


# Every stored date lies in these years: the frames hold datetime64[ns] (1677 to 2262), and a
# year-1 or year-9999 date, surely a typo, would break every page reading it afterwards.
FIRST_DAY = date(1900, 1, 1)
LAST_DAY = date(2199, 12, 31)


def date_in_range(value: date | datetime) -> bool:
    """The one date rule for every date of every kind (form, service, import): within FIRST_DAY..LAST_DAY.

    A datetime is judged by its UTC day (a naive one read in the business timezone).
    """
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=business_timezone())
        try:
            value = value.astimezone(UTC).date()
        except OverflowError:
            return False
    return FIRST_DAY <= value <= LAST_DAY


def _in_range(value: date) -> date:
    if not date_in_range(value):
        raise CodedValueError("year_range", {"first": FIRST_DAY.year, "last": LAST_DAY.year})
    return value


def text_problem(value: str) -> str | None:
    """The error code saying why no database can take `value` (`nul` for PostgreSQL, `bad_character`
    for a lone surrogate UTF-8 cannot encode), else None."""
    if "\x00" in value:
        return "nul"
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return "bad_character"
    return None


def _storable_text(value: Any) -> Any:
    problem = text_problem(value) if isinstance(value, str) else None
    if problem is not None:
        raise CodedValueError(problem)
    return value


# Text fields by length, as type aliases (a call inside an annotation is not a type for mypy).
Text40: TypeAlias = Annotated[str, AfterValidator(_one_line), BeforeValidator(_blank_to_none), Field(min_length=1, max_length=40)]
Text200: TypeAlias = Annotated[
    str,
    AfterValidator(_one_line),
    BeforeValidator(_blank_to_none),
    Field(min_length=1, max_length=200),
]
Text300: TypeAlias = Annotated[
    str,
    AfterValidator(_any_lines),
    BeforeValidator(_blank_to_none),
    Field(min_length=1, max_length=300),
]
OptText60: TypeAlias = Annotated[
    Annotated[str, Field(max_length=60)] | None,
    AfterValidator(_one_line),
    BeforeValidator(_blank_to_none),
]
OptText80: TypeAlias = Annotated[
    Annotated[str, Field(max_length=80)] | None,
    AfterValidator(_one_line),
    BeforeValidator(_blank_to_none),
]
OptText100: TypeAlias = Annotated[
    Annotated[str, Field(max_length=100)] | None,
    AfterValidator(_one_line),
    BeforeValidator(_blank_to_none),
]
OptText300: TypeAlias = Annotated[
    Annotated[str, Field(max_length=300)] | None,
    AfterValidator(_any_lines),
    BeforeValidator(_blank_to_none),
]
OptText: TypeAlias = Annotated[
    Annotated[str, Field(max_length=100_000)] | None,
    AfterValidator(_any_lines),
    BeforeValidator(_blank_to_none),
]
OptStr: TypeAlias = OptText
Email = Annotated[str, BeforeValidator(_blank_to_none), AfterValidator(_check_email)]
OptEmail = Annotated[str | None, BeforeValidator(_blank_to_none), AfterValidator(lambda v: v if v is None else _check_email(v))]
OptPhone = Annotated[str | None, BeforeValidator(_blank_to_none), AfterValidator(lambda v: v if v is None else _check_phone(v))]
OptUrl = Annotated[str | None, BeforeValidator(_blank_to_none), AfterValidator(lambda v: v if v is None else _check_url(v))]
OptTaxId = Annotated[
    str | None, BeforeValidator(_blank_to_none), AfterValidator(lambda v: v if v is None else normalise_tax_id(v))
]
OptRegion = Annotated[str | None, BeforeValidator(_blank_to_none), AfterValidator(lambda v: v if v is None else _check_region(v))]
# Strict at the service boundary: True is not invoice 1, "1" is not version 1, 12.0 employees is not 12.
Whole = Annotated[int, Strict()]
Flag = Annotated[bool, Strict()]
_PLAIN_NUMBER_RE = re.compile(r"^[+-]?(?:\d+(?:\.\d*)?|\.\d+)$", re.ASCII)


def _amount_input(value: Any) -> Any:
    """An amount is a number or a plain `1234.56` text (ASCII digits): never a bool, `1_000` or other digits."""
    if isinstance(value, bool) or (isinstance(value, str) and not _PLAIN_NUMBER_RE.match(value.strip())):
        raise CodedValueError("number", {"value": value})
    return value


def _date_input(value: Any) -> Any:
    """A date is a date (or ISO text), never a number read as seconds since 1970."""
    if isinstance(value, bool | int | float | Decimal):
        raise CodedValueError("date_type")
    return value


Money = Annotated[Decimal, BeforeValidator(_amount_input), AfterValidator(_money)]
Day = Annotated[date, BeforeValidator(_date_input), AfterValidator(_in_range)]


def _aware(value: datetime) -> datetime:
    """Naive times are read in the business timezone (Europe/Madrid unless CRM_TIMEZONE)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=business_timezone())
    return _in_range(value)  # type: ignore[return-value]  # judged by its UTC day (date_in_range)


AwareDatetime = Annotated[datetime, BeforeValidator(_date_input), AfterValidator(_aware)]


class Schema(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, validate_default=True, use_enum_values=False)

    @field_validator("*", mode="before")
    @classmethod
    def _storable(cls, value: Any) -> Any:
        return _storable_text(value)


# ---------------------------------------------------------------- clients


class ClientFields(Schema):
    company_name: Text200
    email: Email
    phone: OptPhone = None
    address: OptText300 = None
    tax_id: OptTaxId = None
    status: ClientStatus = ClientStatus.PROSPECT
    segment: OptText60 = None
    industry: OptText80 = None
    company_size: CompanySize | None = None
    region: OptRegion = None
    city: OptText100 = None
    website: OptUrl = None
    linkedin: OptUrl = None
    employees: Annotated[Whole | None, Field(ge=0, le=10_000_000)] = None
    owner: OptText100 = None
    payment_terms_days: Annotated[Whole, Field(ge=0, le=365)] = 30

    @field_validator("company_size", "status", mode="before")
    @classmethod
    def _blank_enum(cls, value: Any) -> Any:
        return _blank_to_none(value)


class ClientCreate(ClientFields):
    created_at: AwareDatetime | None = None


class ClientUpdate(Schema):
    """A partial edit: only the fields given are changed."""

    company_name: Text200 | None = None
    email: Email | None = None
    phone: OptPhone = None
    address: OptText300 = None
    tax_id: OptTaxId = None
    status: ClientStatus | None = None
    segment: OptText60 = None
    industry: OptText80 = None
    company_size: CompanySize | None = None
    region: OptRegion = None
    city: OptText100 = None
    website: OptUrl = None
    linkedin: OptUrl = None
    employees: Annotated[Whole | None, Field(ge=0, le=10_000_000)] = None
    owner: OptText100 = None
    payment_terms_days: Annotated[Whole | None, Field(ge=0, le=365)] = None

    @model_validator(mode="after")
    def _required_stay_set(self) -> Self:
        for name in ("company_name", "email", "status", "payment_terms_days"):
            if name in self.model_fields_set and getattr(self, name) is None:
                raise CodedValueError("cannot_empty", field=name)
        return self


class ClientOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    client_id: int
    company_name: str
    email: str
    phone: str | None
    address: str | None
    tax_id: str | None
    status: str
    segment: str | None
    industry: str | None
    company_size: str | None
    region: str | None
    city: str | None
    website: str | None
    linkedin: str | None
    employees: int | None
    owner: str | None
    payment_terms_days: int
    created_at: datetime
    updated_at: datetime
    version: int


# ---------------------------------------------------------------- contacts


class ContactCreate(Schema):
    client_id: Whole
    full_name: Text200
    role: OptText100 = None
    email: OptEmail = None
    phone: OptPhone = None
    whatsapp: OptPhone = None
    is_primary: Flag = False
    is_billing: Flag = False
    notes: OptStr = None


class ContactUpdate(Schema):
    full_name: Text200 | None = None
    role: OptText100 = None
    email: OptEmail = None
    phone: OptPhone = None
    whatsapp: OptPhone = None
    is_primary: Flag | None = None
    is_billing: Flag | None = None
    notes: OptStr = None

    @model_validator(mode="after")
    def _required_stay_set(self) -> Self:
        for name in ("full_name", "is_primary", "is_billing"):
            if name in self.model_fields_set and getattr(self, name) is None:
                raise CodedValueError("cannot_empty", field=name)
        return self


class ContactOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    contact_id: int
    client_id: int
    full_name: str
    role: str | None
    email: str | None
    phone: str | None
    whatsapp: str | None
    is_primary: bool
    is_billing: bool
    last_interaction_at: datetime | None
    notes: str | None


# ---------------------------------------------------------------- activities


class ActivityCreate(Schema):
    client_id: Whole
    contact_id: Whole | None = None
    kind: ActivityKind
    title: Text200
    description: OptStr = None
    occurred_at: AwareDatetime
    duration_min: Annotated[Whole | None, Field(ge=0, le=24 * 60)] = None
    owner: OptText100 = None
    done: Flag = True
    outcome: OptText300 = None
    follow_up_on: Day | None = None

    @model_validator(mode="after")
    def _follow_up_not_before(self) -> Self:
        if self.follow_up_on is not None:
            occurred_local = self.occurred_at.astimezone(business_timezone()).date()
            if self.follow_up_on < occurred_local:
                raise CodedValueError("follow_up_before", field="follow_up_on")
        return self


class ActivityDone(Schema):
    """What may be said when a task is marked done (longer outcomes are cut to the column's 300)."""

    outcome: OptStr = None


class ActivityOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    activity_id: int
    client_id: int
    contact_id: int | None
    kind: str
    title: str
    description: str | None
    occurred_at: datetime
    duration_min: int | None
    owner: str | None
    done: bool
    outcome: str | None
    follow_up_on: date | None


# ---------------------------------------------------------------- opportunities


def close_date_problem(closed_at: date, created_at: datetime) -> str | None:
    """The one close-date rule (create_opportunity, mark_won, mark_lost, import): the error code when
    `closed_at` is before the day the opportunity was created, else None."""
    if closed_at < created_at.astimezone(business_timezone()).date():
        return "before_created"
    return None


class OpportunityCreate(Schema):
    client_id: Whole
    contact_id: Whole | None = None
    name: Text200
    description: OptStr = None
    amount: Annotated[Money, Field(ge=0)]
    stage: Stage = Stage.IDENTIFIED
    probability: Annotated[Whole | None, Field(ge=0, le=100)] = None
    expected_close: Day | None = None
    closed_at: Day | None = None
    won_amount: Annotated[Money | None, Field(ge=0)] = None
    lost_reason: OptText300 = None
    owner: OptText100 = None
    notes: OptStr = None
    created_at: AwareDatetime | None = None

    @model_validator(mode="after")
    def _consistent_stage(self) -> Self:
        if self.probability is None:
            self.probability = DEFAULT_STAGE_PROBABILITY[self.stage]
        if self.stage == Stage.WON:
            if self.won_amount is None:
                raise CodedValueError("required_for_stage", {"stage": "won"}, field="won_amount")
            if self.closed_at is None:
                raise CodedValueError("required_for_stage", {"stage": "won"}, field="closed_at")
        elif self.stage == Stage.LOST:
            if not self.lost_reason:
                raise CodedValueError("required_for_stage", {"stage": "lost"}, field="lost_reason")
            if self.closed_at is None:
                raise CodedValueError("required_for_stage", {"stage": "lost"}, field="closed_at")
        else:
            for name in ("closed_at", "won_amount", "lost_reason"):
                if getattr(self, name) not in (None, ""):
                    raise CodedValueError("only_when_closed", field=name)
        if self.closed_at is not None:
            if self.created_at is None and self.closed_at < datetime.now(business_timezone()).date():
                # A deal recorded already closed (a form, an old CRM's export) was created by its close at the latest.
                self.created_at = datetime.combine(self.closed_at, time(12), tzinfo=business_timezone())
            problem = close_date_problem(self.closed_at, self.created_at or datetime.now(UTC))
            if problem is not None:
                raise CodedValueError(problem, field="closed_at")
        return self


class OpportunityUpdate(Schema):
    """Edits that do not change the stage (use move_opportunity / mark_won / mark_lost)."""

    contact_id: Whole | None = None
    name: Text200 | None = None
    description: OptStr = None
    amount: Annotated[Money | None, Field(ge=0)] = None
    probability: Annotated[Whole | None, Field(ge=0, le=100)] = None
    expected_close: Day | None = None
    owner: OptText100 = None
    notes: OptStr = None

    @model_validator(mode="after")
    def _required_stay_set(self) -> Self:
        for name in ("name", "amount", "probability"):
            if name in self.model_fields_set and getattr(self, name) is None:
                raise CodedValueError("cannot_empty", field=name)
        return self


class StageMove(Schema):
    stage: Stage
    probability: Annotated[Whole | None, Field(ge=0, le=100)] = None
    changed_at: AwareDatetime | None = None

    @field_validator("stage")
    @classmethod
    def _open_only(cls, value: Stage) -> Stage:
        if value.is_closed:
            raise CodedValueError("use_close")
        return value


class WonClose(Schema):
    won_amount: Annotated[Money, Field(ge=0)]
    closed_at: Day | None = None


class LostClose(Schema):
    lost_reason: Text300
    closed_at: Day | None = None


class OpportunityOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    opportunity_id: int
    client_id: int
    contact_id: int | None
    name: str
    description: str | None
    amount: Decimal
    stage: str
    probability: int
    expected_close: date | None
    closed_at: date | None
    won_amount: Decimal | None
    lost_reason: str | None
    owner: str | None
    notes: str | None
    created_at: datetime
    version: int


# ---------------------------------------------------------------- billing


class InvoiceCreate(Schema):
    client_id: Whole
    number: Text40
    issue_date: Day
    due_date: Day | None = None
    total: Money
    credit_note: Flag = False
    void: Flag = False

    @model_validator(mode="after")
    def _check(self) -> Self:
        if self.total == 0:
            raise CodedValueError("zero_total", field="total")
        if self.total < 0 and not self.credit_note:
            raise CodedValueError("negative_total", field="total")
        if self.total > 0 and self.credit_note:
            raise CodedValueError("credit_note_total", field="total")
        if self.due_date is not None and self.due_date < self.issue_date:
            raise CodedValueError("due_before_issue", field="due_date")
        return self


class InvoiceOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    invoice_id: int
    client_id: int
    number: str
    issue_date: date
    due_date: date
    total: Decimal
    credit_note: bool
    void: bool


class PaymentCreate(Schema):
    invoice_id: Whole
    paid_on: Day
    amount: Annotated[Money, Field(gt=0)]
    method: PaymentMethod | None = None

    @field_validator("method", mode="before")
    @classmethod
    def _blank_method(cls, value: Any) -> Any:
        return _blank_to_none(value)


class PaymentOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    payment_id: int
    invoice_id: int
    paid_on: date
    amount: Decimal
    method: str | None


# ---------------------------------------------------------------- parsing helpers

M = TypeVar("M", bound=BaseModel)

# pydantic's error types and the code each one is said with (crm_core.i18n.catalogue `error.<code>`).
_PYDANTIC_CODES: dict[str, str] = {
    "missing": "required",
    "extra_forbidden": "unknown_field",
    "enum": "unknown_value",
    "literal_error": "unknown_value",
    "too_long": "too_long",
    "string_too_long": "too_long",
    "string_too_short": "required",
    "greater_than": "greater_than",
    "greater_than_equal": "min",
    "less_than_equal": "max",
    "int_parsing": "whole_number",
    "int_from_float": "whole_number",
    "int_type": "whole_number",
    "decimal_parsing": "number",
    "decimal_type": "number",
    "float_parsing": "number",
    "float_type": "number",
    "string_type": "text",
    "bool_parsing": "yes_no",
    "bool_type": "yes_no",
}
# The ctx key of a bound (pydantic's `gt`, `ge`, `le`): the catalogue says it as `{limit}`.
_LIMIT_KEYS = ("gt", "ge", "le")


def _location(err: Mapping[str, Any]) -> str | None:
    loc = [str(part) for part in err.get("loc", ()) if not isinstance(part, int)]
    # Annotated validators add the type name to the location (e.g. 'function-after').
    loc = [part for part in loc if not part.startswith(("function-", "constrained-"))]
    return loc[0] if loc else None


def _shown_input(value: Any) -> Any:
    """The input as an error param: a JSON scalar as it is, anything else as its repr."""
    return value if value is None or isinstance(value, bool | int | float | str) else repr(value)


def _enum_values(model: type[BaseModel] | None, field: str | None) -> list[str] | None:
    """The values of the enum a model's field takes, when known."""
    if model is None or field is None or field not in model.model_fields:
        return None
    pending: list[Any] = [model.model_fields[field].annotation]
    while pending:
        kind = pending.pop()
        if isinstance(kind, type) and issubclass(kind, Enum):
            return [str(member.value) for member in kind]
        pending.extend(get_args(kind))
    return None


def field_error(err: Mapping[str, Any], model: type[BaseModel] | None = None) -> FieldError:
    """One pydantic error as a FieldError with a code and params, naming its field.

    A project validator's CodedValueError keeps its own code (and, for a whole-model check, the
    field it names); pydantic's own errors are mapped by their `type`.
    """
    field = _location(err)
    ctx = err.get("ctx") or {}
    raised = ctx.get("error")
    if isinstance(raised, CodedValueError):
        return FieldError(field or raised.field or "input", raised.code, raised.params)
    name = field or "input"
    kind = str(err.get("type", ""))
    value = err.get("input")
    if kind == "missing" or (value is None and kind != "extra_forbidden"):
        return FieldError(name, "required")  # an empty box: say what the user did, not the type
    code = _PYDANTIC_CODES.get(kind)
    if code is None and kind.startswith(("date", "datetime", "time")):
        code = "date"
    if code == "unknown_value":
        expected = _enum_values(model, field) or [str(ctx.get("expected", ""))]
        return FieldError(name, code, {"value": _shown_input(value), "one_of": expected})
    if code == "too_long":
        return FieldError(name, code, {"max_length": ctx.get("max_length")})
    if code in ("greater_than", "min", "max"):
        return FieldError(name, code, {"limit": next((ctx[key] for key in _LIMIT_KEYS if key in ctx), None)})
    if code in ("whole_number", "number", "date", "yes_no"):
        return FieldError(name, code, {"value": _shown_input(value)})
    if code == "text":
        return FieldError(name, code, {"type": type(value).__name__})
    if code is not None:
        return FieldError(name, code)
    return FieldError(name, "invalid", {"reason": str(err.get("msg", "is not valid")).removeprefix("Value error, ")})


def to_field_errors(exc: PydanticValidationError, model: type[BaseModel] | None = None) -> list[FieldError]:
    """Every problem pydantic found, as FieldErrors with codes (`model` lets an enum error list its values)."""
    return [field_error(err, model) for err in exc.errors()]


def parse(model: type[M], payload: M | dict[str, Any] | BaseModel) -> M:
    """Validate `payload` as `model`, raising the domain ValidationError naming each field."""
    if isinstance(payload, model):
        return payload
    if isinstance(payload, BaseModel):
        payload = payload.model_dump(exclude_unset=True)
    if not isinstance(payload, dict):
        raise ValidationError.on("input", "mapping", type=type(payload).__name__)
    try:
        return model.model_validate(payload)
    except PydanticValidationError as exc:
        raise ValidationError(to_field_errors(exc, model)) from None

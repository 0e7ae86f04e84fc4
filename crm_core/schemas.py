"""pydantic v2 models that validate every write entering the system (forms, CSV, scripts)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime, timezone
from decimal import Decimal
from enum import Enum
from typing import Annotated, Any, Self, TypeVar, get_args
from urllib.parse import urlparse

from email_validator import EmailNotValidError, validate_email
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
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


# Invisible characters a paste can bring along (zero-width space and joiners, word joiner, BOM):
# trimmed from the ends like spaces, so a name made only of them counts as blank.
_INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff"


def trim_text(value: str) -> str:
    """`value` without spaces or invisible characters at either end."""
    previous = None
    while previous != value:
        previous, value = value, value.strip().strip(_INVISIBLE)
    return value


def _blank_to_none(value: Any) -> Any:
    if isinstance(value, str):
        return trim_text(value) or None
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


def _in_range(value: date) -> date:
    if not FIRST_DAY <= value <= LAST_DAY:
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


def text(max_length: int) -> Any:
    """A required text field: blank counts as missing."""
    return Annotated[str, BeforeValidator(_blank_to_none), Field(min_length=1, max_length=max_length)]


def opt_text(max_length: int = 100_000) -> Any:
    """An optional text field: blank is stored as empty (NULL)."""
    return Annotated[
        Annotated[str, Field(max_length=max_length)] | None, BeforeValidator(_blank_to_none)
    ]


OptStr = opt_text()
Email = Annotated[str, BeforeValidator(_blank_to_none), AfterValidator(_check_email)]
OptEmail = Annotated[str | None, BeforeValidator(_blank_to_none), AfterValidator(lambda v: v if v is None else _check_email(v))]
OptPhone = Annotated[str | None, BeforeValidator(_blank_to_none), AfterValidator(lambda v: v if v is None else _check_phone(v))]
OptUrl = Annotated[str | None, BeforeValidator(_blank_to_none), AfterValidator(lambda v: v if v is None else _check_url(v))]
OptTaxId = Annotated[str | None, BeforeValidator(_blank_to_none), AfterValidator(lambda v: v if v is None else normalise_tax_id(v))]
OptRegion = Annotated[str | None, BeforeValidator(_blank_to_none), AfterValidator(lambda v: v if v is None else _check_region(v))]
Money = Annotated[Decimal, AfterValidator(_money)]
Day = Annotated[date, AfterValidator(_in_range)]


def _aware(value: datetime) -> datetime:
    """Naive times are read in the business timezone (Europe/Madrid unless CRM_TIMEZONE)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=business_timezone())
    try:
        _in_range(value.astimezone(timezone.utc).date())
    except OverflowError:
        raise CodedValueError("year_range", {"first": FIRST_DAY.year, "last": LAST_DAY.year}) from None
    return value


AwareDatetime = Annotated[datetime, AfterValidator(_aware)]


class Schema(BaseModel):
    model_config = ConfigDict(
        extra="forbid", str_strip_whitespace=True, validate_default=True, use_enum_values=False
    )

    @field_validator("*", mode="before")
    @classmethod
    def _storable(cls, value: Any) -> Any:
        return _storable_text(value)


# ---------------------------------------------------------------- clients


class ClientFields(Schema):
    company_name: text(200)
    email: Email
    phone: OptPhone = None
    address: opt_text(300) = None
    tax_id: OptTaxId = None
    status: ClientStatus = ClientStatus.PROSPECT
    segment: opt_text(60) = None
    industry: opt_text(80) = None
    company_size: CompanySize | None = None
    region: OptRegion = None
    city: opt_text(100) = None
    website: OptUrl = None
    linkedin: OptUrl = None
    employees: Annotated[int | None, Field(ge=0, le=10_000_000)] = None
    owner: opt_text(100) = None
    payment_terms_days: Annotated[int, Field(ge=0, le=365)] = 30

    @field_validator("company_size", "status", mode="before")
    @classmethod
    def _blank_enum(cls, value: Any) -> Any:
        return _blank_to_none(value)


class ClientCreate(ClientFields):
    created_at: AwareDatetime | None = None


class ClientUpdate(Schema):
    """A partial edit: only the fields given are changed."""

    company_name: text(200) | None = None
    email: Email | None = None
    phone: OptPhone = None
    address: opt_text(300) = None
    tax_id: OptTaxId = None
    status: ClientStatus | None = None
    segment: opt_text(60) = None
    industry: opt_text(80) = None
    company_size: CompanySize | None = None
    region: OptRegion = None
    city: opt_text(100) = None
    website: OptUrl = None
    linkedin: OptUrl = None
    employees: Annotated[int | None, Field(ge=0, le=10_000_000)] = None
    owner: opt_text(100) = None
    payment_terms_days: Annotated[int | None, Field(ge=0, le=365)] = None

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


class ClientPage(BaseModel):
    items: list[ClientOut]
    total: int
    page: int
    page_size: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.page_size))


# ---------------------------------------------------------------- contacts


class ContactCreate(Schema):
    client_id: int
    full_name: text(200)
    role: opt_text(100) = None
    email: OptEmail = None
    phone: OptPhone = None
    whatsapp: OptPhone = None
    is_primary: bool = False
    is_billing: bool = False
    notes: OptStr = None


class ContactUpdate(Schema):
    full_name: text(200) | None = None
    role: opt_text(100) = None
    email: OptEmail = None
    phone: OptPhone = None
    whatsapp: OptPhone = None
    is_primary: bool | None = None
    is_billing: bool | None = None
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
    client_id: int
    contact_id: int | None = None
    kind: ActivityKind
    title: text(200)
    description: OptStr = None
    occurred_at: AwareDatetime
    duration_min: Annotated[int | None, Field(ge=0, le=24 * 60)] = None
    owner: opt_text(100) = None
    done: bool = True
    outcome: opt_text(300) = None
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


class OpportunityCreate(Schema):
    client_id: int
    contact_id: int | None = None
    name: text(200)
    description: OptStr = None
    amount: Annotated[Money, Field(ge=0)]
    stage: Stage = Stage.IDENTIFIED
    probability: Annotated[int | None, Field(ge=0, le=100)] = None
    expected_close: Day | None = None
    closed_at: Day | None = None
    won_amount: Annotated[Money | None, Field(ge=0)] = None
    lost_reason: opt_text(300) = None
    owner: opt_text(100) = None
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
        return self


class OpportunityUpdate(Schema):
    """Edits that do not change the stage (use move_opportunity / mark_won / mark_lost)."""

    contact_id: int | None = None
    name: text(200) | None = None
    description: OptStr = None
    amount: Annotated[Money | None, Field(ge=0)] = None
    probability: Annotated[int | None, Field(ge=0, le=100)] = None
    expected_close: Day | None = None
    owner: opt_text(100) = None
    notes: OptStr = None

    @model_validator(mode="after")
    def _required_stay_set(self) -> Self:
        for name in ("name", "amount", "probability"):
            if name in self.model_fields_set and getattr(self, name) is None:
                raise CodedValueError("cannot_empty", field=name)
        return self


class StageMove(Schema):
    stage: Stage
    probability: Annotated[int | None, Field(ge=0, le=100)] = None
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
    lost_reason: text(300)
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
    client_id: int
    number: text(40)
    issue_date: Day
    due_date: Day | None = None
    total: Money
    credit_note: bool = False
    void: bool = False

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
    invoice_id: int
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

"""pydantic v2 models that validate every write entering the system (forms, CSV, scripts)."""

from __future__ import annotations

import re
from datetime import date, datetime, timezone
from decimal import Decimal
from typing import Annotated, Any, Self, TypeVar
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
from crm_core.errors import FieldError, ValidationError
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
        raise ValueError(f"not a valid email address ({exc})") from None
    return result.normalized.lower()


def _check_phone(value: str) -> str:
    if not _PHONE_RE.match(value) or sum(ch.isdigit() for ch in value) < 6:
        raise ValueError("not a valid phone number (digits, spaces, + - ( ) only, at least 6 digits)")
    return value


URL_MAX_LENGTH = 300  # the width of the website and linkedin columns


def _check_url(value: str) -> str:
    if "://" not in value:
        value = "https://" + value
    if len(value) > URL_MAX_LENGTH:
        raise ValueError(f"must be at most {URL_MAX_LENGTH} characters")
    parsed = urlparse(value)
    if parsed.scheme not in ("http", "https") or "." not in (parsed.hostname or "") or " " in value:
        raise ValueError("not a valid web address")
    return value


def _check_region(value: str) -> str:
    for region in REGIONS:
        if region.casefold() == value.casefold():
            return region
    raise ValueError("unknown region; expected one of: " + ", ".join(REGIONS))


def _money(value: Decimal) -> Decimal:
    if not value.is_finite():
        raise ValueError("must be a finite amount")
    # Size first: quantizing a value of more than 28 digits raises decimal.InvalidOperation.
    if abs(value) >= Decimal("1e12"):
        raise ValueError("is too large")
    if value != value.quantize(Decimal("0.01")):
        raise ValueError("must have at most 2 decimals (cents)")
    return value.quantize(Decimal("0.01"))


# Every stored date lies in these years: the frames hold datetime64[ns] (1677 to 2262), and a
# year-1 or year-9999 date, surely a typo, would break every page reading it afterwards.
FIRST_DAY = date(1900, 1, 1)
LAST_DAY = date(2199, 12, 31)


def _in_range(value: date) -> date:
    if not FIRST_DAY <= value <= LAST_DAY:
        raise ValueError(f"must be between {FIRST_DAY.year} and {LAST_DAY.year}")
    return value


def text_problem(value: str) -> str | None:
    """Why no database can take `value` (a NUL character for PostgreSQL, a lone surrogate for UTF-8), else None."""
    if "\x00" in value:
        return "must not contain a NUL character"
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return "contains an invalid character (a lone UTF-16 surrogate)"
    return None


def _storable_text(value: Any) -> Any:
    problem = text_problem(value) if isinstance(value, str) else None
    if problem is not None:
        raise ValueError(problem)
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
        raise ValueError(f"must be between {FIRST_DAY.year} and {LAST_DAY.year}") from None
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
                raise ValueError(f"{name} is required and cannot be emptied")
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
                raise ValueError(f"{name} is required and cannot be emptied")
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
                raise ValueError("follow_up_on must not be before the activity's date")
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
                raise ValueError("won_amount is required for a won opportunity")
            if self.closed_at is None:
                raise ValueError("closed_at is required for a won opportunity")
        elif self.stage == Stage.LOST:
            if not self.lost_reason:
                raise ValueError("lost_reason is required for a lost opportunity")
            if self.closed_at is None:
                raise ValueError("closed_at is required for a lost opportunity")
        else:
            if self.closed_at is not None or self.won_amount is not None or self.lost_reason:
                raise ValueError("closed_at, won_amount and lost_reason are only for won or lost opportunities")
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
                raise ValueError(f"{name} is required and cannot be emptied")
        return self


class StageMove(Schema):
    stage: Stage
    probability: Annotated[int | None, Field(ge=0, le=100)] = None
    changed_at: AwareDatetime | None = None

    @field_validator("stage")
    @classmethod
    def _open_only(cls, value: Stage) -> Stage:
        if value.is_closed:
            raise ValueError("use mark_won or mark_lost to close an opportunity")
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
            raise ValueError("total must not be zero")
        if self.total < 0 and not self.credit_note:
            raise ValueError("total may be negative only for a credit note")
        if self.total > 0 and self.credit_note:
            raise ValueError("a credit note's total must be negative")
        if self.due_date is not None and self.due_date < self.issue_date:
            raise ValueError("due_date must not be before issue_date")
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

# Cross-field checks name the field they are about, so the user sees where to look.
_MODEL_ERROR_FIELDS = (
    "due_date",
    "follow_up_on",
    "won_amount",
    "lost_reason",
    "closed_at",
    "total",
    "company_name",
    "email",
    "status",
    "payment_terms_days",
    "full_name",
    "is_primary",
    "is_billing",
    "name",
    "amount",
    "probability",
)


def _field_of(err: dict[str, Any]) -> str:
    loc = [str(part) for part in err.get("loc", ()) if not isinstance(part, int)]
    # Annotated validators add the type name to the location (e.g. 'function-after').
    loc = [part for part in loc if not part.startswith(("function-", "constrained-"))]
    if loc:
        return loc[0]
    message = str(err.get("msg", ""))
    for name in _MODEL_ERROR_FIELDS:
        if name in message:
            return name
    return "input"


def _message_of(err: dict[str, Any]) -> str:
    kind = err.get("type", "")
    if kind == "missing" or (kind == "string_type" and err.get("input") is None):
        return "is required"
    if kind == "extra_forbidden":
        return "is not a known field"
    if kind == "enum":
        expected = err.get("ctx", {}).get("expected", "")
        return f"unknown value {err.get('input')!r}; expected {expected}"
    ctx = err.get("ctx", {})
    if kind in ("too_long", "string_too_long"):
        return f"must be at most {ctx.get('max_length')} characters"
    if kind == "greater_than":
        return f"must be greater than {ctx.get('gt')}"
    if kind == "greater_than_equal":
        return f"must be {ctx.get('ge')} or more"
    if kind == "less_than_equal":
        return f"must be {ctx.get('le')} or less"
    if kind in ("int_parsing", "int_from_float", "int_type"):
        return f"must be a whole number, got {err.get('input')!r}"
    if kind in ("decimal_parsing", "decimal_type", "float_parsing"):
        return f"must be a number, got {err.get('input')!r}"
    if kind.startswith("date") or kind.startswith("datetime"):
        return f"is not a valid date, got {err.get('input')!r}"
    msg = str(err.get("msg", "is not valid"))
    return msg.removeprefix("Value error, ")


def to_field_errors(exc: PydanticValidationError) -> list[FieldError]:
    return [FieldError(_field_of(err), _message_of(err)) for err in exc.errors()]


def parse(model: type[M], payload: M | dict[str, Any] | BaseModel) -> M:
    """Validate `payload` as `model`, raising the domain ValidationError naming each field."""
    if isinstance(payload, model):
        return payload
    if isinstance(payload, BaseModel):
        payload = payload.model_dump(exclude_unset=True)
    if not isinstance(payload, dict):
        raise ValidationError(f"expected a mapping of fields, got {type(payload).__name__}")
    try:
        return model.model_validate(payload)
    except PydanticValidationError as exc:
        raise ValidationError(to_field_errors(exc)) from None

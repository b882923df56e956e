"""API v1 shapes of analytics."""

import enum
import uuid
from datetime import date
from decimal import Decimal

from ninja import Field, Schema

from stampcard.analytics.periods import PeriodKind
from stampcard.api.schemas import RequestSchema
from stampcard.api.types import MONEY_MAX, Day, StrictInt


class AnalyticsTable(enum.StrEnum):
    """The tables of the summary: the names of ``stampcard.analytics.tables.TABLES``."""

    FIGURES = "figures"
    DAYS = "days"
    HOURS = "hours"
    LOTTERY = "lottery"
    CONVERSION = "conversion"
    PROGRESS = "progress"
    ROI = "roi"


class SummaryQuery(Schema):
    period: PeriodKind = Field(PeriodKind.WEEK, description="day, week (Monday to Sunday), month or custom.")
    day_from: Day | None = Field(
        None, alias="from", description="A day in the period (today by default); the first day of a custom one."
    )
    day_to: Day | None = Field(None, alias="to", description="The last day of a custom period (included).")
    location_id: uuid.UUID | None = None
    staff_id: uuid.UUID | None = Field(None, description="A staff login's id: what it recorded.")


class PeriodOut(Schema):
    kind: str
    first: date
    last: date


class FigureOut(Schema):
    key: str
    label: str
    format: str = Field(..., description="count, ratio (0 to 1) or decimal.")
    value: int | float | None = Field(..., description="null where the figure does not exist under the filter.")
    previous: int | float | None
    change: float | None = Field(..., description="(value - previous) / previous; null without a previous value.")


class DayOut(Schema):
    day: date
    visits: int
    stamps: int
    cards_issued: int
    previous_visits: int | None


class LotteryLineOut(Schema):
    lottery: str
    prize: str
    draws: int
    share: Decimal | None
    odds: Decimal


class ConversionOut(Schema):
    key: str
    label: str
    made: int
    used: int
    rate: Decimal | None
    previous_rate: Decimal | None


class ProgressOut(Schema):
    program: str
    one: int
    two: int
    three: int
    more: int
    total: int


class RoiOut(Schema):
    average_check: int = Field(..., description="Minor units.")
    reward_cost: int = Field(..., description="Minor units.")
    currency: str
    returning_visits: int
    rewards_given: int = Field(..., description="Rewards handed over plus vouchers redeemed.")
    revenue: int = Field(..., description="returning_visits × average_check, minor units.")
    cost: int = Field(..., description="rewards_given × reward_cost, minor units.")
    net: int


class SummaryOut(Schema):
    period: PeriodOut
    previous: PeriodOut
    figures: list[FigureOut]
    days: list[DayOut]
    hours: list[list[int]] = Field(..., description="hours[weekday][hour]: visits; weekday 0 is Monday.")
    lottery: list[LotteryLineOut]
    conversion: list[ConversionOut]
    progress: list[ProgressOut] = Field(..., description="Empty under a location or staff filter.")
    roi: RoiOut


class CsvQuery(SummaryQuery):
    table: AnalyticsTable = Field(AnalyticsTable.FIGURES, description="Which table of the summary.")


class RoiIn(RequestSchema):
    average_check: StrictInt = Field(..., ge=0, le=MONEY_MAX, description="Minor units.")
    reward_cost: StrictInt = Field(..., ge=0, le=MONEY_MAX, description="Minor units.")


class RoiSettingsOut(Schema):
    average_check: int
    reward_cost: int

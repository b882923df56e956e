"""Eight weeks of made-up trading for the demo merchant, so that a new user's dashboard and analytics have figures.

Everything is written through the services the API and the scanner use (join, stamp, hand over, issue and redeem a
voucher, the lottery drawn by a milestone), one simulated moment at a time in ascending order, with the domain clock
(``core.clock``) pinned to that moment: so balances, rewards, voucher validity, lottery caps and the monthly usage
counters come out as they would have. Only ``created_at`` (``auto_now_add``, which reads the real clock) is moved
back afterwards: every tenant row the run wrote gets the moment of the step that wrote it, so ids stay in time
order. A fixed random seed makes every demo the same.

Usage: the demo is on the paid plan, which has no operation cap; the history's operations land in the usage
counters of the months they are dated in (the current month's share included).
"""

import bisect
import heapq
import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.apps import apps
from django.db import models, transaction
from django.db.models import F
from django.utils import timezone

from stampcard.analytics import rollups
from stampcard.analytics.models import RollupCursor
from stampcard.cards import services as cards_services
from stampcard.cards.checks import CheckInput
from stampcard.cards.models import Card, Program, RewardKind
from stampcard.checkouts import services as checkouts_services
from stampcard.core import clock
from stampcard.core.benefit import Benefit
from stampcard.core.validity import Validity
from stampcard.customers.models import Customer
from stampcard.merchants.actors import Actor, Channel
from stampcard.merchants.models import Location, Membership, Merchant, Role
from stampcard.rewards import services as rewards_services
from stampcard.rewards.models import Reward, RewardState
from stampcard.vouchers import issuing as vouchers_issuing
from stampcard.vouchers import services as vouchers_services
from stampcard.vouchers.models import Voucher
from stampcard.vouchers.states import OPEN_STATES

SEED = 8_2026
WEEKS = 8
EXTRA_CUSTOMERS = 60
HISTORY_POS = "demo-history"
# Nothing is dated closer to now than this, so the rollups' settle window never holds history back.
QUIET = timedelta(minutes=10)

FIRST_NAMES_UK = [
    "Олександр", "Андрій", "Дмитро", "Максим", "Богдан", "Юрій", "Назар", "Остап", "Тарас", "Василь",
    "Олена", "Марія", "Наталія", "Оксана", "Ірина", "Софія", "Дарина", "Христина", "Соломія", "Ганна",
]  # fmt: skip
LAST_NAMES_UK = [
    "Коваленко", "Шевченко", "Бойко", "Ткаченко", "Кравчук", "Мельник", "Олійник", "Лисенко", "Савчук", "Гнатюк",
    "Руденко", "Поліщук", "Марченко", "Дорошенко", "Захарченко", "Петренко", "Федоренко", "Гуменюк",
]  # fmt: skip
LATIN_NAMES = [
    "Oksana Melnyk", "Andrii Hnatiuk", "Kateryna Lysenko", "Mykola Rudenko", "Yuliia Savchuk", "Serhii Boiko",
    "Emily Carter", "James Walker", "Sophie Turner", "Daniel Brooks", "Hannah Wright", "Lucas Schneider",
    "Anna Nowak", "Tom Fischer", "Laura Bennett",
]  # fmt: skip

# When a visit happens: opening hours 8:00-21:00 (weekends 9:00-21:00), a morning and a lunch peak.
HOUR_WEIGHTS = {
    8: 9, 9: 12, 10: 7, 11: 5, 12: 9, 13: 10, 14: 6, 15: 4, 16: 4, 17: 5, 18: 5, 19: 3, 20: 1,
}  # fmt: skip
WEEKDAY_WEIGHTS = [1.1, 1.0, 1.05, 1.1, 1.2, 0.75, 0.55]  # Monday first; weekdays busier


@dataclass
class Guest:
    card: Card
    breakfast: Card | None
    joined: datetime
    rate: float  # visits a week
    home: int  # index of the location they mostly visit
    leaves: datetime | None  # stops coming (a lapsed customer)
    vouchers: list[str] = field(default_factory=list)  # codes of vouchers they hold
    waiting: set[Any] = field(default_factory=set)  # rewards already due to be handed over


@dataclass
class HistoryReport:
    customers: int = 0
    visits: int = 0
    rewards_handed_over: int = 0
    vouchers_issued: int = 0
    vouchers_redeemed: int = 0
    steps: int = 0


@dataclass
class _Staff:
    owner: Actor
    cashiers: list[Actor]  # one per location
    joins: Actor  # the public join page

    def at(self, rng: random.Random, location: int) -> Actor:
        """The cashier mostly, the owner now and then."""
        if rng.random() < 0.2:
            return Actor(
                merchant=self.owner.merchant,
                channel=Channel.SCANNER,
                user=self.owner.user,
                membership=self.owner.membership,
                location=self.cashiers[location].location,
            )
        return self.cashiers[location]


class _Timeline:
    """Steps run in ascending simulated order; each one's rows are dated afterwards (``backdate``)."""

    def __init__(self, *, merchant: Merchant) -> None:
        self.merchant = merchant
        self.marks: list[datetime] = []  # real moment each step began
        self.moments: list[datetime] = []  # its simulated moment
        self.started = timezone.now()

    def run(self, moment: datetime, action: Any, *args: Any, **kwargs: Any) -> Any:
        if self.moments and moment < self.moments[-1]:
            raise ValueError(f"history steps must ascend: {moment} after {self.moments[-1]}")
        self.marks.append(timezone.now())
        self.moments.append(moment)
        with clock.frozen_at(moment):
            return action(*args, **kwargs)

    def backdate(self, *, earlier: datetime) -> None:
        """Give every tenant row the run wrote the moment of the step that wrote it, and move the merchant's rows
        from before the run (the merchant, its locations and programs, the seed's own customers) back to just before
        ``earlier``, all by the same shift so that they keep their order."""
        shift = self.started - earlier
        for model in _dated_models():
            rows = model._default_manager.filter(merchant=self.merchant)
            rows.filter(created_at__lt=self.started).update(created_at=F("created_at") - shift)
            changed = []
            for pk, created_at in rows.filter(created_at__gte=self.started).values_list("pk", "created_at"):
                step = bisect.bisect_right(self.marks, created_at) - 1
                changed.append(model(pk=pk, created_at=self.moments[max(step, 0)]))
            model._default_manager.bulk_update(changed, ["created_at"], batch_size=500)
        Merchant.objects.filter(pk=self.merchant.pk).update(created_at=F("created_at") - shift)


def _dated_models() -> list[type[models.Model]]:
    """Concrete models with a merchant and an ``auto_now_add`` created_at: the tenant tables."""
    found = []
    for model in apps.get_models():
        names = {f.name: f for f in model._meta.concrete_fields}
        created = names.get("created_at")
        if "merchant" in names and isinstance(created, models.DateTimeField) and created.auto_now_add:
            found.append(model)
    return found


@transaction.atomic
def history_seed(*, merchant: Merchant, now: datetime | None = None) -> HistoryReport:
    """Add eight weeks of customers, visits, rewards and vouchers to a freshly created demo ``merchant``."""
    now = now or timezone.now()
    rng = random.Random(SEED)
    tz = merchant.tz
    locations = list(Location.objects.filter(merchant=merchant).order_by("created_at", "pk"))
    coffee = Program.objects.get(merchant=merchant, is_default=True)
    breakfast = Program.objects.filter(merchant=merchant, is_default=False).order_by("created_at").first()
    staff = _staff(merchant=merchant, locations=locations)
    first_day = (now.astimezone(tz) - timedelta(weeks=WEEKS)).date()
    opening = datetime.combine(first_day, time(7, 30), tzinfo=tz)
    latest = now - QUIET
    line = _Timeline(merchant=merchant)
    report = HistoryReport()

    guests = [
        _guest(rng, card=card, breakfast=None, joined=opening, locations=len(locations))
        for card in Card.objects.filter(merchant=merchant, program=coffee).order_by("created_at", "pk")
    ]
    for guest in guests:  # the seed's own customers are regulars
        guest.rate = rng.uniform(1.5, 3.0)
        guest.leaves = None
    for guest in guests[:1]:
        guest.breakfast = Card.objects.filter(customer=guest.card.customer, program=breakfast).first()

    # Who joins when: a third in the first fortnight (the launch), then a steady trickle up to today.
    span = (now.astimezone(tz).date() - first_day).days
    days = [
        first_day + timedelta(days=rng.randrange(14) if rng.random() < 0.35 else rng.randrange(span + 1))
        for _ in range(EXTRA_CUSTOMERS)
    ]
    joins = sorted(_moment(rng, day, tz) for day in days)
    people = _people(rng, EXTRA_CUSTOMERS)
    events: list[tuple[datetime, int, str, Any]] = []
    sequence = 0

    def push(moment: datetime, kind: str, payload: Any) -> None:
        nonlocal sequence
        if moment <= latest:
            sequence += 1
            heapq.heappush(events, (moment, sequence, kind, payload))

    for guest in guests:
        for visit in _visits(rng, guest=guest, tz=tz, until=latest):
            push(visit, "visit", guest)
    for moment, person in zip(joins, people, strict=True):
        push(moment, "join", person)

    while events:
        moment, _seq, kind, payload = heapq.heappop(events)
        if kind == "join":
            guest = _join(rng, line, moment, staff=staff, person=payload, breakfast=breakfast, n=len(locations))
            guests.append(guest)
            report.customers += 1
            push(moment + timedelta(minutes=1), "visit", guest)  # joined at the counter: stamped at once
            for visit in _visits(rng, guest=guest, tz=tz, until=latest):
                push(visit, "visit", guest)
        elif kind == "visit":
            for later, what, detail in _visit(rng, line, moment, staff=staff, guest=payload, report=report):
                push(later, what, detail)
        elif kind == "hand_over":
            actor, reward_id = payload
            line.run(moment, rewards_services.reward_hand_over, actor=actor, reward_id=reward_id)
            report.rewards_handed_over += 1
        elif kind == "gift":
            guest = payload
            (voucher,) = [
                line.run(
                    moment,
                    vouchers_issuing.voucher_issue_to_card,
                    actor=staff.owner,
                    card=guest.card,
                    title="A coffee on us",
                    description="Thank you for coming back.",
                    validity=Validity.from_spec({"days": 21}),
                    benefit=Benefit.from_spec({"kind": "percent", "value": 100}),
                )
            ]
            guest.vouchers.append(voucher.code)
    line.backdate(earlier=opening - timedelta(days=3))
    report.steps = len(line.moments)
    report.vouchers_issued = Voucher.objects.filter(merchant=merchant).count()
    # The first look at the dashboard should not wait for the worker. On a fresh database (no rollup cursor yet) the
    # rebuild also sets the cursor, so the worker's first refresh does not rebuild every day again while the web
    # server starts answering (on SQLite that refresh would hold the write lock for seconds).
    if RollupCursor.objects.filter(name=rollups.CURSOR).exists():
        rollups.rollups_rebuild(merchant=merchant)
    else:
        rollups.rollups_rebuild_all()
    return report


def _staff(*, merchant: Merchant, locations: list[Location]) -> _Staff:
    owner = Membership.objects.select_related("user").get(merchant=merchant, role=Role.OWNER)
    cashier = Membership.objects.select_related("user").filter(merchant=merchant, role=Role.CASHIER).first()
    cashier = cashier or owner
    return _Staff(
        owner=Actor(merchant=merchant, channel=Channel.PANEL, user=owner.user, membership=owner),
        cashiers=[
            Actor(merchant=merchant, channel=Channel.SCANNER, user=cashier.user, membership=cashier, location=loc)
            for loc in locations
        ],
        joins=Actor(merchant=merchant, channel=Channel.PUBLIC),
    )


def _people(rng: random.Random, count: int) -> list[dict[str, Any]]:
    """Plausible customers: mostly Ukrainian names, some in Latin letters; some give an email, a phone, consent."""
    people: list[dict[str, Any]] = []
    seen: set[str] = set()
    while len(people) < count:
        if rng.random() < 0.7:
            first, last = rng.choice(FIRST_NAMES_UK), rng.choice(LAST_NAMES_UK)
            name, handle = f"{first} {last}", f"{_latin(first)}.{_latin(last)}"
        else:
            name = rng.choice(LATIN_NAMES)
            handle = name.lower().replace(" ", ".")
        if name in seen:
            continue
        seen.add(name)
        email = f"{handle}@example.com" if rng.random() < 0.55 else None
        phone = f"+38067{rng.randrange(10**7):07d}" if rng.random() < 0.4 else None
        people.append(
            {
                "name": name,
                "email": email,
                "phone": phone,
                "marketing_email_consent": bool(email) and rng.random() < 0.5,
                "breakfast": rng.random() < 0.3,
            }
        )
    return people


LATIN = dict(zip(
    "абвгґдеєжзиіїйклмнопрстуфхцчшщьюя",
    ["a", "b", "v", "h", "g", "d", "e", "ie", "zh", "z", "y", "i", "i", "i", "k", "l", "m", "n", "o", "p", "r", "s",
     "t", "u", "f", "kh", "ts", "ch", "sh", "shch", "", "iu", "ia"],
    strict=True,
))  # fmt: skip


def _latin(word: str) -> str:
    """A Ukrainian name in Latin letters, for a made-up email address."""
    return "".join(LATIN.get(letter, letter) for letter in word.lower())


def _guest(rng: random.Random, *, card: Card, breakfast: Card | None, joined: datetime, locations: int) -> Guest:
    # Most come now and then, a few are regulars; a quarter stop coming after a few weeks.
    rate = rng.choice([0.3, 0.5, 0.7, 1.0, 1.0, 1.5, 2.0, 3.0])
    leaves = joined + timedelta(days=rng.randint(10, 35)) if rng.random() < 0.25 else None
    return Guest(
        card=card,
        breakfast=breakfast,
        joined=joined,
        rate=rate,
        home=rng.randrange(locations),
        leaves=leaves,
    )


def _moment(rng: random.Random, day: date, tz: Any) -> datetime:
    hours = [h for h in HOUR_WEIGHTS if day.weekday() < 5 or h >= 9]
    hour = rng.choices(hours, weights=[HOUR_WEIGHTS[h] for h in hours])[0]
    return datetime.combine(day, time(hour, rng.randrange(60), rng.randrange(EXTRA_CUSTOMERS)), tzinfo=tz)


def _visits(rng: random.Random, *, guest: Guest, tz: Any, until: datetime) -> list[datetime]:
    """The guest's visits after joining: on each day a chance by their rate and the weekday."""
    moments = []
    day = guest.joined.astimezone(tz).date() + timedelta(days=1)
    end = min(until, guest.leaves or until)
    while datetime.combine(day, time(0), tzinfo=tz) < end:
        if rng.random() < guest.rate / 7 * WEEKDAY_WEIGHTS[day.weekday()]:
            moment = _moment(rng, day, tz)
            if moment < end:
                moments.append(moment)
        day += timedelta(days=1)
    return moments


def _join(
    rng: random.Random,
    line: _Timeline,
    moment: datetime,
    *,
    staff: _Staff,
    person: dict[str, Any],
    breakfast: Program | None,
    n: int,
) -> Guest:
    home = rng.randrange(n)
    # Half join from the QR on the counter (the public page), half are signed up by the cashier.
    actor = staff.joins if rng.random() < 0.5 else staff.cashiers[home]
    card = line.run(
        moment,
        cards_services.card_enrol,
        actor=actor,
        name=person["name"],
        email=person["email"],
        phone=person["phone"],
        marketing_email_consent=person["marketing_email_consent"],
    )
    if actor is staff.joins:
        line.run(moment, _accept_terms, card=card)
    second = None
    if breakfast is not None and person["breakfast"]:
        second = line.run(moment, cards_services.card_create, customer=card.customer, program=breakfast, actor=actor)
    guest = _guest(rng, card=card, breakfast=second, joined=moment, locations=n)
    guest.home = home
    return guest


def _accept_terms(*, card: Card) -> None:
    # What the public join page records beside card_enrol (public.services.join_enrol).
    Customer.objects.filter(pk=card.customer_id).update(terms_accepted_at=clock.now())


def _visit(
    rng: random.Random, line: _Timeline, moment: datetime, *, staff: _Staff, guest: Guest, report: HistoryReport
) -> list[tuple[datetime, str, Any]]:
    """One visit: maybe redeem a voucher, stamp the check (and the breakfast card), hand over what is ready."""
    where = guest.home if rng.random() < 0.85 else (guest.home + 1) % len(staff.cashiers)
    actor = staff.at(rng, where)
    total = rng.choice([4500, 6500, 7000, 8500, 9500, 12000, 14500, 18000, 23500])
    report.visits += 1
    external_id = f"demo-{report.visits:05d}"
    if guest.vouchers and rng.random() < 0.7:
        code = guest.vouchers.pop(0)
        voucher = Voucher.objects.filter(merchant=actor.merchant, code=code, state__in=OPEN_STATES).first()
        usable = voucher is not None and voucher.valid_from <= moment
        if usable and voucher is not None and (voucher.expires_at is None or voucher.expires_at > moment):
            line.run(
                moment,
                vouchers_services.voucher_redeem,
                actor=actor,
                code=code,
                check_external_id=external_id,
                check_total=total,
                check_currency="UAH",
            )
            report.vouchers_redeemed += 1
    stamp_at = moment  # the same moment as the redemption: steps must ascend, and the heap holds later ones
    cards = [guest.card] + ([guest.breakfast] if guest.breakfast is not None and rng.random() < 0.6 else [])
    for index, card in enumerate(cards):
        line.run(
            stamp_at,
            checkouts_services.checkout_commit,
            actor=actor,
            card_ref=card.qr_payload,
            check=CheckInput(
                external_id=f"{external_id}-{index}", total=total, currency="UAH", pos=HISTORY_POS, closed_at=stamp_at
            ),
        )
    later: list[tuple[datetime, str, Any]] = []
    ready = Reward.objects.filter(card__in=cards, state=RewardState.READY, kind=RewardKind.AWARD).order_by("pk")
    for reward_id in ready.exclude(pk__in=guest.waiting).values_list("pk", flat=True):
        guest.waiting.add(reward_id)
        # Handed over there and then, now and then only on the next visit's day (the counter list shows it).
        delay = timedelta(minutes=rng.randint(1, 4)) if rng.random() < 0.85 else timedelta(days=rng.randint(1, 3))
        later.append((stamp_at + delay, "hand_over", (actor, reward_id)))
    for card in cards:
        codes = Voucher.objects.filter(card=card, state__in=OPEN_STATES).order_by("pk").values_list("code", flat=True)
        guest.vouchers += [code for code in codes if code not in guest.vouchers]
    if guest.rate >= 1.5 and rng.random() < 0.03:  # the owner thanks a regular now and then
        later.append((moment + timedelta(hours=rng.randint(2, 6)), "gift", guest))
    return later

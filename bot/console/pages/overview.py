"""The Overview (``/console/``): the closed-loop indicators of ``intake report --indicators``
as bar charts per hub, per agency and per month, for one period of the calendar grid.

Every figure comes from the published report (:class:`bot.report.tables.Published`), the
one the command prints, suppression applied: a figure the command hides is a hidden mark
here, in the chart and in the table under it. A hub coordinator gets the report of their
hub (no other hub's figure is ever counted into it); a national coordinator, every hub's.
Reports are served from :class:`bot.service.indicators.IndicatorBoard`, so a figure may be
up to a minute old, which the page says.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from markupsafe import Markup
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from bot.console.access import ConsoleUser, console_page, services_of
from bot.console.render import language_of, render
from bot.i18n.texts import N_, is_rtl, isolate
from bot.report import svg
from bot.report.periods import Period, PeriodError
from bot.report.render import text_cell
from bot.report.tables import ALL, HIDDEN, Published, Table, Value
from bot.service.indicators import IndicatorBoard, board_for

#: Room for a hub's or an agency's name beside its bar.
LABEL_WIDTH = 230
#: What a figure that does not exist (a share of nothing decided) reads.
NONE = "-"
NOT_ROUTED = "unrouted"
NO_HUB = "unknown"
#: The unit after a number of hours in a chart (translators: an abbreviation of "hours").
HOURS = N_("h")

#: (table, column, title, share?, unit) of each chart, per section.
HUB_CHARTS = (
    ("hub", "referrals", N_("Referrals made"), False, ""),
    ("hub", "share acknowledged in time", N_("Acknowledged within the agency's clock"),
     True, ""),
    ("hub", "median hours to acknowledge", N_("Median hours to acknowledge"), False, HOURS),
    ("hub", "share closed in time", N_("Closed within the case deadline"), True, ""),
    ("hub", "share of closed with notice",
     N_("Closed referrals whose outcome reached the referrer"), True, ""),
    ("hub", "overdue now", N_("Overdue now"), False, ""),
)
AGENCY_CHARTS = (
    ("agency", "referrals", N_("Referrals first sent to the agency"), False, ""),
    ("agency", "received", N_("Received (sent, forwarded or escalated to it)"), False, ""),
    ("agency", "share acknowledged in time", N_("Acknowledged within the agency's clock"),
     True, ""),
    ("agency", "median hours to acknowledge", N_("Median hours to acknowledge"), False,
     HOURS),
    ("agency", "overdue now", N_("Held now and overdue"), False, ""),
)
MONTH_CHARTS = (
    ("month", "referrals", N_("Referrals made per month"), False, ""),
    ("month", "share acknowledged in time", N_("Acknowledged within the agency's clock"),
     True, ""),
    ("month", "share of closed with notice",
     N_("Closed referrals whose outcome reached the referrer"), True, ""),
)
#: The headline figures: the "all" row of the period.
TILES = (
    ("referrals", N_("Referrals made")),
    ("share acknowledged in time", N_("Acknowledged within the agency's clock")),
    ("median hours to acknowledge", N_("Median hours to acknowledge")),
    ("share closed in time", N_("Closed within the case deadline")),
    ("share of closed with notice", N_("Outcome reached the referrer (of closed)")),
    ("escalated to backup", N_("Escalated to the backup")),
    ("escalated to coordinator", N_("Escalated to the coordinator")),
    ("overdue now", N_("Overdue now")),
)


@dataclass(frozen=True)
class Chart:
    title: str
    svg: Markup
    rows: tuple[tuple[str, str], ...]  # the figures drawn, as text, for the table under it


@dataclass(frozen=True)
class Section:
    heading: str
    charts: tuple[Chart, ...]


@dataclass(frozen=True)
class Tile:
    label: str
    value: str


def board(request: Request) -> IndicatorBoard:
    """The app's one board (its cache lives as long as the app)."""
    state = request.app.state
    found: IndicatorBoard | None = getattr(state, "indicators", None)
    if found is None:
        found = board_for(services_of(request))
        state.indicators = found
    return found


@console_page()
async def overview(request: Request, user: ConsoleUser) -> Response:
    services = services_of(request)
    lang = language_of(request, user)

    def _(message: str, **params: object) -> str:
        return services.texts.gettext(lang, message, **params)

    indicators = board(request)
    asked = request.query_params.get("period", "").strip()
    choices = await run_in_threadpool(indicators.choices)
    context: dict[str, Any] = {"choices": _grouped(choices, _), "asked": asked}
    try:
        period = indicators.period(asked or None)
    except PeriodError:
        context.update(error=_("%(period)s is not a period of the calendar: choose a month, "
                               "a quarter or a year from the list.", period=asked),
                       chosen=None)
        return render(request, user, "overview.html", context, status=400)
    report = await run_in_threadpool(indicators.report, period, user.hub)
    names = _Names(services.directory, lang, _)
    rtl = is_rtl(lang)
    sections = [Section(_("By agency"), _charts(report, AGENCY_CHARTS, names.agency, _, rtl)),
                Section(_("By month"), _charts(report, MONTH_CHARTS, str, _, rtl))]
    if user.national:
        sections.insert(0, Section(_("By hub"), _charts(report, HUB_CHARTS, names.hub, _, rtl)))
    context.update(
        chosen=period.label, period=_describe(period, _, lang), report=report,
        tiles=_tiles(report, _), sections=sections,
        left_out=_band(report.left_out, _), as_of=report.as_of,
        hidden_note=_("x: hidden. A count from 1 to %(below)s is not shown, nor any figure "
                      "from which one could be worked out in this or any other report; "
                      "medians of fewer than %(k)s are hidden too. -: no figure to give "
                      "(nothing to divide).", below=report.min_count - 1, k=report.min_count),
        no_focal_point=[names.agency(a) for a in report.no_focal_point],
        scope=_("All hubs") if user.national else _("Hub: %(hub)s",
                                                      hub=names.hub(str(user.hub))))
    return render(request, user, "overview.html", context)


class _Names:
    """Hubs and agencies by their names in the reader's language (ids when unknown)."""

    def __init__(self, directory: Any, lang: str, translate: Callable[..., str]) -> None:
        self.directory, self.lang, self._ = directory, lang, translate

    def hub(self, key: str) -> str:
        if key == NO_HUB:
            return self._("no hub recorded")
        found = self.directory.hubs.get(key)
        return str(found.name(self.lang)) if found is not None else key

    def agency(self, key: str) -> str:
        if key == NOT_ROUTED:
            return self._("not routed to an agency")
        found = self.directory.agencies.get(key)
        return str(found.name(self.lang)) if found is not None else key


def _table(report: Published, dimension: str) -> Table | None:
    return next((t for t in report.tables if t.dimension == dimension), None)


def _column(table: Table, column: str) -> list[tuple[str, Value]]:
    index = table.header.index(column)
    return [(str(row[0]), row[index]) for row in table.rows if row[0] != ALL]


def _drawn(value: Value) -> float | str | None:
    """A published figure as the chart takes it: hidden -> None (drawn "x"), no figure ->
    "-", a number as it is."""
    if value == HIDDEN:
        return None
    if value is None or isinstance(value, str):
        return NONE
    return float(value)


def _charts(report: Published, specs: Sequence[tuple[str, str, str, bool, str]],
            name: Callable[[str], str], _: Callable[..., str], rtl: bool) -> tuple[Chart, ...]:
    found = []
    for dimension, column, title, share, unit in specs:
        table = _table(report, dimension)
        if table is None or column not in table.header:
            continue
        items = [(name(label), value) for label, value in _column(table, column)]
        if not items:
            continue
        drawn = svg.bars([(label, _drawn(value)) for label, value in items], title=_(title),
                         share=share, unit=" " + _(unit) if unit else "",
                         label_width=LABEL_WIDTH, rtl=rtl)
        found.append(Chart(_(title), Markup(drawn),  # svg.bars escapes every text
                           tuple((label, _shown(column, value)) for label, value in items)))
    return tuple(found)


def _shown(column: str, value: Value) -> str:
    return NONE if value is None else text_cell(column, value)


def _tiles(report: Published, _: Callable[..., str]) -> list[Tile]:
    table = _table(report, "month")
    total = next((row for row in table.rows if row[0] == ALL), None) if table else None
    tiles = []
    for column, label in TILES:
        if table is None or column not in table.header:
            continue
        value = total[table.header.index(column)] if total is not None else 0
        tiles.append(Tile(_(label), _shown(column, value)))
    return tiles


def _describe(period: Period, _: Callable[..., str], lang: str) -> str:
    if period.complete:
        return isolate(period.label, lang)  # "2026-Q4" stays whole in right-to-left text
    return _("%(period)s through %(month)s (the months that have ended)",
             period=period.label, month=period.months[-1].label)


def _band(band: str, _: Callable[..., str]) -> str:
    """``1 to 9`` in the reader's language."""
    low, _sep, high = band.partition(" to ")
    return _("%(low)s to %(high)s", low=low, high=high) if high else band


def _grouped(choices: Sequence[Period], _: Callable[..., str],
             ) -> list[tuple[str, list[str]]]:
    groups = ((_("Years"), "year"), (_("Quarters"), "quarter"), (_("Months"), "month"))
    return [(title, [p.label for p in choices if p.kind == kind]) for title, kind in groups]


ROUTES: list[BaseRoute] = [Route("/console/", overview, methods=["GET"])]

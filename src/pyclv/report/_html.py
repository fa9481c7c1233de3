"""The report's page: its styles, tables, figures and notes, and one way to write each kind of number.

A number is written by the kind of quantity it is (:class:`Formats`): counts with thousands separators,
money with the currency, shares and probabilities as percentages, dates in words, durations in the model's
time unit. Rounding noise (``-2.3e-14``) is written as 0, and a missing value as a dash.
"""

from __future__ import annotations

import datetime as _dt
import html
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import pandas as pd

from pyclv._format import UNIT_WORDS, format_duration, format_number
from pyclv._time import DAYS_PER_UNIT

__all__ = ["Formats", "Table", "figure", "grid", "note", "page", "table"]

#: Values smaller than this in absolute value are rounding noise and written as 0.
_NOISE = 1e-9

#: What a missing or undefined value is written as.
_MISSING = "–"



def _clean(value: object) -> float | None:
    """The value as a float with rounding noise made 0, or None if it is missing or not a number."""
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    if math.isnan(number):
        return None
    return 0.0 if abs(number) < _NOISE else number


@dataclass(frozen=True)
class Formats:
    """How the report writes each kind of number.

    Parameters
    ----------
    currency : str
        Put before amounts when it is a symbol (``$1,234``), after them when it is a code (``1,234 EUR``).
    time_unit : str
        The model's time unit (``"D"``, ``"W"``, ``"M"``, ``"Y"``), for durations.
    """

    currency: str = ""
    time_unit: str = "W"

    def count(self, value: object) -> str:
        """A count (customers, purchases, also an expected total): a whole number with thousands separators.

        Parameters
        ----------
        value : object
            The number.

        Returns
        -------
        str
            E.g. ``"19,684"``.
        """
        number = _clean(value)
        return _MISSING if number is None else f"{round(number) + 0:,}"

    def mean(self, value: object) -> str:
        """An average per customer (purchases per customer): two decimals.

        Parameters
        ----------
        value : object
            The number.

        Returns
        -------
        str
            E.g. ``"0.25"``.
        """
        number = _clean(value)
        return _MISSING if number is None else f"{number + 0.0:,.2f}"

    def money(self, value: object, *, cents: bool = False) -> str:
        """An amount of money with the currency: whole units for totals, cents for amounts per customer.

        Parameters
        ----------
        value : object
            The amount.
        cents : bool, default False
            Two decimals (an order value, a customer's value) instead of none (a total).

        Returns
        -------
        str
            E.g. ``"$642,340"``, ``"$36.79"`` or ``"1,234 EUR"``.
        """
        number = _clean(value)
        if number is None:
            return _MISSING
        text = f"{abs(number):,.{2 if cents else 0}f}"
        sign = "−" if number < 0 and text.strip("0.,") else ""
        if not self.currency:
            return f"{sign}{text}"
        if self.currency.isalpha() and len(self.currency) > 1:
            return f"{sign}{text}\N{NO-BREAK SPACE}{self.currency}"
        return f"{sign}{self.currency}{text}"

    def share(self, value: object) -> str:
        """A share of a whole (of customers, of value): a percentage with one decimal.

        Parameters
        ----------
        value : object
            The share, 0.5 for half.

        Returns
        -------
        str
            E.g. ``"51.6%"``.
        """
        number = _clean(value)
        return _MISSING if number is None else f"{100 * number + 0.0:.1f}%"

    def probability(self, value: object) -> str:
        """A probability (P(alive)): a whole percentage.

        Parameters
        ----------
        value : object
            The probability.

        Returns
        -------
        str
            E.g. ``"97%"``.
        """
        number = _clean(value)
        return _MISSING if number is None else f"{100 * number + 0.0:.0f}%"

    def change(self, value: object) -> str:
        """A relative difference (an error against what happened), signed, as a percentage with one decimal.

        Parameters
        ----------
        value : object
            The difference, -0.14 for 14 % too low.

        Returns
        -------
        str
            E.g. ``"−14.3%"`` or ``"+2.1%"``.
        """
        number = _clean(value)
        if number is None:
            return _MISSING
        text = f"{abs(100 * number):.1f}%"
        return ("−" if number < 0 else "+") + text if text != "0.0%" else text

    def ratio(self, value: object) -> str:
        """A dimensionless statistic (a lift, a Gini coefficient, a correlation): two decimals.

        Parameters
        ----------
        value : object
            The number.

        Returns
        -------
        str
            E.g. ``"5.16"``.
        """
        number = _clean(value)
        return _MISSING if number is None else f"{number + 0.0:.2f}".replace("-", "−")

    def correlation(self, value: object) -> str:
        """A statistic between -1 and 1 (a correlation, a Gini coefficient): three decimals.

        Parameters
        ----------
        value : object
            The number.

        Returns
        -------
        str
            E.g. ``"0.442"``.
        """
        number = _clean(value)
        return _MISSING if number is None else f"{number + 0.0:.3f}".replace("-", "−")

    def rate(self, value: object) -> str:
        """A rate or setting given as a fraction (a margin, a discount rate), as a percentage without padding.

        Parameters
        ----------
        value : object
            The fraction, 0.1 for 10 %.

        Returns
        -------
        str
            E.g. ``"10%"`` or ``"7.5%"``.
        """
        number = _clean(value)
        return _MISSING if number is None else f"{round(100 * number, 2) + 0.0:g}%"

    @property
    def unit_name(self) -> str:
        """The time unit in words, plural.

        Returns
        -------
        str
            E.g. ``"weeks"``.
        """
        return f"{UNIT_WORDS.get(self.time_unit, 'time unit')}s"

    def estimate(self, value: object) -> str:
        """A model parameter or fit statistic: pyclv's six significant digits.

        Parameters
        ----------
        value : object
            The number.

        Returns
        -------
        str
            E.g. ``"0.243522"``.
        """
        number = _clean(value)
        return _MISSING if number is None else format_number(number, "estimate")

    def statistic(self, value: object) -> str:
        """A fit statistic (log-likelihood, AIC, BIC): fixed point, two decimals, thousands separators.

        Parameters
        ----------
        value : object
            The number.

        Returns
        -------
        str
            E.g. ``"−377,389.81"``.
        """
        number = _clean(value)
        if number is None:
            return _MISSING
        text = f"{abs(number):,.2f}"
        return ("−" if number < 0 and text.strip("0.,") else "") + text

    def duration(self, units: float) -> str:
        """A duration in the model's time unit, with the days it stands for when the unit is not days.

        Parameters
        ----------
        units : float
            The duration in :attr:`time_unit`.

        Returns
        -------
        str
            E.g. ``"39 weeks (273 days)"``.
        """
        text = format_duration(units, self.time_unit)
        if self.time_unit != "D" and self.time_unit in DAYS_PER_UNIT:
            text += f" ({round(units * DAYS_PER_UNIT[self.time_unit]):,} days)"
        return text

    def days(self, days: int) -> str:
        """A window given in days, in words.

        Parameters
        ----------
        days : int
            The number of days.

        Returns
        -------
        str
            E.g. ``"30 days"``.
        """
        return f"{days:,} day{'s' if days != 1 else ''}"

    @staticmethod
    def short_date(day: pd.Timestamp | _dt.date | None) -> str:
        """A calendar day in a table: the month abbreviated, unambiguous in every locale.

        Parameters
        ----------
        day : pandas.Timestamp or datetime.date, optional
            The day.

        Returns
        -------
        str
            E.g. ``"30 Sep 1997"``.
        """
        if day is None or pd.isna(day):
            return _MISSING
        stamp = pd.Timestamp(day)
        return f"{stamp.day} {stamp:%b %Y}"

    @staticmethod
    def date(day: pd.Timestamp | _dt.date | None) -> str:
        """A calendar day in words, unambiguous in every locale.

        Parameters
        ----------
        day : pandas.Timestamp or datetime.date, optional
            The day.

        Returns
        -------
        str
            E.g. ``"30 September 1997"``.
        """
        if day is None or pd.isna(day):
            return _MISSING
        stamp = pd.Timestamp(day)
        return f"{stamp.day} {stamp:%B %Y}"


@dataclass(frozen=True)
class Table:
    """A table to show: its rows, each column's heading and way of writing, and how to read it.

    Parameters
    ----------
    frame : pandas.DataFrame
        The rows; the index is the first column (its name is that column's heading).
    columns : mapping of str to (str, callable)
        For each shown column of ``frame``, in order: its heading and the function that writes a value.
    how_to_read : str
        The note under the table, one or two sentences.
    caption : str, optional
        A title above the table.
    """

    frame: pd.DataFrame
    columns: Mapping[str, tuple[str, Callable[[object], str]]]
    how_to_read: str
    caption: str = ""


def table(spec: Table) -> str:
    """The HTML of a table, with its caption and its "how to read this" note.

    Parameters
    ----------
    spec : Table
        The table.

    Returns
    -------
    str
        A ``<figure class="table">`` element.
    """
    index_name = html.escape(str(spec.frame.index.name or ""))
    head = f'<th scope="col" class="label">{index_name}</th>' + "".join(
        f'<th scope="col">{html.escape(heading)}</th>' for heading, _ in spec.columns.values()
    )
    rows = []
    for label, row in spec.frame.iterrows():
        cells = "".join(f"<td>{html.escape(write(row[name]))}</td>" for name, (_, write) in spec.columns.items())
        rows.append(f'<tr><th scope="row" class="label">{html.escape(str(label))}</th>{cells}</tr>')
    caption = f"<figcaption>{html.escape(spec.caption)}</figcaption>" if spec.caption else ""
    return (
        f'<figure class="table">{caption}<div class="scroll"><table><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table></div>{note(spec.how_to_read)}</figure>"
    )


def note(text: str) -> str:
    """A "how to read this" note, for under a table or a figure.

    Parameters
    ----------
    text : str
        The note (plain text).

    Returns
    -------
    str
        A ``<p class="how">`` element.
    """
    return f'<p class="how"><strong>How to read this.</strong> {html.escape(text)}</p>'


def figure(png: bytes, title: str, how_to_read: str) -> str:
    """An embedded PNG figure at the full width of its column, with its title and note.

    Parameters
    ----------
    png : bytes
        The image.
    title : str
        Its title (also the image's alternative text).
    how_to_read : str
        The note under it.

    Returns
    -------
    str
        A ``<figure class="plot">`` element.
    """
    import base64

    encoded = base64.b64encode(png).decode("ascii")
    return (
        f'<figure class="plot"><figcaption>{html.escape(title)}</figcaption>'
        f'<img alt="{html.escape(title)}" src="data:image/png;base64,{encoded}">{note(how_to_read)}</figure>'
    )


def grid(parts: Sequence[str], kind: str = "figures") -> str:
    """Figures or tables side by side when the page is wide enough, one under the other when it is not.

    Parameters
    ----------
    parts : sequence of str
        The HTML elements; empty ones are left out.
    kind : {"figures", "tables", "cards"}, default "figures"
        The grid's class.

    Returns
    -------
    str
        A ``<div>`` (empty if no part is left).
    """
    kept = [part for part in parts if part]
    return f'<div class="{kind}">{"".join(kept)}</div>' if kept else ""


_STYLE = """
:root { --ink: #1f2328; --muted: #57606a; --rule: #d0d7de; --paper: #fff; --band: #f6f8fa; --accent: #0969da;
        --warn: #9a6700; --warnbg: #fff8c5; }
* { box-sizing: border-box; }
html { font-size: 16px; }
body { font-family: system-ui, -apple-system, 'Segoe UI', Helvetica, Arial, sans-serif; color: var(--ink);
       background: var(--paper); line-height: 1.5; margin: 0; }
main { max-width: 78rem; margin: 0 auto; padding: 1.5rem clamp(1rem, 3vw, 2.5rem) 3rem; }
h1 { font-size: 1.75rem; margin: 0 0 .25rem; }
h2 { font-size: 1.3rem; border-bottom: 1px solid var(--rule); padding-bottom: .25rem; margin: 2.25rem 0 .75rem; }
h3 { font-size: 1.05rem; margin: 1.5rem 0 .5rem; }
p, li { max-width: 52rem; }
.meta { color: var(--muted); font-size: .9rem; margin: 0 0 1rem; }
.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(min(100%, 14rem), 1fr)); gap: .75rem;
         margin: 1rem 0; }
.card { border: 1px solid var(--rule); border-radius: 6px; padding: .6rem .9rem; background: var(--band);
        overflow-wrap: anywhere; }
.card .value { font-size: 1.35rem; font-weight: 600; display: block; }
.card .label { color: var(--muted); font-size: .85rem; }
.verdict { background: var(--warnbg); border-left: 4px solid var(--warn); padding: .5rem 1rem; margin: 1rem 0;
           max-width: none; }
.verdict.good { background: #dafbe1; border-left-color: #1a7f37; }
.verdict ul { margin: .25rem 0; padding-left: 1.25rem; }
.figures { display: grid; grid-template-columns: repeat(auto-fill, minmax(min(100%, 32rem), 1fr)); gap: 1.5rem;
           align-items: start; }
.tables { display: flex; flex-wrap: wrap; gap: 0 1.5rem; align-items: flex-start; }
.tables > * { flex: 1 1 auto; width: max-content; min-width: 0; max-width: 100%; }
.tables figcaption, .tables .how { contain: inline-size; }
figure { margin: 1rem 0; min-width: 0; }
figure.plot img { display: block; width: 100%; height: auto; border: 1px solid var(--rule); }
figcaption { font-weight: 600; margin-bottom: .35rem; }
.how { color: var(--muted); font-size: .85rem; margin: .4rem 0 0; max-width: none; }
.scroll { overflow-x: auto; max-width: 100%; }
table { border-collapse: collapse; font-size: .9rem; font-variant-numeric: tabular-nums; }
th, td { border-bottom: 1px solid var(--rule); padding: .3rem .55rem; text-align: right; white-space: nowrap; }
thead th { background: var(--band); border-bottom: 2px solid var(--rule); vertical-align: bottom;
           white-space: normal; min-width: 4.5rem; }
th.label { text-align: left; font-weight: 600; white-space: normal; min-width: 6rem; }
thead th.label { min-width: 0; }
tbody tr:hover { background: var(--band); }
code { font-size: .85em; background: var(--band); padding: 0 .2em; border-radius: 3px; }
.appendix h2 { color: var(--muted); }
@media (max-width: 40rem) { html { font-size: 15px; } th, td { padding: .25rem .45rem; } }
@media print {
  html { font-size: 11pt; }
  main { max-width: none; padding: 0; }
  .figures { grid-template-columns: 1fr 1fr; gap: 1rem; }
  figure, .card, tr { break-inside: avoid; }
  h2 { break-after: avoid; }
  .appendix { break-before: page; }
  .scroll { overflow: visible; }
  tbody tr:hover { background: none; }
}
"""


def page(title: str, body: Sequence[str]) -> str:
    """The complete, self-contained HTML document.

    Parameters
    ----------
    title : str
        The document's title (plain text).
    body : sequence of str
        The HTML parts of the body, in order.

    Returns
    -------
    str
        The document.
    """
    return (
        f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{html.escape(title)}</title><style>{_STYLE}</style></head>\n<body><main>\n"
        + "\n".join(part for part in body if part)
        + "\n</main></body></html>\n"
    )

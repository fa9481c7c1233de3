"""The self-contained HTML report: its numbers, its words, its formats, and a render in a real headless browser."""

from __future__ import annotations

import dataclasses
import html
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import pyclv
from pyclv._validation import check_currency
from pyclv.exceptions import DataValidationError, PyCLVWarning
from pyclv.report import build_report, write_report
from pyclv.report._facts import AT_RISK_P_ALIVE, facts_of
from pyclv.report._html import Formats

CAL_END, OBS_END = "1997-09-30", "1998-06-30"


@pytest.fixture(scope="module")
def parts() -> tuple:
    tx = pyclv.datasets.load_cdnow_transactions()
    data = pyclv.calibration_holdout_split(
        tx, calibration_period_end=CAL_END, observation_period_end=OBS_END, monetary_value_col="amount", time_unit="W"
    )
    return pyclv.BetaGeo().fit(data), pyclv.GammaGamma().fit(data), data, tx


LOG_ARGS = {"calibration_period_end": CAL_END, "observation_period_end": OBS_END, "monetary_value_col": "amount"}


@pytest.fixture(scope="module")
def document(parts: tuple) -> str:
    bgnbd, gg, data, tx = parts
    return build_report(bgnbd, gg, data, tx, **LOG_ARGS, currency="$", acquisition_cost=20.0, margin=0.3,
                        title="CDNOW <sample>")


@pytest.fixture(scope="module")
def facts(parts: tuple):  # noqa: ANN201 - the report's private dataclass
    bgnbd, gg, data, tx = parts
    return facts_of(bgnbd, gg, data, tx, calibration_period_end=CAL_END, observation_period_end=OBS_END,
                    customer_id_col="customer_id", datetime_col="date", monetary_value_col="amount",
                    annual_discount_rate=0.0, margin=1.0)


def _text(document: str) -> str:
    """The document's visible text (tags and the embedded images dropped), unescaped."""
    return html.unescape(re.sub(r"<[^>]+>", " ", re.sub(r'src="data:[^"]*"', "", document)))


def test_report_is_self_contained_with_its_sections_and_figures(document: str) -> None:
    assert document.startswith("<!DOCTYPE html>") and document.rstrip().endswith("</html>")
    assert "CDNOW &lt;sample&gt;" in document  # the title is escaped
    sections = re.findall(r'<h2 id="[a-z]+">([^<]+)</h2>', document)
    assert sections == [
        "Summary", "Forecast and what happened", "Value tiers", "Customers to act on", "Cohorts and payback",
        "Appendix: how the forecast was judged",
    ]
    images = re.findall(r'<img alt="[^"]*" src="data:image/png;base64,', document)
    # 2 tracking, 2 of value, cohort retention and payback from the log, 4 model checks
    assert len(images) == 10
    assert "http://" not in document and "https://" not in document  # nothing to fetch: readable offline
    # every table and every figure has its note
    assert document.count('<p class="how">') == document.count("<table>") + len(images)


def test_summary_states_the_periods_as_dates_and_the_totals(parts: tuple, document: str) -> None:
    bgnbd, gg, data, _ = parts
    text = _text(document)
    first = (np.datetime64(CAL_END) - np.timedelta64(round(data["T"].max() * 7), "D")).astype(object)
    assert f"from {first.day} {first:%B %Y} to 30 September 1997" in text
    # both periods in calendar days with both ends counted, as the dates read (the oldest T is one day less)
    days = (np.datetime64(CAL_END) - np.datetime64(first)).astype(int) + 1
    assert f"to 30 September 1997, a calibration period of {days / 7:.0f} weeks ({days} days)" in text
    assert "from 1 October 1997 to 30 June 1998, a holdout of 39 weeks (273 days)" in text
    assert f"{len(data):,} customers" in text
    expected = bgnbd.expected_purchases(data, 39.0).sum()
    revenue = (bgnbd.expected_purchases(data, 39.0) * gg.expected_spend(data)).sum()
    assert f"the model expected {round(expected):,} (range " in text
    assert f"worth ${round(revenue):,} (range $" in text
    actual = data["frequency_holdout"].sum()
    assert f"What really happened: {round(actual):,} purchases worth ${round(data['revenue_holdout'].sum()):,}" in text
    assert "Valued at a margin of 30%, the customers are worth" in text
    assert "time units" not in text and "(W)" not in text


def test_no_snake_case_names_reach_the_reader(parts: tuple, document: str) -> None:
    bgnbd, gg, data, _ = parts
    text = _text(document)
    report = pyclv.evaluate(bgnbd, gg, data)
    names = [*report.baselines.index, *report.baselines.columns, "n_customers", "p_alive", "share_of_value"]
    for name in (n for n in names if "_" in n):
        assert name not in text
    assert "e-1" not in text and "nan" not in text.split()  # no scientific noise, no NaN
    assert re.search(r"log-likelihood −\d{1,3}(,\d{3})*\.\d\d, AIC \d{1,3}(,\d{3})*\.\d\d, BIC", text)
    # the verdict speaks of the uses of a forecast, and of each family the model lost
    assert "Totals." in text and "did better" in text
    assert "Finding the best customers." in text


def test_forecast_windows_bracket_the_estimate_and_match_the_holdout(parts: tuple, facts) -> None:  # noqa: ANN001
    bgnbd, gg, data, _ = parts
    days = [w.days for w in facts.windows]
    assert days == [30.0, 60.0, 90.0, 273.0]
    for window in facts.windows:
        for estimate, low, high in (window.purchases, window.revenue):
            assert low < estimate < high
            assert high - low < 0.5 * estimate
    assert [w.purchases[0] for w in facts.windows] == sorted(w.purchases[0] for w in facts.windows)
    # the log's count over the whole holdout is the summary's (checked inside), and the short windows grow
    assert facts.holdout.actual_purchases == data["frequency_holdout"].sum()
    actual = [w.actual_purchases for w in facts.windows]
    assert actual == sorted(actual) and actual[0] > 0
    formula = pyclv.evaluation.baseline_forecasts(data, horizon=39.0)["historical_clv"]["revenue"].sum()
    assert facts.holdout.formula_revenue == pytest.approx(formula)


def test_ranges_of_totals_count_the_chance_in_each_customers_purchases(parts: tuple, facts) -> None:  # noqa: ANN001
    bgnbd, _, data, _ = parts
    # the chance of the 30-day total alone, from P(X = n | history) summed directly (a customer of CDNOW makes
    # far fewer than 80 purchases in 30 days): the range must be at least as wide as that chance's 90 % range
    window = facts.windows[0]
    n = np.arange(80)
    p = np.stack([bgnbd.conditional_probability_of_purchases(data, k, window.length).to_numpy() for k in n])
    assert p.sum(axis=0) == pytest.approx(1.0, abs=1e-9)
    variance = (n[:, None] ** 2 * p).sum(axis=0) - ((n[:, None] * p).sum(axis=0)) ** 2
    chance = 2 * 1.645 * np.sqrt(variance.sum())
    _, low, high = window.purchases
    assert high - low > 0.95 * chance
    # revenue: at least the purchases' chance times each customer's mean amount
    spend = pyclv.GammaGamma().fit(data).expected_spend(data).to_numpy()
    _, low, high = window.revenue
    assert high - low > 0.95 * 2 * 1.645 * np.sqrt((variance * spend**2).sum())


def test_an_actual_outside_the_range_is_called_surprising_and_the_range_is_explained(document: str) -> None:
    from pyclv.report._summary import _inside

    text = _text(document)
    assert "it counts both the uncertainty of the model's parameters and the chance in each customer's" in text
    assert "the uncertainty of the parameters only" not in text and "covers only" not in text
    window = pyclv.report._facts.Window(
        days=7.0, length=1.0, holdout=True, purchases=(2663.0, 2574.0, 2761.0), revenue=(66000.0, 63000.0, 69000.0),
        formula_purchases=2600.0, formula_revenue=65000.0, actual_purchases=2722.0, actual_revenue=70000.0,
    )
    sentence = _inside(window)
    assert sentence.startswith("The actual revenue fell outside") and "purchases fell" not in sentence
    assert "already counts the uncertainty of the parameters and the chance" in sentence
    inside = dataclasses.replace(window, actual_revenue=66500.0)
    assert _inside(inside) == ""


def test_forecast_revenue_by_tenth_is_undiscounted_and_adds_up_to_the_summary(parts: tuple) -> None:
    bgnbd, gg, data, tx = parts
    discounted = facts_of(bgnbd, gg, data, None, calibration_period_end=CAL_END, observation_period_end=OBS_END,
                          customer_id_col="customer_id", datetime_col="date", monetary_value_col="amount",
                          annual_discount_rate=0.2, margin=0.5)
    deciles = discounted.deciles
    # comparable with the actual revenue beside it: the summary's holdout revenue forecast, not the discounted value
    assert deciles["predicted"].sum() == pytest.approx(discounted.holdout.revenue[0], rel=1e-9)
    assert deciles["actual"].sum() == pytest.approx(data["revenue_holdout"].sum())
    assert discounted.value[0] < 0.5 * deciles["predicted"].sum()
    assert deciles["predicted"].is_monotonic_decreasing
    text = _text(build_report(bgnbd, gg, data, annual_discount_rate=0.2, currency="$"))
    assert "Holdout revenue by tenth of forecast revenue" in text and "by tenth of forecast value" not in text
    total = f"${round(discounted.holdout.revenue[0]):,}"
    assert f"worth {total} (range" in text  # the summary's forecast, which the table's column adds up to


def test_tiers_and_customers_at_risk(facts) -> None:  # noqa: ANN001
    tiers = facts.tiers
    assert list(tiers.index) == ["Top 1%", "Next 9%", "Next 40%", "Bottom 50%"]
    assert tiers["n_customers"].sum() == facts.n_customers
    assert tiers["share_of_value"].sum() == pytest.approx(1.0)
    assert tiers["share_of_actual"].sum() == pytest.approx(1.0)
    assert tiers["mean_clv"].is_monotonic_decreasing
    risk = facts.at_risk
    assert len(risk) > 0
    assert (risk["p_alive"] < AT_RISK_P_ALIVE).all() and (risk["past_revenue"] >= facts.high_value_floor).all()
    assert risk["past_revenue"].is_monotonic_decreasing


def test_customers_at_risk_who_came_back_are_compared_like_with_like(parts: tuple, facts, document: str) -> None:  # noqa: ANN001
    from pyclv.report._sections import _came_back

    bgnbd, _, data, _ = parts
    risk = facts.at_risk
    none = bgnbd.conditional_probability_of_purchases(data.loc[risk.index], 0, 39.0)
    assert risk["p_buys"].to_numpy() == pytest.approx(1.0 - none.to_numpy())
    assert (risk["p_buys"] <= risk["p_alive"] + 1e-12).all()  # buying needs being alive
    text = _text(document)
    came = int((data.loc[risk.index, "frequency_holdout"] > 0).sum())
    assert f"{came} of them ({came / len(risk):.1%}) bought again" in text
    assert f"the model expected about {round(risk['p_buys'].sum())} of them" in text
    assert "to be still active" not in text
    # the conclusion follows the numbers: more buyers than expected, and most of them came back
    fmt = Formats("$")
    many = pd.DataFrame({"actual_purchases": [1.0] * 6 + [0.0] * 4, "p_buys": 0.2, "expected_purchases": 0.3})
    sentence = _came_back(many, fmt)
    assert "6 of them (60.0%) bought again, 6 purchases in all; the model expected about 2 of them (20.0%)" in sentence
    assert "underrates this group" in sentence and "did not come back" not in sentence
    assert "Most of them came back on their own" in sentence
    few = many.assign(actual_purchases=[1.0] * 2 + [0.0] * 8)
    sentence = _came_back(few, fmt)
    assert "About as many came back as the model expected" in sentence and "most of them did not come back" in sentence
    assert "overrates" in _came_back(many.assign(p_buys=0.9), fmt)


def test_the_bottom_tiers_p_active_is_explained_only_when_the_numbers_say_so(facts, document: str) -> None:  # noqa: ANN001
    from pyclv.report._sections import _bottom_alive

    # CDNOW: the bottom tier's mean P(active) is the highest, and most of its customers bought once
    assert facts.tiers["mean_p_alive"].iloc[-1] == facts.tiers["mean_p_alive"].max()
    assert "P(active) is highest in the bottom tier because most of its customers (" in _text(document)
    # as on a log where the bottom tier's P(active) is the lowest (90/83/80/52 %): no such sentence
    lowest = facts.tiers.assign(mean_p_alive=[0.90, 0.83, 0.80, 0.52])
    assert _bottom_alive(dataclasses.replace(facts, tiers=lowest), Formats()) == ""
    # nor when the bottom tier's customers mostly bought more than once
    repeat = facts.scores.assign(frequency=facts.scores["frequency"] + 1)
    assert _bottom_alive(dataclasses.replace(facts, scores=repeat), Formats()) == ""


def test_the_matrices_captions_match_their_colours(document: str) -> None:
    from matplotlib import colormaps

    from pyclv.report._figures import MATRIX_CMAP

    def lightness(value: float) -> float:
        red, green, blue, _ = colormaps[MATRIX_CMAP](value)
        return 0.2126 * red + 0.7152 * green + 0.0722 * blue

    assert lightness(1.0) > lightness(0.0) + 0.5  # high values are bright (viridis: yellow), low ones dark
    text = _text(document)
    assert "Brighter (yellow) cells expect more purchases" in text and "Darker cells expect more" not in text
    assert "Yellow: probably still active; dark purple: probably stopped." in text


def test_number_formats() -> None:
    usd, eur, bare = Formats("$"), Formats("EUR"), Formats("")
    assert usd.money(642339.7) == "$642,340" and usd.money(36.789, cents=True) == "$36.79"
    assert usd.money(-1234.0) == "−$1,234" and usd.money(-2.3e-14) == "$0"
    assert eur.money(1234.6) == "1,235\N{NO-BREAK SPACE}EUR" and bare.money(12.0, cents=True) == "12.00"
    assert usd.count(19684.0) == "19,684" and usd.count(-2.331e-14) == "0" and usd.count(float("nan")) == "–"
    assert usd.share(0.2041) == "20.4%" and usd.probability(0.966) == "97%" and usd.rate(0.075) == "7.5%"
    assert usd.change(-0.14277) == "−14.3%" and usd.change(0.021) == "+2.1%" and usd.change(1e-12) == "0.0%"
    assert usd.correlation(-2.331468e-14) == "0.000" and usd.ratio(5.1563) == "5.16"
    assert usd.statistic(1249870.354) == "1,249,870.35" and usd.statistic(-377389.814) == "−377,389.81"
    assert usd.duration(39.0) == "39 weeks (273 days)" and Formats(time_unit="D").duration(1.0) == "1 day"
    assert Formats.date(np.datetime64("1997-10-01")) == "1 October 1997"
    assert Formats.short_date(np.datetime64("1997-10-01")) == "1 Oct 1997"
    assert check_currency(" € ") == "€"


@pytest.mark.parametrize(
    ("options", "column"),
    [
        ({"currency": "US dollars"}, "currency"),
        ({"currency": 1}, "currency"),
        ({"margin": 0.0}, "margin"),
        ({"acquisition_cost": -5.0}, "acquisition_cost"),
    ],
)
def test_invalid_options_are_refused_before_any_work(parts: tuple, options: dict, column: str) -> None:
    bgnbd, gg, data, _ = parts
    with pytest.raises(DataValidationError, match=column) as info:
        build_report(bgnbd, gg, data, **options)
    assert info.value.column == column


def test_payback_needs_a_cost_and_says_so(parts: tuple, document: str) -> None:
    bgnbd, gg, data, tx = parts
    assert "Pays back in" in document and "month 6" in document  # CDNOW's cohorts repay $20 at 30 % in month 6
    without = build_report(bgnbd, gg, data, tx, **LOG_ARGS)
    assert "Pays back in" not in without
    assert "<code>--acquisition-cost</code> on the command line, <code>acquisition_cost=</code> in Python" in without
    assert without.count("data:image/png;base64,") == 9


def test_the_payback_figure_draws_observed_and_forecast_apart(parts: tuple, monkeypatch: pytest.MonkeyPatch) -> None:
    from pyclv import plotting
    from pyclv.business.payback import Payback
    from pyclv.report import _figures

    bgnbd, gg, _, tx = parts
    drawn = []
    real = plotting.plot_payback

    def spy(curves, **kwargs):  # noqa: ANN001, ANN003, ANN202
        ax = real(curves, **kwargs)
        drawn.append((curves, ax))
        return ax

    monkeypatch.setattr(plotting, "plot_payback", spy)
    logged = _figures.log_figures(bgnbd, gg, tx, **LOG_ARGS, customer_id_col="customer_id", datetime_col="date",
                                  acquisition_cost=20.0, margin=0.3)
    [(curves, ax)] = drawn
    assert isinstance(curves, Payback) and curves is logged.payback and curves.forecast is not None
    styles = {line.get_linestyle() for line in ax.get_lines()}
    assert "-" in styles and "--" in styles  # observed solid, forecast dashed
    assert "solid to date" in logged.cohorts[-1]


def test_a_log_of_other_customers_is_not_used_for_the_short_windows(parts: tuple) -> None:
    bgnbd, gg, data, tx = parts
    other = tx.assign(customer_id=tx["customer_id"] + 100_000)  # none of the summary's customers
    with pytest.warns(PyCLVWarning, match="repeat purchases of the summary's customers"):
        facts = facts_of(bgnbd, gg, data, other, calibration_period_end=CAL_END, observation_period_end=OBS_END,
                         customer_id_col="customer_id", datetime_col="date", monetary_value_col="amount",
                         annual_discount_rate=0.0, margin=1.0)
    assert np.isnan(facts.windows[0].actual_purchases)
    assert facts.holdout.actual_purchases == data["frequency_holdout"].sum()  # from the summary itself


def test_models_without_covariance_give_no_range(parts: tuple) -> None:
    bgnbd, gg, data, _ = parts
    fixed = pyclv.BetaGeo.from_params(time_unit="W", **bgnbd.params_)
    fixed_gg = pyclv.GammaGamma.from_params(time_unit="W", **gg.params_)
    text = _text(build_report(fixed, fixed_gg, data))
    assert "the model expected" in text and "(range" not in text


def test_write_report_is_atomic(parts: tuple, tmp_path: Path) -> None:
    bgnbd, gg, data, _ = parts
    path = write_report(tmp_path / "r.html", bgnbd, gg, data)
    assert path.read_text(encoding="utf-8").count("data:image/png;base64,") == 6  # no log: no tracking, no cohorts
    assert list(tmp_path.iterdir()) == [path]


@pytest.mark.slow  # a subprocess fits the models and draws every figure (~5 s)
def test_cli_report(tmp_path: Path) -> None:
    log = tmp_path / "tx.csv"
    tx = pyclv.datasets.load_cdnow_transactions()
    tx.assign(date=tx["date"].dt.strftime("%Y-%m-%d")).to_csv(log, index=False)
    out = tmp_path / "report.html"
    cmd = [sys.executable, "-m", "pyclv", "report", str(log), "--calibration-end", CAL_END, "--observation-end",
           OBS_END]
    done = subprocess.run([*cmd, "--currency", "EUR", "--out", str(out)], capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr
    document = out.read_text(encoding="utf-8")
    assert document.count("data:image/png;base64,") == 9
    assert "Amounts are in EUR" in document and "\N{NO-BREAK SPACE}EUR" in document
    # the log's string ids are the summary's: the short windows' actuals are known
    assert "<td>–</td>" not in document.split('id="tiers"')[0]
    assert "acquisition_cost=" in document  # no cost given: the report says how to get the payback
    costed = subprocess.run([*cmd, "--acquisition-cost", "25", "--margin", "0.3", "--out", str(out)],
                            capture_output=True, text=True, timeout=300)
    assert costed.returncode == 0, costed.stderr
    document = out.read_text(encoding="utf-8")
    assert document.count("data:image/png;base64,") == 10 and "paid back its acquisition cost" in document
    negative = subprocess.run([*cmd, "--acquisition-cost", "-5", "--out", str(out)], capture_output=True, text=True,
                              timeout=300)
    assert negative.returncode == 2 and "--acquisition-cost" in negative.stderr
    bad = subprocess.run([*cmd, "--out", str(tmp_path / "report.pdf")], capture_output=True, text=True, timeout=300)
    assert bad.returncode == 2 and ".html" in bad.stderr
    wrong = subprocess.run([*cmd, "--currency", "US dollars", "--out", str(out)], capture_output=True, text=True,
                           timeout=300)
    assert wrong.returncode == 2 and "--currency" in wrong.stderr and "Traceback" not in wrong.stderr


def _browser() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")


#: Run in the page once it has loaded: every image decoded; no text wider than its cell, caption or paragraph;
#: no figure or card outside the page; no two neighbouring blocks overlapping; tables that scroll sideways and
#: how far the page itself is wider than the window. The result is written into the DOM for --dump-dom.
_LAYOUT_CHECK = """
window.addEventListener("load", () => {
  const out = {images: 0, broken: [], overflowing: [], overlapping: [], scrolling: 0, pageOverflow: 0};
  for (const img of document.images) {
    out.images += 1;
    if (!img.complete || img.naturalWidth === 0) out.broken.push(img.alt);
  }
  for (const el of document.querySelectorAll("td, th, figcaption, p, li, h1, h2, h3, .card")) {
    if (el.scrollWidth > el.clientWidth + 1) out.overflowing.push(el.tagName + ": " + el.textContent.slice(0, 60));
  }
  const main = document.querySelector("main").getBoundingClientRect();
  for (const el of document.querySelectorAll("figure, .card, img")) {
    const r = el.getBoundingClientRect();
    if (r.right > main.right + 1 || r.left < main.left - 1) out.overflowing.push("outside the page: " + el.tagName);
  }
  for (const el of document.querySelectorAll("main > *, .figures > *, .tables > *, .cards > *, figure > *")) {
    const next = el.nextElementSibling;
    if (!next) continue;
    const a = el.getBoundingClientRect(), b = next.getBoundingClientRect();
    const w = Math.min(a.right, b.right) - Math.max(a.left, b.left);
    const h = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
    if (w > 1 && h > 1) out.overlapping.push(el.tagName + "/" + next.tagName + ": " + el.textContent.slice(0, 40));
  }
  for (const el of document.querySelectorAll(".scroll")) if (el.scrollWidth > el.clientWidth + 1) out.scrolling += 1;
  out.pageOverflow = document.documentElement.scrollWidth - window.innerWidth;
  const pre = document.createElement("pre");
  pre.id = "layout-check";
  pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
});
"""


def _layout(path: Path, width: int, flags: list) -> dict:
    """The result of :data:`_LAYOUT_CHECK` on the page at ``path`` in a window ``width`` pixels wide."""
    dom = subprocess.run(
        [*flags, f"--window-size={width},2000", "--virtual-time-budget=10000", "--dump-dom", path.as_uri()],
        capture_output=True, text=True, timeout=120,
    )
    assert dom.returncode == 0, dom.stderr[-2000:]
    found = re.search(r'<pre id="layout-check">(.*?)</pre>', dom.stdout)
    assert found, "the layout check did not run"
    return json.loads(html.unescape(found.group(1)))


@pytest.mark.slow  # starts a headless browser six times (~15 s)
@pytest.mark.skipif(
    _browser() is None, reason="no headless Chromium on this machine (.ci/run installs Debian's chromium)"
)
def test_report_renders_in_a_headless_browser(parts: tuple, document: str, tmp_path: Path) -> None:
    bgnbd, _, data, _ = parts
    path = tmp_path / "report.html"
    path.write_text(document, encoding="utf-8")
    checked = tmp_path / "checked.html"
    checked.write_text(document.replace("</body>", f"<script>{_LAYOUT_CHECK}</script></body>"), encoding="utf-8")
    flags = [
        _browser(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        f"--user-data-dir={tmp_path / 'profile'}",
    ]
    from matplotlib.image import imread

    for width, scrolling in ((1280, 0), (800, None)):  # a laptop, and a narrow window (tables may scroll there)
        layout = _layout(checked, width, flags)
        assert layout["images"] == 10 and layout["broken"] == [], layout
        assert layout["overflowing"] == [] and layout["overlapping"] == [], layout
        assert layout["pageOverflow"] <= 0, layout  # the page never scrolls sideways
        if scrolling is not None:
            assert layout["scrolling"] == scrolling, layout  # on a laptop every table fits
        shot = tmp_path / f"report-{width}.png"
        done = subprocess.run([*flags, f"--window-size={width},2400", f"--screenshot={shot}", path.as_uri()],
                              capture_output=True, text=True, timeout=120)
        assert done.returncode == 0 and shot.exists()
        pixels = imread(shot)
        assert pixels.shape[:2] == (2400, width)
        assert pixels.std() > 0.05  # a rendered page, not a blank canvas
    # amounts of millions with a currency code: the forecast tables still fit a laptop's screen without scrolling
    big = data.assign(monetary_value=data["monetary_value"] * 1000, revenue_holdout=data["revenue_holdout"] * 1000)
    euros = tmp_path / "euros.html"
    euros.write_text(
        build_report(bgnbd, pyclv.GammaGamma().fit(big), big, currency="EUR").replace(
            "</body>", f"<script>{_LAYOUT_CHECK}</script></body>"
        ),
        encoding="utf-8",
    )
    assert "\N{NO-BREAK SPACE}EUR–" in euros.read_text(encoding="utf-8")  # the wide range cells are there
    layout = _layout(euros, 1280, flags)
    assert layout["scrolling"] == 0 and layout["overflowing"] == [] and layout["pageOverflow"] <= 0, layout
    pdf = tmp_path / "report.pdf"
    done = subprocess.run([*flags, "--no-pdf-header-footer", f"--print-to-pdf={pdf}", path.as_uri()],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and pdf.read_bytes().startswith(b"%PDF")
    assert pdf.stat().st_size > 200_000  # the figures came through to print

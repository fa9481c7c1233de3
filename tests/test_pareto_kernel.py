"""The compiled Pareto/NBD kernel (pyclv._kernels.pareto): the same numbers as the model's plain functions.

The kernel's pieces are held to arbitrary-precision values (mpmath), its totals to the per-customer ``loglik`` and
``loglik_grad`` summed with the weights, its Hessian to central differences of its own gradient, the compiled path
to the numpy path that runs the same pieces, on the three shapes of data of the speed targets and in the
numerical extremes; the fits to the plain fit (the per-customer functions under L-BFGS-B with a differenced
Hessian) to 1e-6 (issue 9).
"""

from __future__ import annotations

import dataclasses

import mpmath
import numpy as np
import pytest

import pyclv
from pyclv import _kernels
from pyclv._kernels import pareto
from pyclv.datasets._shapes import SHAPES, simulate_summary
from pyclv.models import BaseModel, pareto_nbd

POINTS = [
    np.array([0.55315, 10.57633, 0.60625, 11.6715]),  # CDNOW (CLVTools), alpha < beta, nearly equal
    np.array([0.5, 75.0, 0.67, 173.0]),  # the daily shapes' optimum
    np.array([0.8, 12.0, 1.3, 4.0]),  # alpha > beta
    np.array([2.0, 3.0, 1.0, 3.0]),  # alpha == beta
    np.array([0.05, 200.0, 3.0, 20.0]),
]
IDS = ["cdnow", "daily", "alpha-above", "alpha-equal", "steep"]
needs_numba = pytest.mark.skipif(not _kernels.available(), reason="numba is not installed")


def _data(shape: str, n: int = 3_000, seed: int = 5) -> tuple[tuple[np.ndarray, ...], np.ndarray]:
    data = simulate_summary(n, shape, seed=seed)
    arrays = tuple(data[c].to_numpy() for c in ("frequency", "recency", "T"))
    weights = np.random.default_rng(seed).integers(1, 4, n).astype(float)
    return arrays, weights


def _extremes() -> tuple[tuple[np.ndarray, ...], np.ndarray]:
    """x in the thousands, T in the tens of thousands, t_x at 0, next to T and at T."""
    x = np.array([0.0, 1.0, 3000.0, 5000.0, 2.0, 0.0, 800.0, 10000.0, 40.0, 3.0])
    T = np.array([40000.0, 25000.0, 30000.0, 52000.0, 1e-3, 0.0, 20000.0, 1e5, 39.0, 39.0])
    t_x = np.array([0.0, 25000.0, 29999.0, 10.0, 1e-3, 0.0, 0.5, 9e4, 39.0 - 1e-9, 38.9])
    return (x, t_x, T), np.ones(len(x))


def _cases() -> list[tuple[str, tuple[tuple[np.ndarray, ...], np.ndarray]]]:
    return [(shape, _data(shape)) for shape in SHAPES] + [("extremes", _extremes())]


def _plain_totals(theta: np.ndarray, arrays: tuple[np.ndarray, ...], w: np.ndarray) -> tuple[float, np.ndarray]:
    r, alpha, s, beta = (float(v) for v in theta)
    total = float(w @ pareto_nbd.loglik(r, alpha, s, beta, *arrays))
    return total, w @ pareto_nbd.loglik_grad(r, alpha, s, beta, *arrays)


# ---------------------------------------------------------------------------------------------- the pieces
def _mp_log_tail(pc: float, pd: float, c: float, d: float, tau: float) -> mpmath.mpf:
    """log of int_tau^inf (c+v)^-pc (d+v)^-pd dv by Euler's form of the note's 2F1, with mpmath's own hyp2f1."""
    z = (c - d) / (c + tau)
    return (-pc * mpmath.log(c + tau) + (1 - pd) * mpmath.log(d + tau) - mpmath.log(pc + pd - 1)
            + mpmath.log(mpmath.hyp2f1(1, pc, pc + pd, z)))


def test_euler_form_of_the_tail_is_the_integral() -> None:
    mpmath.mp.dps = 30
    for pc, pd, c, d, tau in [(3.5, 1.6, 173.0, 75.0, 0.0), (1.6, 12.5, 40.0, 20.0, 3.0)]:

        def integrand(v: mpmath.mpf, pc: float = pc, pd: float = pd, c: float = c, d: float = d) -> mpmath.mpf:
            return (c + v) ** (-pc) * (d + v) ** (-pd)

        integral = mpmath.quad(integrand, [tau, tau + 1, tau + 10, tau + 100, mpmath.inf])
        assert float(_mp_log_tail(pc, pd, c, d, tau)) == pytest.approx(float(mpmath.log(integral)), rel=1e-14)


@pytest.mark.parametrize(
    ("pc", "pd", "c", "d", "tau"),
    [
        (0.55, 1.6, 11.7, 10.6, 0.0),  # z near 0
        (3.5, 1.6, 173.0, 75.0, 0.0),  # z = 0.57
        (1.6, 40.5, 173.0, 20.0, 3.0),  # z = 0.87, large p_d
        (800.5, 1.6, 30.0, 2.0, 5.0),  # large p_c
        (2.0, 2.0, 3.0, 3.0, 7.0),  # c == d, z = 0
    ],
)
def test_tail_jet_matches_mpmath(pc: float, pd: float, c: float, d: float, tau: float) -> None:
    """log G and its first and second derivatives in (p_c, c, p_d, d) against 40-digit quadrature."""
    frequencies = np.array([0.0])
    # a table with one frequency whose exponents are (pc, pd): theta = (pc, c, pd - 1, d) with c >= d
    theta = np.array([pc, c, pd - 1.0, d])
    tables = pareto.table(theta, frequencies, tau)
    z = (c - d) / (c + tau)
    with np.errstate(divide="ignore"):
        terms = pareto.n_terms(np.log(z))
    assert terms <= tables.constants[4]
    series = pareto.horner(tables.coefficients[0], int(terms), z)
    jet = pareto.tail_jet(pc, pd, 1.0 / (pc + pd - 1.0), c + tau, d + tau, np.log(c + tau), np.log(d + tau), series)
    point = (pc, c, pd, d)

    def f(*v: mpmath.mpf) -> mpmath.mpf:
        return _mp_log_tail(v[0], v[2], v[1], v[3], tau)

    mpmath.mp.dps = 30
    assert jet[0] == pytest.approx(float(f(*point)), rel=1e-13, abs=1e-13)
    grad = [float(mpmath.diff(f, point, tuple(int(i == k) for i in range(4)))) for k in range(4)]
    np.testing.assert_allclose(jet[1:5], grad, rtol=1e-10, atol=1e-13)
    k = 5
    for i in range(4):
        for j in range(i, 4):
            order = [0, 0, 0, 0]
            order[i] += 1
            order[j] += 1
            assert jet[k] == pytest.approx(float(mpmath.diff(f, point, tuple(order))), rel=1e-8, abs=1e-11)
            k += 1


@pytest.mark.parametrize(
    ("p", "alpha", "q", "beta", "lo", "h"),
    [(0.5, 75.0, 1.67, 173.0, 300.0, 0.01), (40.5, 10.0, 1.6, 12.0, 30.0, 0.005), (3000.5, 1e3, 1.6, 1.0, 2e4, 0.5)],
)
def test_short_integral_matches_mpmath(p: float, alpha: float, q: float, beta: float, lo: float, h: float) -> None:
    def f(*v: mpmath.mpf) -> mpmath.mpf:
        return mpmath.log(mpmath.quad(lambda t: (v[1] + t) ** (-v[0]) * (v[3] + t) ** (-v[2]), [lo, lo + h]))

    jet = pareto.short_integral(p, alpha, q, beta, lo, h)
    point = (p, alpha, q, beta)
    mpmath.mp.dps = 30
    assert jet[0] == pytest.approx(float(f(*point)), rel=1e-14)
    grad = [float(mpmath.diff(f, point, tuple(int(i == k) for i in range(4)))) for k in range(4)]
    np.testing.assert_allclose(jet[1:5], grad, rtol=1e-10)
    k = 5
    for i in range(4):
        for j in range(i, 4):
            order = [0, 0, 0, 0]
            order[i] += 1
            order[j] += 1
            assert jet[k] == pytest.approx(float(mpmath.diff(f, point, tuple(order))), rel=1e-7, abs=1e-14)
            k += 1


@pytest.mark.parametrize(
    ("p", "alpha", "q", "beta", "lo", "hi"),
    [
        (0.5, 300.0, 1.7, 1.0, 0.0, 1000.0),  # z near 1 at lo, heavy tail
        (3.5, 14.0, 801.0, 2e5, 2.0, 700.0),  # beta / alpha = 1e4
        (3000.5, 1e3, 1.6, 1e-3, 1.0, 1e5),  # x in the thousands
        (1.5, 1.6, 10.0, 11.0, 38.0, 38.0 + 1e-6),  # a short interval
    ],
)
def test_long_integral_matches_mpmath(p: float, alpha: float, q: float, beta: float, lo: float, hi: float) -> None:
    width = 1.0 / (p / (alpha + lo) + q / (beta + lo))  # the integrand falls by e over about this length at lo
    edges = [lo] + [lo + width * 2.0**k for k in range(-8, 80) if lo + width * 2.0**k < hi] + [hi]

    def f(*v: mpmath.mpf) -> mpmath.mpf:
        return mpmath.log(mpmath.quad(lambda t: (v[1] + t) ** (-v[0]) * (v[3] + t) ** (-v[2]), edges))

    mpmath.mp.dps = 30
    jet = pareto.long_integral(p, alpha, q, beta, lo, hi)
    point = (p, alpha, q, beta)
    assert jet[0] == pytest.approx(float(f(*point)), rel=1e-12)
    grad = [float(mpmath.diff(f, point, tuple(int(i == k) for i in range(4)), h=1e-8)) for k in range(4)]
    np.testing.assert_allclose(jet[1:5], grad, rtol=1e-8)


# ---------------------------------------------------------------------------------------------- totals
@pytest.mark.parametrize("theta", POINTS, ids=IDS)
def test_kernel_totals_equal_the_models_plain_functions(theta: np.ndarray) -> None:
    for name, (arrays, w) in _cases():
        rows = pareto_nbd._kernel_prepare(arrays, w)
        total, gradient, _ = pareto_nbd._kernel_hessian_totals(theta, rows)
        plain_total, plain_gradient = _plain_totals(theta, arrays, w)
        assert np.isfinite(total), name
        assert total == pytest.approx(plain_total, rel=1e-12), name
        # the plain gradient in r and s is a central difference (relative error about 1e-9)
        np.testing.assert_allclose(gradient, plain_gradient, rtol=1e-7, atol=1e-8 * np.abs(plain_gradient).max(),
                                   err_msg=name)


@pytest.mark.parametrize("theta", POINTS, ids=IDS)
def test_kernel_hessian_equals_differences_of_its_gradient(theta: np.ndarray) -> None:
    for name, (arrays, w) in _cases():
        rows = pareto.prepare(arrays, w)
        _, _, hessian, left = pareto.totals(theta, rows)
        numeric = np.empty((4, 4))
        for k in range(4):
            step = np.zeros(4)
            step[k] = 1e-6 * theta[k]
            upper, lower = pareto.totals(theta + step, rows)[1], pareto.totals(theta - step, rows)[1]
            numeric[:, k] = (upper - lower) / (2 * step[k])
        assert len(left) == 0, name
        np.testing.assert_allclose(hessian, hessian.T, rtol=0, atol=0)
        np.testing.assert_allclose(hessian, numeric, rtol=1e-5, atol=1e-6 * np.abs(numeric).max(), err_msg=name)


def test_extremes_of_the_existing_tests_are_finite_and_equal_the_plain_functions() -> None:
    """The corners of tests/models/test_pareto_nbd.py's extremes test (parameters from 1e-3 to 1e3)."""
    x = np.array([0.0, 1.0, 5000.0, 10000.0, 10000.0, 0.0])
    t_x = np.array([0.0, 1e-6, 9.0e4, 1.0, 1.0e5, 0.0])
    T = np.array([1.0e5, 1.0e5, 1.0e5, 1.0e5, 1.0e5, 1e-3])
    w = np.ones(len(x))
    for theta in [(1e-3,) * 4, (1e3,) * 4, (1e-3, 1e3, 1e-3, 1e3), (1e3, 1e-3, 1e3, 1e-3), (1e-3, 1e3, 1e3, 1e-3),
                  (1e3, 1e-3, 1e-3, 1e3), (0.55, 10.6, 0.6, 11.7)]:
        rows = pareto.prepare((x, t_x, T), w)
        assert len(pareto.totals(np.array(theta), rows)[3]) == 0
        total, gradient, hessian = pareto_nbd._kernel_hessian_totals(np.array(theta), rows)
        plain_total, plain_gradient = _plain_totals(np.array(theta), (x, t_x, T), w)
        assert np.isfinite(total) and np.all(np.isfinite(gradient)) and np.all(np.isfinite(hessian))
        assert total == pytest.approx(plain_total, rel=1e-10)
        np.testing.assert_allclose(gradient, plain_gradient, rtol=1e-6, atol=1e-7 * np.abs(plain_gradient).max())


def test_rows_the_kernel_leaves_go_to_the_per_customer_functions(monkeypatch: pytest.MonkeyPatch) -> None:
    """The safety net: rows the kernel reports as left are added from loglik, loglik_grad and their differences."""
    arrays, w = _data("continuous", n=400)
    theta = POINTS[1]
    kernel_totals = pareto.totals

    def leaving_five(theta: np.ndarray, rows: pareto.Rows) -> tuple:
        rest = dataclasses.replace(rows, code=rows.code[5:], x=rows.x[5:], t_x=rows.t_x[5:], T=rows.T[5:],
                                   w=rows.w[5:])
        return (*kernel_totals(theta, rest)[:3], np.arange(5))

    rows = pareto_nbd._kernel_prepare(arrays, w)
    exact = pareto_nbd._kernel_hessian_totals(theta, rows)
    monkeypatch.setattr(pareto, "totals", leaving_five)
    patched = pareto_nbd._kernel_hessian_totals(theta, rows)
    assert patched[0] == pytest.approx(exact[0], rel=1e-13)
    np.testing.assert_allclose(patched[1], exact[1], rtol=1e-8)
    np.testing.assert_allclose(patched[2], exact[2], rtol=1e-5)


@pytest.mark.parametrize("theta", [np.array([0.5, 300.0, 0.7, 1.0]), np.array([1.6, 14.0, 800.0, 2e5])],
                         ids=["alpha-over-beta-300", "s-beta-to-infinity"])
def test_rows_with_z_near_one_take_the_composite_quadrature(theta: np.ndarray) -> None:
    """alpha / beta = 300, or beta / alpha = 1e4 as when a fit runs to no dropout: the series would need too many
    terms, and the rows are integrated by long_integral."""
    arrays, w = _data("daily", n=300)
    rows = pareto.prepare(arrays, w)
    assert pareto.table(theta, rows.frequencies, rows.tau_min).constants[4] < pareto.n_terms(np.log(1.0 - 1e-2))
    assert len(pareto.totals(theta, rows)[3]) == 0
    total, gradient, hessian = pareto_nbd._kernel_hessian_totals(theta, rows)
    plain_total, plain_gradient = _plain_totals(theta, arrays, w)
    assert total == pytest.approx(plain_total, rel=1e-12)
    np.testing.assert_allclose(gradient, plain_gradient, rtol=1e-7, atol=1e-8 * np.abs(plain_gradient).max())
    numeric = np.empty((4, 4))
    for k in range(4):
        step = np.zeros(4)
        step[k] = 1e-5 * theta[k]
        upper = pareto_nbd._kernel_hessian_totals(theta + step, rows)[1]
        lower = pareto_nbd._kernel_hessian_totals(theta - step, rows)[1]
        numeric[:, k] = (upper - lower) / (2 * step[k])
    np.testing.assert_allclose(hessian, numeric, rtol=1e-4, atol=1e-6 * np.abs(numeric).max())


@needs_numba
def test_compiled_and_numpy_paths_agree() -> None:
    for name, (arrays, w) in _cases():
        rows = pareto.prepare(arrays, w)
        for theta in POINTS:
            compiled = pareto.totals(theta, rows)
            with _kernels.plain():
                assert not _kernels.active()
                numpy_path = pareto.totals(theta, rows)
            assert compiled[0] == pytest.approx(numpy_path[0], rel=1e-13), name
            np.testing.assert_allclose(compiled[1], numpy_path[1], rtol=1e-11, err_msg=name)
            np.testing.assert_allclose(compiled[2], numpy_path[2], rtol=1e-10, atol=1e-12 * np.abs(compiled[2]).max(),
                                       err_msg=name)
            np.testing.assert_array_equal(compiled[3], numpy_path[3])


@needs_numba
def test_totals_do_not_depend_on_the_number_of_threads() -> None:
    import numba

    arrays, w = _data("continuous", n=3 * _kernels.BLOCK_ROWS + 17)
    rows = pareto.prepare(arrays, w)
    before = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        one = pareto.totals(POINTS[1], rows)
        numba.set_num_threads(max(before, 2))
        many = pareto.totals(POINTS[1], rows)
    finally:
        numba.set_num_threads(before)
    assert one[0] == many[0]
    np.testing.assert_array_equal(one[1], many[1])
    np.testing.assert_array_equal(one[2], many[2])


# ---------------------------------------------------------------------------------------------- fits
def _plain_pareto() -> type[BaseModel]:
    """Pareto/NBD fitted the plain way: its per-customer loglik and loglik_grad, L-BFGS-B, differenced Hessian."""
    functions = dataclasses.replace(pyclv.ParetoNBD._functions, prepare=None, totals=None, hessian_totals=None,
                                    compress_rows=True)
    return type("PlainParetoNBD", (pyclv.ParetoNBD,), {"_functions": functions})


@pytest.mark.parametrize("shape", SHAPES)
def test_kernel_fit_equals_the_plain_fit_on_every_shape(shape: str) -> None:
    data = simulate_summary(10_000, shape, seed=8)
    fast = pyclv.ParetoNBD().fit(data)
    with _kernels.plain():
        numpy_path = pyclv.ParetoNBD().fit(data)
    plain = _plain_pareto()().fit(data)
    np.testing.assert_allclose(fast.params_, numpy_path.params_, rtol=1e-9)
    np.testing.assert_allclose(fast.params_, plain.params_, rtol=1e-6)
    assert fast.log_likelihood_ == pytest.approx(plain.log_likelihood_, rel=1e-10)
    # the plain covariance differences a gradient whose r and s entries are themselves central differences: it is
    # good to about 1e-3 (the kernel's Hessian is held to differences of its exact gradient above, to 1e-5)
    np.testing.assert_allclose(fast.covariance_, plain.covariance_, rtol=5e-3)
    assert fast.n_iterations_ < plain.n_iterations_


def test_horner_pair_is_two_horners() -> None:
    tables = pareto.table(POINTS[1], np.array([0.0, 3.0, 40.0]), 0.0)
    for code in range(3):
        coefficients = tables.coefficients[code]
        lo, hi = pareto.horner_pair(coefficients, 60, 0.5, 20, 0.1)
        assert lo == pareto.horner(coefficients, 60, 0.5)
        assert hi == pareto.horner(coefficients, 20, 0.1)


def test_the_lower_tails_of_a_pass_are_summed_compiled_with_the_same_arithmetic() -> None:
    # table() sums each frequency's series at t_x = 0; on the numpy path a Python loop over up to 2,000 terms
    # cost ~15 ms per pass whatever the number of customers (most of a 10-customer fit); compiled, the same
    # Horner steps in the same order give the same bits
    rng = np.random.default_rng(5)
    for n_terms in (3, 40, 2000):
        coefficients = rng.normal(size=(7, n_terms, 6))
        terms = rng.integers(1, n_terms + 1, 7).astype(float)
        z = rng.uniform(0.0, 0.999, 7)
        expected = pareto._horner_rows(coefficients, np.arange(7), terms, z)
        actual = pareto._horner_each(coefficients, terms, z)
        for got, want in zip(actual, expected, strict=True):
            np.testing.assert_array_equal(got, want)
        with _kernels.plain():
            for got, want in zip(pareto._horner_each(coefficients, terms, z), expected, strict=True):
                np.testing.assert_array_equal(got, want)

"""The compiled likelihood kernels: the same numbers as the models' plain functions, compiled or on numpy.

Each kernel returns the weighted log-likelihood total, its gradient and its Hessian from one pass. They are held
to the models' per-customer ``loglik`` and ``loglik_grad`` (summed with the weights), to central differences of
their own gradient, and to each other (numba against the numpy path that runs the same row function), on the
three shapes of data of the speed targets and in the numerical extremes (x in the thousands, T in the tens of
thousands). Totals do not depend on the number of threads.
"""

from __future__ import annotations

import numpy as np
import pytest

from pyclv import _kernels
from pyclv._kernels import nbd
from pyclv.datasets._shapes import SHAPES, simulate_summary
from pyclv.models import beta_geo, modified_beta_geo

MODELS = {"BetaGeo": (beta_geo, False), "ModifiedBetaGeo": (modified_beta_geo, True)}
POINTS = [
    np.array([0.243, 4.414, 0.793, 2.426]),  # CDNOW (FHL 2005)
    np.array([2.5, 0.05, 12.0, 0.3]),
    np.array([0.01, 300.0, 0.05, 40.0]),
]
needs_numba = pytest.mark.skipif(not _kernels.available(), reason="numba is not installed")


def _data(shape: str, n: int = 4_000, seed: int = 5) -> tuple[tuple[np.ndarray, ...], np.ndarray]:
    data = simulate_summary(n, shape, seed=seed)
    arrays = tuple(data[c].to_numpy() for c in ("frequency", "recency", "T"))
    weights = np.random.default_rng(seed).integers(1, 4, n).astype(float)
    return arrays, weights


def _extremes() -> tuple[tuple[np.ndarray, ...], np.ndarray]:
    """Hardie's #NUM! territory: x in the thousands, T in the tens of thousands, t_x at 0 and at T."""
    x = np.array([0.0, 1.0, 3000.0, 5000.0, 2.0, 0.0, 800.0])
    T = np.array([40000.0, 25000.0, 30000.0, 52000.0, 1e-3, 0.0, 20000.0])
    t_x = np.array([0.0, 25000.0, 29999.0, 10.0, 1e-3, 0.0, 0.5])
    return (x, t_x, T), np.ones(len(x))


def _cases() -> list[tuple[str, tuple[tuple[np.ndarray, ...], np.ndarray]]]:
    return [(shape, _data(shape)) for shape in SHAPES] + [("extremes", _extremes())]


@pytest.mark.parametrize("model", MODELS)
@pytest.mark.parametrize("theta", POINTS, ids=["cdnow", "steep", "flat"])
def test_kernel_totals_equal_the_models_plain_functions(model: str, theta: np.ndarray) -> None:
    module, modified = MODELS[model]
    for name, (arrays, w) in _cases():
        rows = nbd.prepare(arrays, w, modified=modified)
        total, gradient, _ = nbd.totals(theta, rows)
        plain_total = float(w @ module.loglik(*theta, *arrays))
        plain_gradient = w @ module.loglik_grad(*theta, *arrays)
        assert np.isfinite(total), name
        assert total == pytest.approx(plain_total, rel=1e-12), name
        np.testing.assert_allclose(gradient, plain_gradient, rtol=1e-10, atol=1e-9 * np.abs(plain_gradient).max(),
                                   err_msg=name)


@pytest.mark.parametrize("model", MODELS)
@pytest.mark.parametrize("theta", POINTS, ids=["cdnow", "steep", "flat"])
def test_kernel_hessian_equals_differences_of_its_gradient(model: str, theta: np.ndarray) -> None:
    _, modified = MODELS[model]
    for name, (arrays, w) in _cases():
        rows = nbd.prepare(arrays, w, modified=modified)
        _, _, hessian = nbd.totals(theta, rows)
        numeric = np.empty((4, 4))
        for k in range(4):
            step = np.zeros(4)
            step[k] = 1e-6 * theta[k]
            numeric[:, k] = (nbd.totals(theta + step, rows)[1] - nbd.totals(theta - step, rows)[1]) / (2 * step[k])
        np.testing.assert_allclose(hessian, hessian.T, rtol=0, atol=0)
        np.testing.assert_allclose(hessian, numeric, rtol=1e-5, atol=1e-6 * np.abs(numeric).max(), err_msg=name)


@needs_numba
@pytest.mark.parametrize("model", MODELS)
def test_compiled_and_numpy_paths_agree(model: str) -> None:
    _, modified = MODELS[model]
    for name, (arrays, w) in _cases():
        rows = nbd.prepare(arrays, w, modified=modified)
        for theta in POINTS:
            compiled = nbd.totals(theta, rows)
            with _kernels.plain():
                assert not _kernels.active()
                numpy_path = nbd.totals(theta, rows)
            assert compiled[0] == pytest.approx(numpy_path[0], rel=1e-13), name
            np.testing.assert_allclose(compiled[1], numpy_path[1], rtol=1e-11, err_msg=name)
            np.testing.assert_allclose(compiled[2], numpy_path[2], rtol=1e-11, err_msg=name)


@needs_numba
def test_totals_do_not_depend_on_the_number_of_threads() -> None:
    """Rows are added up in fixed blocks, in order: one thread or two give the same bits."""
    import numba

    arrays, w = _data("continuous", n=3 * _kernels.BLOCK_ROWS + 17)
    rows = nbd.prepare(arrays, w, modified=False)
    before = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        one = nbd.totals(POINTS[0], rows)
        numba.set_num_threads(max(before, 2))
        many = nbd.totals(POINTS[0], rows)
    finally:
        numba.set_num_threads(before)
    assert one[0] == many[0]
    np.testing.assert_array_equal(one[1], many[1])
    np.testing.assert_array_equal(one[2], many[2])


def test_the_environment_switches_numba_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(_kernels.ENV_VARIABLE, "0")
    assert not _kernels.active()
    arrays, w = _data("daily", n=500)
    rows = nbd.prepare(arrays, w, modified=False)
    total = nbd.totals(POINTS[0], rows)[0]
    assert total == pytest.approx(float(w @ beta_geo.loglik(*POINTS[0], *arrays)), rel=1e-12)


def test_symmetric_unpacks_the_upper_triangle_row_by_row() -> None:
    matrix = _kernels.symmetric(np.arange(1.0, 7.0), 3)
    np.testing.assert_array_equal(matrix, [[1, 2, 3], [2, 4, 5], [3, 5, 6]])


@needs_numba
def test_gamma_gamma_sums_compiled_and_on_numpy_agree() -> None:
    from pyclv._kernels import gamma_gamma as kernel

    data = simulate_summary(3 * _kernels.BLOCK_ROWS, "continuous", seed=2)
    repeat = data[data["frequency"] > 0]
    x = repeat["frequency"].to_numpy()
    total = x * repeat["monetary_value"].to_numpy()
    w = np.random.default_rng(0).integers(1, 4, len(x)).astype(float)
    for theta in (np.array([6.25, 3.74, 15.44]), np.array([0.5, 1.2, 1e-3]), np.array([40.0, 0.3, 1e5])):
        compiled = kernel.sums(theta, x, total, w)
        with _kernels.plain():
            numpy_path = kernel.sums(theta, x, total, w)
        shifted = theta[2] + total
        direct = [w @ np.log(shifted), (w * x) @ np.log(shifted), w @ (1 / shifted), (w * x) @ (1 / shifted),
                  w @ shifted**-2.0, (w * x) @ shifted**-2.0]
        np.testing.assert_allclose(compiled, numpy_path, rtol=1e-13)
        np.testing.assert_allclose(compiled, direct, rtol=1e-12)


_THREADS_SCRIPT = """
from concurrent.futures import ThreadPoolExecutor
import numpy as np, pyclv
from pyclv.datasets._shapes import SHAPES, simulate_summary
frames = [simulate_summary(30_000, shape, seed=3) for shape in SHAPES]
def work(frame):
    bg = pyclv.BetaGeo().fit(frame)
    spend = pyclv.GammaGamma().fit(frame)
    pareto = pyclv.ParetoNBD().fit(frame)
    table = pyclv.score(bg, spend, frame, horizon=52.0, annual_discount_rate=0.1, interval=0.9, n_draws=20, seed=1)
    return np.concatenate([bg.params_.to_numpy(), pareto.params_.to_numpy(), table.to_numpy().ravel()])

alone = [work(frame) for frame in frames]
with ThreadPoolExecutor(max_workers=3) as pool:
    together = list(pool.map(work, frames * 2))
assert all(np.array_equal(p, alone[i % 3], equal_nan=True) for i, p in enumerate(together))
print("same")
"""


@needs_numba
@pytest.mark.parametrize("layer", ["default", "workqueue"])
def test_fits_from_several_threads_at_once_agree(layer: str) -> None:
    """A thread pool fitting and scoring concurrently gets the same answers as one after the other.

    numba's workqueue threading layer (its fallback where neither OpenMP nor TBB is there) aborts the process
    when two threads start parallel loops at once: the kernels take turns.
    """
    import os
    import subprocess
    import sys

    env = dict(os.environ)
    if layer != "default":
        env["NUMBA_THREADING_LAYER"] = layer
    done = subprocess.run([sys.executable, "-c", _THREADS_SCRIPT], env=env, capture_output=True, text=True,
                          timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "same"


_PLAIN_SCRIPT = """
import sys, numpy as np, pyclv
from pyclv.datasets._shapes import simulate_summary
data = simulate_summary(5_000, "daily", seed=7)
models = [cls().fit(data) for cls in (pyclv.BetaGeo, pyclv.ModifiedBetaGeo, pyclv.ParetoNBD, pyclv.GammaGamma)]
table = pyclv.score(models[0], models[3], data, horizon=365.0, annual_discount_rate=0.1)
print("numba" in sys.modules)
print(repr(np.concatenate([m.params_.to_numpy() for m in models] + [table["clv"].to_numpy()]).tolist()))
"""


def test_numba_switched_off_is_never_imported_and_gives_the_same_answers() -> None:
    """PYCLV_NUMBA=0 is the way out of a broken numba: pyclv then never imports it, and answers alike."""
    import ast
    import os
    import subprocess
    import sys

    outputs = []
    for setting in ("0", "1"):
        env = {**os.environ, _kernels.ENV_VARIABLE: setting}
        done = subprocess.run([sys.executable, "-c", _PLAIN_SCRIPT], env=env, capture_output=True, text=True,
                              timeout=600)
        assert done.returncode == 0, done.stderr[-2000:]
        imported, values = done.stdout.strip().splitlines()
        outputs.append((imported, np.array(ast.literal_eval(values))))
    assert outputs[0][0] == "False"
    assert outputs[1][0] == str(_kernels.available())
    np.testing.assert_allclose(outputs[0][1], outputs[1][1], rtol=1e-9)

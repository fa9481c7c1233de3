"""pyclv's models with static covariates beside CLVTools' output on CLVTools' apparel data (a local check).

The data (600 simulated apparel customers, all acquired on 2005-01-02, with the 0/1 covariates Gender and Channel)
come with CLVTools, which is GPL-3, so pyclv does not bundle them: this script reads them from the shared data
folder (``--data``, by default ``../shared/data/apparel`` beside the repository) and prints, for each call, every
estimate and standard error beside CLVTools' with their relative difference. It exits with 1 if one differs by
more than ``--rtol`` (relative to the value, or to 0.1 for values nearer 0).

The calls are those of CLVTools' walkthrough (vignette "Walkthrough for the CLVTools Package", section Covariates,
https://www.clvtools.com/articles/CLVTools.html, built for CLVTools 0.12.1 on the 2024 data):
``clvdata(apparelTrans, date.format="ymd", time.unit="week", estimation.split=104, ...)``, then
``SetStaticCovariates(..., names.cov.life=c("Gender", "Channel"), names.cov.trans=c("Gender", "Channel"))`` and

* ``pnbd(clv.apparel)`` and ``bgnbd(clv.apparel)`` and ``gg(clv.apparel)``: no covariates;
* ``pnbd(clv.static)``: the vignette prints r 1.8387, alpha 92.9435, s 0.5913, beta 49.5048, life.Gender -0.6428,
  life.Channel 0.7902, trans.Gender 0.2860, trans.Channel 0.6239, LL -5821.0627, AIC 11658.1254 (its optimiser
  stops at 3-4 significant digits);
* ``pnbd(clv.static, names.cov.constr="Gender")`` and ``pnbd(clv.static, reg.lambdas=c(trans=8, life=3))``.

The full-precision references are CLVTools 0.12.1's own objective (its C++ likelihood, built from the tagged
source with R 4.2.2) maximised until its gradient is below 1e-6, with CLVTools' standard errors there: CLVTools'
default stopping rule leaves a few digits to chance, the optimum does not. pyclv's names map to CLVTools' as
``purchase.X`` = ``trans.X``, ``dropout.X`` = ``life.X``, ``both.X`` = ``constr.X``; CLVTools reports the penalised
mean log-likelihood of a regularised fit, pyclv the plain log-likelihood (compared here on CLVTools' scale).

CLVTools' ``bgnbd(clv.static)`` has no maximum on these data (a and b grow without bound while life.Channel runs
to minus infinity; CLVTools flags KKT2 = FALSE): pyclv reports the fit as not converged, with its warning.

    python benchmarks/apparel_covariates.py
"""

from __future__ import annotations

import argparse
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

import pyclv

#: CLVTools 0.12.1 at the optimum of its objective (estimate, standard error); log-likelihood under "LL".
REFERENCE: dict[str, dict[str, tuple[float, float]]] = {
    "pnbd(clv.apparel)": {
        "r": (1.44893892223319, 0.2434192825), "alpha": (48.6348762442707, 7.488908107),
        "s": (0.561251600297412, 0.2710660173), "beta": (46.8821810757347, 35.61309204),
        "LL": (-5848.09782690225, np.nan),
    },
    "bgnbd(clv.apparel)": {
        "r": (0.607311338698403, 0.05417298517), "alpha": (20.956754534437, 2.571973421),
        "a": (1.2755612416252, 1.027521796), "b": (8.86094789529431, 8.27101926),
        "LL": (-5857.019748908, np.nan),
    },
    "gg(clv.apparel)": {
        "p": (3.09903859418199, 0.5675607869), "q": (5.6536929672377, 0.8460489799),
        "v": (56.5041876511046, 18.60210437), "LL": (-1670.66304429689, np.nan),
    },
    "pnbd(clv.static)": {
        "r": (1.83896666110109, 0.3457660137), "alpha": (92.9629625446117, 16.97925232),
        "s": (0.591304305003066, 0.2602640781), "beta": (49.5131013304188, 36.14327778),
        "dropout.Gender": (-0.641867968213464, 0.2954996482), "dropout.Channel": (0.789758724788528, 0.3057812615),
        "purchase.Gender": (0.286135453718447, 0.1041393945), "purchase.Channel": (0.623929986263424, 0.1049418102),
        "LL": (-5821.06268586888, np.nan),
    },
    "pnbd(clv.static, names.cov.constr='Gender')": {
        "r": (1.79389071581007, 0.3317850117), "alpha": (94.7354679892426, 17.22232868),
        "s": (0.428628462851932, 0.1417170071), "beta": (59.0656770268834, 34.50693961),
        "dropout.Channel": (1.02326788731509, 0.3542217083), "purchase.Channel": (0.63855006074145, 0.1064419712),
        "both.Gender": (0.328453369092891, 0.1074157932), "LL": (-5826.53419056198, np.nan),
    },
    # standard errors of a regularised fit are not comparable (CLVTools makes its matrix positive definite)
    "pnbd(clv.static, reg.lambdas=c(trans=8, life=3))": {
        "r": (1.4557645607496, np.nan), "alpha": (49.0503913987325, np.nan),
        "s": (0.562079283765314, np.nan), "beta": (46.8002217949702, np.nan),
        "dropout.Gender": (-0.00364357239290683, np.nan), "dropout.Channel": (0.000944609158726765, np.nan),
        "purchase.Gender": (0.0037584057262959, np.nan), "purchase.Channel": (0.00499148304068071, np.nan),
        "penalised mean LL": (-9.74647216087541, np.nan),
    },
}

#: Differences are relative to the value, or to this for values nearer 0 (the shrunk coefficients of a regularised
#: fit, about 0.001 on a flat likelihood, where CLVTools' optimiser stops about 1e-7 away).
NEAR_ZERO = 0.1

#: ``predict(pnbd(clv.static) at the optimum, prediction.end = 52)``: P(alive), CET and DERT with CLVTools' default
#: continuous discount rate log(1.1) per week, for four customers.
PREDICTIONS = pd.DataFrame(
    {
        "p_alive": [0.94788750204352057, 0.98604683206467236, 0.40221045306899245, 0.37329039999305524],
        "cet": [1.7943022035956873, 1.0549686373842226, 0.20613620906112878, 0.35511177080253742],
        "dert": [0.38130836585827943, 0.22185647843942166, 0.043349775339812782, 0.075622742866249523],
    },
    index=pd.Index(["1", "10", "100", "101"], name="Id"),
)


def summary(folder: Path) -> pd.DataFrame:
    """The 104-week calibration summary with the covariates, as CLVTools builds it (same-day purchases merged)."""
    log = pd.read_csv(folder / "apparelTrans.csv", dtype={"Id": str})
    covariates = pd.read_csv(folder / "apparelStaticCov.csv", dtype={"Id": str}).set_index("Id")
    out = pyclv.rfm_summary(
        log[log["Date"] <= "2006-12-31"], customer_id_col="Id", datetime_col="Date", monetary_value_col="Price",
        observation_period_end="2006-12-31", time_unit="W",
    )
    for column in ("Gender", "Channel"):
        out[column] = covariates.loc[out.index, column].to_numpy()
    return out


def fits(data: pd.DataFrame) -> dict[str, pyclv.models.BaseModel]:
    both = {"purchase_covariates": ["Gender", "Channel"], "dropout_covariates": ["Gender", "Channel"]}
    return {
        "pnbd(clv.apparel)": pyclv.ParetoNBD().fit(data),
        "bgnbd(clv.apparel)": pyclv.BetaGeo().fit(data),
        "gg(clv.apparel)": pyclv.GammaGamma().fit(data),
        "pnbd(clv.static)": pyclv.ParetoNBD(**both).fit(data),
        "pnbd(clv.static, names.cov.constr='Gender')": pyclv.ParetoNBD(**both, constrained_covariates=["Gender"]).fit(
            data
        ),
        "pnbd(clv.static, reg.lambdas=c(trans=8, life=3))": pyclv.ParetoNBD(
            **both, covariate_penalty={"purchase": 8.0, "dropout": 3.0}
        ).fit(data),
    }


def compare(models: dict[str, pyclv.models.BaseModel]) -> pd.DataFrame:
    rows = []
    for call, reference in REFERENCE.items():
        model = models[call]
        for name, (estimate, error) in reference.items():
            if name == "LL":
                ours, ours_se = model.log_likelihood_, np.nan
            elif name == "penalised mean LL":
                gamma = model.params_.iloc[4:].to_numpy()
                lambdas = np.where(model.params_.index[4:].str.startswith("purchase."), 8.0, 3.0)
                ours = model.log_likelihood_ / model.n_customers_ - float(np.sum(lambdas * gamma**2))
                ours_se = np.nan
            else:
                ours, ours_se = model.params_[name], model.standard_errors_[name]
            rows.append({
                "call": call, "parameter": name, "pyclv": ours, "CLVTools": estimate,
                "rel. diff": abs(ours - estimate) / max(abs(estimate), NEAR_ZERO),
                "pyclv se": ours_se, "CLVTools se": error,
                "se rel. diff": abs(ours_se - error) / error if np.isfinite(error) else np.nan,
            })
    return pd.DataFrame(rows)


def predictions(model: pyclv.models.BaseModel, data: pd.DataFrame) -> pd.DataFrame:
    rows = data.loc[PREDICTIONS.index]
    rate = float(np.exp(52 * np.log(1.1) * 365.25 / 364) - 1)  # log(1.1) per week as an effective annual rate
    ours = pd.DataFrame({
        "p_alive": model.p_alive(rows),
        "cet": model.expected_purchases(rows, 52),
        "dert": model.dert(rows, annual_discount_rate=rate),
    })
    return (ours - PREDICTIONS).abs() / PREDICTIONS


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path(__file__).resolve().parents[2] / "shared/data/apparel")
    parser.add_argument("--rtol", type=float, default=1e-5, help="largest relative difference accepted")
    args = parser.parse_args()
    data = summary(args.data)
    models = fits(data)
    table = compare(models)
    pd.set_option("display.width", 200)
    print(table.to_string(index=False, float_format=lambda v: f"{v:.9g}"))
    lr = models["pnbd(clv.static)"].likelihood_ratio_test()  # CLVTools' lrtest: chi2 54.07024, df 4, p 5.09e-11
    print(f"\nlikelihood-ratio test of the covariates: {lr}")
    relative = predictions(models["pnbd(clv.static)"], data)
    print(f"\npredictions of pnbd(clv.static), relative difference to CLVTools' predict():\n{relative}")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        degenerate = pyclv.BetaGeo(purchase_covariates=["Gender", "Channel"],
                                   dropout_covariates=["Gender", "Channel"]).fit(data)
    print(f"\nbgnbd(clv.static): converged_ = {degenerate.converged_} (CLVTools: KKT2 FALSE); warned: "
          f"{bool(caught)}")
    worst = max(table["rel. diff"].max(), table["se rel. diff"].max(), float(relative.to_numpy().max()))
    ok = worst <= args.rtol and not degenerate.converged_ and abs(lr["statistic"] - 54.07024) < 1e-4
    print(f"\nlargest relative difference {worst:.3g} (accepted: {args.rtol:g}): {'ok' if ok else 'MISMATCH'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

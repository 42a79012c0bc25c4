"""Benchmark: kansrijk.clv against lifetimes on the same inputs, in the same run.

    uv run python bench/clv_bench.py [--customers 1000000] [--seed 7]

1. CDNOW (lifetimes' CDNOW_sample.txt, calibration through 1997-09-30): BG/NBD and Gamma-Gamma.
2. Simulated: N customers drawn from a BG/NBD with known parameters (vectorised,
   kansrijk.clv.simulate_bgnbd), acquired uniformly over a year, ages and recencies in whole days
   (days / 7, as the warehouse computes them).
Prints both fit times, the ratio and the largest relative parameter difference.
"""

from __future__ import annotations

import argparse
import os
import time
import warnings

import numpy as np
import pandas as pd

from kansrijk import clv

warnings.filterwarnings("ignore")
TRUE = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}


def cdnow_summary() -> pd.DataFrame:
    import lifetimes

    path = os.path.join(os.path.dirname(lifetimes.__file__), "datasets", "CDNOW_sample.txt")
    raw = pd.read_csv(path, sep=r"\s+", header=None, names=["id", "idx", "date", "qty", "amount"])
    raw["date"] = pd.to_datetime(raw["date"].astype(str))
    end = pd.Timestamp("1997-09-30")
    days = raw[raw["date"] <= end].groupby(["id", "date"], as_index=False)["amount"].sum()
    g = days.groupby("id")
    first, last = g["date"].min(), g["date"].max()
    days = days.merge(first.rename("first"), left_on="id", right_index=True)
    repeat = days[days["date"] > days["first"]].groupby("id")["amount"].mean()
    return pd.DataFrame({
        "frequency": (g.size() - 1).astype(float), "recency": (last - first).dt.days / 7,
        "T": (end - first).dt.days / 7, "monetary": repeat.reindex(first.index),
    })


def _timed(fn):
    t = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t


def compare(label: str, ours: dict, theirs: dict, t_ours: float, t_theirs: float) -> None:
    diffs = {k: abs(ours[k] - theirs[k]) / abs(theirs[k]) for k in ours}
    same3 = all(f"{ours[k]:.3g}" == f"{theirs[k]:.3g}" for k in ours)
    print(f"{label}")
    print(f"  kansrijk.clv {t_ours:8.2f} s  " + "  ".join(f"{k}={v:.5g}" for k, v in ours.items()))
    print(f"  lifetimes    {t_theirs:8.2f} s  " + "  ".join(f"{k}={v:.5g}" for k, v in theirs.items()))
    print(f"  speed-up {t_theirs / t_ours:6.1f}x   max relative parameter difference {max(diffs.values()):.2e}"
          f"   equal to 3 significant digits: {same3}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--customers", type=int, default=1_000_000)
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    from lifetimes import BetaGeoFitter, GammaGammaFitter

    s = cdnow_summary()
    x, t_x, T = s.frequency.to_numpy(), s.recency.to_numpy(), s["T"].to_numpy()
    ours, t1 = _timed(lambda: clv.fit_bgnbd(x, t_x, T))
    ref, t2 = _timed(lambda: BetaGeoFitter().fit(x, t_x, T))
    compare(f"CDNOW BG/NBD ({len(s):,} customers)", ours.params, ref.params_.to_dict(), t1, t2)
    rep = s[s.frequency > 0]
    ours, t1 = _timed(lambda: clv.fit_gamma_gamma(rep.frequency.to_numpy(), rep.monetary.to_numpy()))
    ref, t2 = _timed(lambda: GammaGammaFitter().fit(rep.frequency, rep.monetary))
    compare(f"CDNOW Gamma-Gamma ({len(rep):,} repeat buyers)", ours.params, ref.params_.to_dict(), t1, t2)

    n = args.customers
    rng = np.random.default_rng(args.seed)
    T_days = rng.integers(1, 366, n)  # acquired uniformly over the year before the calibration end
    (xs, txs, Ts), t_sim = _timed(lambda: clv.simulate_bgnbd(n, *TRUE.values(), T_days / 7.0, seed=args.seed))
    txs = np.round(txs * 7) / 7  # whole days, like the warehouse summary
    print(f"simulated {n:,} customers in {t_sim:.2f} s ({(xs > 0).mean():.1%} repeat buyers); true {TRUE}")
    ours, t1 = _timed(lambda: clv.fit_bgnbd(xs, txs, Ts))
    print(f"  kansrijk.clv collapsed {n:,} customers into {int(ours.extra['distinct_rows']):,} distinct rows")
    ref, t2 = _timed(lambda: BetaGeoFitter().fit(xs, txs, Ts))
    compare(f"simulated BG/NBD ({n:,} customers, same input)", ours.params, ref.params_.to_dict(), t1, t2)


if __name__ == "__main__":
    main()

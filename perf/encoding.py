"""Speed and exactness of brainalign.encoding.linear_predictivity on Pereira-shaped synthetic data.

Compares, in one process and on identical data (performance.md's synthetic activations: power-law spectrum, mean
offsets, 3 outlier dims x30; targets = 20-dim signal + unit noise + offsets):

* the definition as a plain loop: scikit-learn ``LinearRegression`` per ShuffleSplit fold, then ``scipy.stats.pearsonr``
  neuroid by neuroid, median over neuroids, mean over splits (what Brain-Score's paper-era ``linear_pearsonr`` does;
  brainscore-language itself is not installed here). It is slow, so by default it runs on two neuroid subsets and is
  extrapolated with a fitted ``a + b * n_neuroids`` line; the output says so;
* ``linear_predictivity`` in float64 and in mixed precision;
* the floor: the fold's matrix products alone (gram once per layer + one hat-matrix GEMM per fold), and the same plus
  the per-fold eigendecomposition (performance.md's "hat floor").

Run:  python perf/encoding.py [--neuroids 10000] [--layers 24] [--reps 3] [--baseline-neuroids 500 1000]
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
import torch
from _timing import timed


def synthetic(n: int = 627, p: int = 1024, v: int = 10_000, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """X [n, p] LM-like activations and Y [n, v] responses, as in performance.md."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, p)) * (np.arange(1, p + 1) ** -0.5) * 3 + rng.normal(size=p) * 2
    X[:, :3] *= 30
    signal = X[:, 3:23] @ rng.normal(size=(20, v)) * 0.3
    Y = signal + rng.normal(size=(n, v)) + rng.normal(size=v) * 5
    return X, Y


def baseline_loop(X: np.ndarray, Y: np.ndarray, splits) -> np.ndarray:
    """The definition, literally: sklearn LinearRegression + scipy pearsonr per neuroid. Returns [n_splits, v]."""
    from scipy.stats import pearsonr
    from sklearn.linear_model import LinearRegression

    out = np.zeros((len(splits), Y.shape[1]))
    for s, (tr, te) in enumerate(splits):
        pred = LinearRegression().fit(X[tr], Y[tr]).predict(X[te])
        for j in range(Y.shape[1]):
            out[s, j] = pearsonr(pred[:, j], Y[te, j])[0]
    return out



def floor(Xs: list[np.ndarray], Y: np.ndarray, splits, dtype: torch.dtype, with_eigh: bool) -> None:
    """Gram per layer + per fold one (L * n_test x n_train) @ (n_train x v) GEMM [+ eigh per layer]."""
    Yt = torch.as_tensor(Y).to(dtype)
    grams = []
    for X in Xs:
        Xt = torch.as_tensor(X)
        Xt = Xt - Xt.mean(0)
        grams.append(Xt @ Xt.T)
    for tr, te in splits:
        tr_t, te_t = torch.as_tensor(tr), torch.as_tensor(te)
        if with_eigh:
            for G in grams:
                torch.linalg.eigh(G[tr_t][:, tr_t])
        H = torch.cat([G[te_t][:, tr_t] for G in grams]).to(dtype)
        Ytr = Yt[tr_t]
        for c0 in range(0, Y.shape[1], 2048):
            H @ Ytr[:, c0:c0 + 2048]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--neuroids", type=int, default=10_000)
    ap.add_argument("--features", type=int, default=1024)
    ap.add_argument("--stimuli", type=int, default=627)
    ap.add_argument("--layers", type=int, default=24)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--baseline-neuroids", type=int, nargs="*", default=[500, 1000],
                    help="neuroid subsets for the sklearn loop (extrapolated); give the full count to run it whole")
    args = ap.parse_args()

    from brainalign.encoding import linear_predictivity, shuffle_splits

    print(f"torch {torch.__version__}, threads {torch.get_num_threads()}; shape {args.stimuli} x {args.features} -> "
          f"{args.neuroids} neuroids; ShuffleSplit(10, 0.9, random_state=1)")
    X, Y = synthetic(args.stimuli, args.features, args.neuroids)
    splits = shuffle_splits(len(X))

    # --- brainalign, one layer
    res = {}
    for prec in ("float64", "mixed"):
        t, lo, hi, out = timed(lambda: linear_predictivity(X, Y, precision=prec, device="cpu"), args.reps)
        res[prec] = (t, out)
        print(f"brainalign {prec:8s} 1 layer : {t:7.3f} s (min {lo:.3f}, max {hi:.3f}); score {out.score:.10f}")

    # --- baseline on subsets, exactness on those neuroids. The machine may be shared: brainalign is re-timed right
    # before and after every baseline run, and the speed-up uses the timings from the same window.
    sizes = sorted(set(min(s, args.neuroids) for s in args.baseline_neuroids))
    base_t = {}
    window = {"float64": [], "mixed": []}
    max_diff = {"float64": 0.0, "mixed": 0.0}
    for m in sizes:
        for prec in window:
            window[prec].append(timed(lambda: linear_predictivity(X, Y, precision=prec, device="cpu"), 1)[0])
        t0 = time.perf_counter()
        ref = baseline_loop(X, Y[:, :m], splits)
        base_t[m] = time.perf_counter() - t0
        for prec in window:
            window[prec].append(timed(lambda: linear_predictivity(X, Y, precision=prec, device="cpu"), 1)[0])
        for prec in max_diff:
            max_diff[prec] = max(max_diff[prec], float(np.abs(res[prec][1].per_split[:, :m] - ref).max()))
        sub_ref = float(np.mean(np.median(ref, axis=1)))
        sub_ours = linear_predictivity(X, Y[:, :m], device="cpu").score
        print(f"sklearn+scipy loop, {m:6d} neuroids: {base_t[m]:7.2f} s; score diff on them "
              f"{abs(sub_ref - sub_ours):.2e}")
    if args.neuroids in base_t:
        t_base = base_t[args.neuroids]
        how = "measured"
    elif len(sizes) >= 2 and np.polyfit(sizes, [base_t[m] for m in sizes], 1)[0] > 0:
        b, a = np.polyfit(sizes, [base_t[m] for m in sizes], 1)
        t_base = a + b * args.neuroids
        how = f"EXTRAPOLATED from {sizes} neuroids with a + b*v (a={a:.2f} s, b={b * 1000:.3f} ms/neuroid)"
    elif len(sizes) >= 2:  # load changed between the subset runs: the fitted slope is meaningless
        m = sizes[-1]
        t_base = base_t[m] * args.neuroids / m
        how = (f"EXTRAPOLATED proportionally from {m} neuroids; the subset timings were not increasing, so the "
               f"machine load changed during the run: treat this as noise")
    else:
        t_base = base_t[sizes[0]] * args.neuroids / sizes[0]
        how = f"EXTRAPOLATED linearly from {sizes[0]} neuroids"
    print(f"sklearn+scipy loop, {args.neuroids} neuroids: {t_base:.1f} s ({how})")
    for prec in ("float64", "mixed"):
        t_win = statistics.median(window[prec])
        print(f"  speed-up {prec:8s}: {t_base / t_win:6.1f}x (brainalign {t_win:.3f} s, median of {len(window[prec])} "
              f"runs around the baseline runs)   max |delta r| vs loop: {max_diff[prec]:.2e}")
    for prec, dt in (("float64", torch.float64), ("mixed", torch.float32)):
        f_mm, *_ = timed(lambda: floor([X], Y, splits, dt, False), args.reps)
        f_hat, *_ = timed(lambda: floor([X], Y, splits, dt, True), args.reps)
        print(f"  floor {prec:8s}: products {f_mm:.3f} s (x{res[prec][0] / f_mm:.2f}), products+eigh {f_hat:.3f} s "
              f"(x{res[prec][0] / f_hat:.2f})")

    # --- many layers in one call
    if args.layers > 1:
        rng = np.random.default_rng(1)
        layers = {f"layer.{i}": X * (1 + 0.05 * i) + 0.1 * rng.normal(size=X.shape) for i in range(args.layers)}
        Xs = list(layers.values())
        for prec, dt in (("float64", torch.float64), ("mixed", torch.float32)):
            t, lo, hi, out = timed(lambda: linear_predictivity(layers, Y, precision=prec, device="cpu"),
                                   max(1, args.reps - 1))
            f_mm, *_ = timed(lambda: floor(Xs, Y, splits, dt, False), 1)
            f_hat, *_ = timed(lambda: floor(Xs, Y, splits, dt, True), 1)
            print(f"brainalign {prec:8s} {args.layers} layers, one call: {t:7.2f} s (min {lo:.2f}); "
                  f"x{t / f_mm:.2f} the products floor ({f_mm:.2f} s), x{t / f_hat:.2f} products+eigh ({f_hat:.2f} s); "
                  f"vs sklearn loop {args.layers} x {t_base:.1f} s (extrapolated per layer): "
                  f"{args.layers * t_base / t:.0f}x")


if __name__ == "__main__":
    main()

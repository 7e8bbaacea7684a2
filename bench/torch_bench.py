#!/usr/bin/env python3
"""PyTorch side of seqforecast's benchmarks: the recipe of
../shared/bench/torch_reference.py (window -> chronological split, last
ceil(0.15 * n_windows) windows held out -> min-max fitted on the training
windows' inputs -> one recurrent layer -> Linear 16 ReLU -> Linear 8 ReLU ->
Linear 1; MSE, Adam, mini-batches in time order), with its training loop
timed the same way (time.perf_counter around the epochs only), on one thread
by default.

Usage:
  torch_bench.py (--csv PATH [--from YYYY-MM-DD] | --generate N)
                 [--kind rnn|lstm|gru|all] [--hidden 32] [--window 9]
                 [--batch 32] [--epochs 100] [--lr 0.01] [--seed 42]
                 [--runs 3] [--threads 1] [--label NAME]

CSV: a header line, then date,value rows; rows whose date sorts before --from
are skipped.  --generate N builds the same series as `bench_core gen N`.
Prints a human-readable line per kind (median seconds over --runs, nominal
FLOPs, GFLOP/s, holdout R^2 of the last run) and BENCH name=... value=...
unit=... lines.  FLOPs: the formula of bench_core.c (per window forward
2*T*G*H*(I+H) + 2*sum(in*out) over the head; a training window counts 3x
forward; times training windows per epoch and epochs).
"""
import argparse
import csv
import math
import random
import statistics
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

GATES = {'rnn': 1, 'lstm': 4, 'gru': 3}
HEAD = (16, 8)
M64 = (1 << 64) - 1


def mix(z):
    """splitmix64, as in bench_core.c."""
    z = (z + 0x9E3779B97F4A7C15) & M64
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M64
    return z ^ (z >> 31)


def generate(n):
    """The generated series of bench_core.c, value for value."""
    out = np.empty(n, dtype=np.float64)
    for i in range(n):
        u = (mix(i) >> 11) / 9007199254740992.0
        out[i] = 1000.0 * (10.0 + 3.0 * math.sin(2 * math.pi * i / 7.0)
                           + 2.0 * math.sin(2 * math.pi * i / 365.25)
                           + 0.0005 * i + 2.0 * (u - 0.5))
    return out


def load(path, date_from=None):
    with open(path) as f:
        r = csv.reader(f)
        next(r)
        return np.array([float(row[1]) for row in r
                         if row and (date_from is None or row[0] >= date_from)],
                        dtype=np.float64)


def forward_flops(kind, window, hidden, inp=1):
    f = 2.0 * window * GATES[kind] * hidden * (inp + hidden)
    prev = hidden
    for h in HEAD:
        f += 2.0 * prev * h
        prev = h
    return f + 2.0 * prev * 1


def windows(a, w):
    X = np.stack([a[i:i + w] for i in range(len(a) - w)])[..., None]
    y = a[w:][:, None]
    return X, y


def r2(y, p):
    y = y.ravel()
    p = p.ravel()
    return 1 - ((y - p) ** 2).sum() / ((y - y.mean()) ** 2).sum()


def run(kind, series, a):
    """torch_reference.run with the batch size as a parameter; returns
    (holdout r2, training seconds, n_train)."""
    X, y = windows(series, a.window)
    n_test = int(np.ceil(len(X) * 0.15))
    n_train = len(X) - n_test
    Xtr, Xte, ytr, yte = X[:n_train], X[n_train:], y[:n_train], y[n_train:]
    lo, hi = Xtr.min(), Xtr.max()
    sc = lambda v: (v - lo) / (hi - lo)
    random.seed(a.seed)
    np.random.seed(a.seed)
    torch.manual_seed(a.seed)
    cls = {'rnn': nn.RNN, 'lstm': nn.LSTM, 'gru': nn.GRU}[kind]
    rec = cls(input_size=1, hidden_size=a.hidden, num_layers=1, batch_first=True)
    f1, f2, fo = nn.Linear(a.hidden, HEAD[0]), nn.Linear(HEAD[0], HEAD[1]), nn.Linear(HEAD[1], 1)
    params = [p for m in (rec, f1, f2, fo) for p in m.parameters()]
    opt = torch.optim.Adam(params, lr=a.lr)
    Xt = torch.tensor(sc(Xtr), dtype=torch.float32)
    yt = torch.tensor(sc(ytr), dtype=torch.float32)
    t0 = time.perf_counter()
    for _ in range(a.epochs):
        for i in range(0, len(Xt), a.batch):
            bx, by = Xt[i:i + a.batch], yt[i:i + a.batch]
            out, _ = rec(bx)
            p = fo(F.relu(f2(F.relu(f1(out[:, -1, :])))))
            loss = F.mse_loss(p, by)
            opt.zero_grad()
            loss.backward()
            opt.step()
    t_train = time.perf_counter() - t0
    with torch.no_grad():
        out, _ = rec(torch.tensor(sc(Xte), dtype=torch.float32))
        p = fo(F.relu(f2(F.relu(f1(out[:, -1, :]))))).numpy().astype(np.float64)
    pred = p * (hi - lo) + lo
    return r2(yte, pred), t_train, n_train


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--csv')
    ap.add_argument('--from', dest='date_from')
    ap.add_argument('--generate', type=int)
    ap.add_argument('--kind', default='all')
    ap.add_argument('--hidden', type=int, default=32)
    ap.add_argument('--window', type=int, default=9)
    ap.add_argument('--batch', type=int, default=32)
    ap.add_argument('--epochs', type=int, default=100)
    ap.add_argument('--lr', type=float, default=0.01)
    ap.add_argument('--seed', type=int, default=42)
    ap.add_argument('--runs', type=int, default=3)
    ap.add_argument('--threads', type=int, default=1)
    ap.add_argument('--label', default='run')
    a = ap.parse_args()
    if (a.csv is None) == (a.generate is None):
        ap.error('give exactly one of --csv and --generate')
    torch.set_num_threads(a.threads)
    if a.csv:
        s = load(a.csv, a.date_from)
        what = f'{a.csv}{" from " + a.date_from if a.date_from else ""} ({len(s)} values)'
    else:
        s = generate(a.generate)
        what = f'generated series ({len(s)} values)'
    print(f'# torch {torch.__version__}: {what}; hidden {a.hidden} window {a.window} '
          f'head [16,8] batch {a.batch} lr {a.lr:g} epochs {a.epochs} test_fraction 0.15 '
          f'seed {a.seed}; {torch.get_num_threads()} thread(s); median of {a.runs} runs '
          f'of the training loop', flush=True)
    kinds = ['rnn', 'lstm', 'gru'] if a.kind == 'all' else [a.kind]
    for k in kinds:
        times = []
        for _ in range(a.runs):
            rr, t, n_train = run(k, s, a)
            times.append(t)
        med = statistics.median(times)
        flops = 3.0 * forward_flops(k, a.window, a.hidden) * n_train * a.epochs
        print(f'torch {a.label:<9} {k:<4} n_train {n_train:6d}  median {med:9.4f} s  '
              f'(min {min(times):.4f}, max {max(times):.4f})  {flops:10.4g} FLOP  '
              f'{flops / med * 1e-9:7.3f} GFLOP/s  holdout r2 {rr:.4f}')
        print(f'BENCH name=torch.{a.label}.{k}.seconds value={med:.6f} unit=s')
        print(f'BENCH name=torch.{a.label}.{k}.flop value={flops:.6g} unit=FLOP')
        print(f'BENCH name=torch.{a.label}.{k}.gflops value={flops / med * 1e-9:.4f} unit=GFLOP/s',
              flush=True)


if __name__ == '__main__':
    sys.exit(main())

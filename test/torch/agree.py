#!/usr/bin/env python3
"""PyTorch agreement test of seqforecast's numeric core.

For each kind (rnn, lstm, gru) with 1 and 2 layers and each seed in SEEDS, the C driver sf_agree
(built against src/core) initializes a network, prints it in the interchange
JSON of SPEC.md together with ten mini-batches, and records what the core
computes: the outputs on batch 0, the loss before each of 10 Adam steps (and
after the last), the outputs after the 10 steps.  This script loads the same
weights into the PyTorch module the interchange format names (load_state_dict
with strict=True, which checks every name and shape), redoes the computation
in float32 with torch.optim.Adam, and requires agreement to a relative 1e-4.
The same runs with input_size 3 (INPUTS: the value and two covariates per
time step, weight_ih_l0 of shape [G*hidden, 3]) check the core's networks
with exog columns.

Each check prints one TAP-like line ("ok - ..." or "not ok - ..."); the last
line is "N passed, N failed"; the exit status is 1 on any failure.  The
figures in parentheses compare both float32 results with a float64 PyTorch
run from the same weights, to tell which side drifts when they disagree.

Without torch the test fails, unless SEQFORECAST_ALLOW_SKIP=1, where it
prints "0 passed, 0 failed, 1 skipped" and succeeds.

Environment: CC (default cc) builds the driver; SF_AGREE_BIN uses a driver
built elsewhere instead.
"""
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HERE = ROOT / 'test' / 'torch'
BUILD = HERE / 'build'
DRIVER = BUILD / 'sf_agree'

KINDS = ('rnn', 'lstm', 'gru')
LAYERS = (1, 2)
INPUTS = (1, 3)
# 42 is the product's default seed.  7 stays as a regression seed: its
# two-layer RNN run is the one where Adam's constants rounded in float (1 -
# (float)0.999 instead of torch's float(1 - 0.999)) pushed the outputs after 10
# steps 6e-4 away from torch.  SF_AGREE_SEEDS="1,2,3" runs others.  Beware
# seeds whose initial outputs cancel to near zero (seed 2's GRU gives -4e-5
# against a mean of 2e-3): there the relative error of float32 itself, torch
# included, exceeds 1e-4, and the measure says nothing about the core.
SEEDS = tuple(int(s) for s in os.environ.get('SF_AGREE_SEEDS', '42,7').split(','))
TOL = 1e-4          # relative, the requirement
FLOOR = 1e-6        # absolute floor of a denominator, relative to the mean magnitude


def build_driver():
    """Build the driver unless an up-to-date one is there (run.sh builds it)."""
    if os.environ.get('SF_AGREE_BIN'):
        return Path(os.environ['SF_AGREE_BIN'])
    core = sorted((ROOT / 'src' / 'core').glob('*.c'))
    if not core:
        raise RuntimeError('no src/core/*.c to build the driver with')
    sources = core + sorted((ROOT / 'src' / 'core').glob('*.h')) + [HERE / 'sf_agree.c']
    if DRIVER.exists() and DRIVER.stat().st_mtime >= max(s.stat().st_mtime for s in sources):
        return DRIVER
    BUILD.mkdir(parents=True, exist_ok=True)
    cmd = [os.environ.get('CC', 'cc'), '-std=c11', '-O2', '-Wall', '-Wextra', '-Werror',
           '-I', str(ROOT / 'src' / 'core')] + [str(c) for c in core] + \
          [str(HERE / 'sf_agree.c'), '-lm', '-o', str(DRIVER)]
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError('driver build failed:\n' + r.stdout + r.stderr)
    return DRIVER


def run_driver(driver, kind, layers, seed, inputs=1):
    args = [str(driver), kind, str(layers), str(seed)]
    if inputs != 1:
        args += ['32', '9', '16,8', str(inputs)]
    r = subprocess.run(args, capture_output=True, text=True, timeout=60)
    if r.returncode != 0:
        raise RuntimeError(f'driver exited with {r.returncode}: {r.stderr.strip()}')
    return json.loads(r.stdout)


def make_module(torch, spec):
    nn = torch.nn
    cls = {'rnn': nn.RNN, 'lstm': nn.LSTM, 'gru': nn.GRU}[spec['kind']]
    sizes = [spec['hidden']] + list(spec['head'])
    return nn.ModuleDict({
        'rnn': cls(spec.get('inputs', 1), spec['hidden'], spec['layers'], batch_first=True),
        'head': nn.ModuleList([nn.Linear(a, b) for a, b in zip(sizes, sizes[1:])]),
        'out': nn.Linear(sizes[-1], 1),
    })


def forward(torch, model, x):
    out, _ = model['rnn'](x.unsqueeze(-1) if x.dim() == 2 else x)
    h = out[:, -1, :]
    for lin in model['head']:
        h = torch.relu(lin(h))
    return model['out'](h)


def run_torch(torch, spec, dtype):
    """The driver's computation redone in PyTorch, in dtype."""
    model = make_module(torch, spec)
    state = {name: torch.tensor(t['data'], dtype=torch.float32).reshape(t['shape'])
             for name, t in spec['tensors'].items()}
    model.load_state_dict(state, strict=True)
    model.to(dtype)
    xs = [torch.tensor(b['x'], dtype=dtype) for b in spec['batches']]
    ys = [torch.tensor(b['y'], dtype=dtype).unsqueeze(-1) for b in spec['batches']]
    opt = torch.optim.Adam(model.parameters(), lr=spec['lr'])
    params = dict(model.named_parameters())
    res = {'losses': []}
    steps = len(spec['losses']) - 1
    for k in range(steps + 1):
        b = k % len(xs)
        p = forward(torch, model, xs[b])
        loss = torch.nn.functional.mse_loss(p, ys[b])
        res['losses'].append(loss.item())
        if k == 0:
            res['pred0'] = p.detach().squeeze(-1).double().numpy()
        if k == steps:
            res['pred_after'] = p.detach().squeeze(-1).double().numpy()
            break
        opt.zero_grad()
        loss.backward()
        if k == 0:
            res['grad0'] = {n: q.grad.detach().double().numpy().ravel().copy()
                            for n, q in params.items()}
        opt.step()
    res['params_after'] = {n: q.detach().double().numpy().ravel().copy()
                           for n, q in params.items()}
    return res


def maxrel(np, got, ref):
    """max |got - ref| / max(|ref|, FLOOR * mean |ref|), and where it is."""
    got = np.asarray(got, dtype=np.float64).ravel()
    ref = np.asarray(ref, dtype=np.float64).ravel()
    if got.shape != ref.shape:
        return float('inf'), -1
    if not np.all(np.isfinite(got)):
        return float('inf'), int(np.argmin(np.isfinite(got)))
    scale = FLOOR * float(np.mean(np.abs(ref))) if ref.size else 0.0
    den = np.maximum(np.abs(ref), max(scale, np.finfo(np.float64).tiny))
    rel = np.abs(got - ref) / den
    i = int(np.argmax(rel))
    return float(rel[i]), i


def scaled_err(np, got, ref):
    """max |got - ref| / max |ref| over one tensor (for gradients and weights)."""
    got = np.asarray(got, dtype=np.float64).ravel()
    ref = np.asarray(ref, dtype=np.float64).ravel()
    if got.shape != ref.shape or not np.all(np.isfinite(got)):
        return float('inf'), -1
    den = max(float(np.max(np.abs(ref))) if ref.size else 0.0, np.finfo(np.float64).tiny)
    d = np.abs(got - ref)
    i = int(np.argmax(d))
    return float(d[i]) / den, i


class Report:
    def __init__(self):
        self.passed = 0
        self.failed = 0

    def check(self, ok, text):
        print(('ok - ' if ok else 'not ok - ') + text, flush=True)
        if ok:
            self.passed += 1
        else:
            self.failed += 1

    def note(self, text):
        print('# ' + text, flush=True)


def split(spec, flat):
    """A flat parameter-order vector from the driver, cut into named tensors."""
    out = {}
    for name, t in spec['tensors'].items():
        size = len(t['data'])
        out[name] = flat[t['offset']:t['offset'] + size]
    return out


def agree(torch, np, rep, driver, kind, layers, seed, inputs=1):
    tag = f'{kind} layers={layers} seed={seed}' + (f' inputs={inputs}' if inputs != 1 else '')
    try:
        spec = run_driver(driver, kind, layers, seed, inputs)
    except Exception as e:  # noqa: BLE001 - any driver failure is a test failure
        rep.check(False, f'{tag} driver: {e}')
        return

    # The interchange object: header fields, tensor names in state_dict order.
    model = make_module(torch, spec)
    want = {'kind': kind, 'window': 9, 'hidden': 32, 'layers': layers, 'inputs': inputs,
            'head': [16, 8], 'scaler': {'min': 0, 'max': 1}}
    bad = [k for k, v in want.items() if spec.get(k) != v]
    names = list(spec['tensors'])
    order = list(model.state_dict())
    try:
        state = {n: torch.tensor(t['data'], dtype=torch.float32).reshape(t['shape'])
                 for n, t in spec['tensors'].items()}
        model.load_state_dict(state, strict=True)
        load_err = None
    except Exception as e:  # noqa: BLE001
        load_err = str(e).replace('\n', ' ')
    if bad or names != order or load_err:
        rep.check(False, f'{tag} interchange: fields {bad} differ; names {names} vs '
                         f'state_dict {order}; load_state_dict: {load_err}')
        return
    rep.check(True, f'{tag} interchange ({len(names)} tensors, load_state_dict strict)')

    t32 = run_torch(torch, spec, torch.float32)
    t64 = run_torch(torch, spec, torch.float64)

    def versus64(key, got, ref32, ref64):
        c, _ = maxrel(np, got, ref64)
        t, _ = maxrel(np, ref32, ref64)
        return f'(vs float64: core {c:.1e}, torch {t:.1e})'

    for key in ('pred0', 'pred_after'):
        r, i = maxrel(np, spec[key], t32[key])
        line = f'{tag} {key} maxrel={r:.1e} {versus64(key, spec[key], t32[key], t64[key])}'
        if not r <= TOL:
            line += f'; worst window {i}: core {spec[key][i]!r} torch {float(t32[key][i])!r}'
        rep.check(r <= TOL, line)

    rels = [maxrel(np, [a], [b])[0] for a, b in zip(spec['losses'], t32['losses'])]
    worst = max(range(len(rels)), key=lambda k: rels[k])
    line = (f'{tag} loss before steps 1..10 and after 10 maxrel={rels[worst]:.1e} '
            f'(after 1 step {rels[1]:.1e}, after 10 {rels[10]:.1e}) '
            f'{versus64("losses", spec["losses"], t32["losses"], t64["losses"])}')
    if not rels[worst] <= TOL:
        line += (f'; worst after {worst} steps: core {spec["losses"][worst]!r} '
                 f'torch {t32["losses"][worst]!r}')
    rep.check(rels[worst] <= TOL, line)

    # The gradient of the first step, per tensor, scaled by the tensor's largest
    # entry: where a disagreement above starts.
    g = split(spec, spec['grad0'])
    errs = {n: scaled_err(np, g[n], t32['grad0'][n]) for n in names}
    wn = max(names, key=lambda n: errs[n][0])
    r, i = errs[wn]
    line = f'{tag} grad0 max scaled err={r:.1e} (in {wn})'
    if not r <= TOL:
        line += f'; {wn}[{i}]: core {g[wn][i]!r} torch {float(t32["grad0"][wn][i])!r}'
    rep.check(r <= TOL, line)

    # The weights after 10 steps, a note only: Adam's first steps move every
    # weight by about lr whatever its gradient's size, so a gradient that is
    # rounding noise may move either way in either implementation.
    w = split(spec, spec['params_after'])
    errs = {n: scaled_err(np, w[n], t32['params_after'][n]) for n in names}
    wn = max(names, key=lambda n: errs[n][0])
    rep.note(f'{tag} weights after 10 steps: max scaled err={errs[wn][0]:.1e} (in {wn})')


def main():
    try:
        import numpy as np
        import torch
    except Exception as e:  # noqa: BLE001 - any import failure means no torch
        if os.environ.get('SEQFORECAST_ALLOW_SKIP') == '1':
            print(f'# skipped: torch is not importable ({e})')
            print('0 passed, 0 failed, 1 skipped')
            return 0
        print(f'not ok - torch is not importable ({e}); '
              'set SEQFORECAST_ALLOW_SKIP=1 to skip')
        print('0 passed, 1 failed')
        return 1
    torch.set_num_threads(1)
    rep = Report()
    rep.note(f'torch {torch.__version__}, numpy {np.__version__}, seeds {SEEDS}, '
             f'tolerance relative {TOL:g}')
    try:
        driver = build_driver()
    except Exception as e:  # noqa: BLE001
        rep.check(False, f'driver build: {e}')
        driver = None
    if driver is not None:
        for seed in SEEDS:
            for kind in KINDS:
                for layers in LAYERS:
                    for inputs in INPUTS:
                        agree(torch, np, rep, driver, kind, layers, seed, inputs)
    print(f'{rep.passed} passed, {rep.failed} failed')
    return 1 if rep.failed else 0


if __name__ == '__main__':
    sys.exit(main())

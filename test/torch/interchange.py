#!/usr/bin/env python3
"""PyTorch round trips of the interchange JSON, through a running server.

(a) PyTorch -> seqforecast: for each kind (rnn, lstm, gru) with 1 and 2
    layers and a non-default head, a module built by torch from a seed is
    written as the interchange JSON (its state_dict, the scaler), stored with
    seq_model_import, and seq_predict's one-step predictions over a series
    must equal torch's forward on the same windows; so must seq_forecast's
    recursive forecast from that series, fed back in scaled units as the
    core does.
(b) seqforecast -> PyTorch: a model of each kind trained here (seq_train,
    small, the tutorial preset: one min-max-scaled network, the layout a
    torch module of the state_dict reproduces; the defaults' window-relative
    normalization and ensembles are not that) is exported with
    seq_model_export, loaded into the module with
    load_state_dict(strict=True) (which checks every name and shape), and
    torch's predictions must equal seq_predict's and seq_forecast's.

Agreement is to float32 rounding: relative 1e-5 in original units.  Inputs
are scaled as (v - min) / (max - min) in double and rounded to float32, the
network runs in float32, and outputs are scaled back in double, as the core
does.

The server is the one PGHOST, PGPORT, PGUSER and PGDATABASE name (the test
runner sets them); psql runs as a subprocess, so no driver is needed.  The
models are stored under names starting 'torch-ix-' and removed at the end.

Each check prints "ok - ..." or "not ok - ..."; the last line is
"N passed, N failed"; the exit status is 1 on any failure.  Without torch
the test fails, unless SEQFORECAST_ALLOW_SKIP=1, where it prints
"0 passed, 0 failed, 1 skipped" and succeeds.
"""
import json
import math
import os
import subprocess
import sys

TOL = 1e-5
PREFIX = 'torch-ix-'
KINDS = ('rnn', 'lstm', 'gru')
SEED = int(os.environ.get('SF_INTERCHANGE_SEED', '20240501'))


class Report:
    def __init__(self):
        self.passed = 0
        self.failed = 0

    def check(self, ok, text, detail=None):
        print(('ok - ' if ok else 'not ok - ') + text, flush=True)
        if not ok and detail:
            for line in str(detail).splitlines():
                print('#   ' + line, flush=True)
        if ok:
            self.passed += 1
        else:
            self.failed += 1

    def note(self, text):
        print('# ' + text, flush=True)

    def finish(self):
        print(f'{self.passed} passed, {self.failed} failed', flush=True)
        return 1 if self.failed else 0


def psql(sql):
    """Run SQL (from stdin, so large states are fine); return the rows' fields."""
    r = subprocess.run(['psql', '-X', '-q', '-A', '-t', '-F', '\t', '-v', 'ON_ERROR_STOP=1', '-f', '-'],
                       input=sql, capture_output=True, text=True, timeout=300)
    if r.returncode != 0:
        raise RuntimeError(r.stderr.strip() or f'psql exited with {r.returncode}')
    return [line.split('\t') for line in r.stdout.splitlines() if line != '']


def sql_array(values):
    return "'{" + ','.join(repr(float(v)) for v in values) + "}'::float8[]"


def make_module(torch, kind, hidden, layers, head):
    nn = torch.nn
    cls = {'rnn': nn.RNN, 'lstm': nn.LSTM, 'gru': nn.GRU}[kind]
    sizes = [hidden] + list(head)
    return nn.ModuleDict({
        'rnn': cls(1, hidden, layers, batch_first=True),
        'head': nn.ModuleList([nn.Linear(a, b) for a, b in zip(sizes, sizes[1:])]),
        'out': nn.Linear(sizes[-1], 1),
    })


def forward(torch, module, x):
    """x: [batch, window] scaled float32 -> [batch] scaled float32."""
    with torch.no_grad():
        out, _ = module['rnn'](x.unsqueeze(-1))
        h = out[:, -1, :]
        for lin in module['head']:
            h = torch.relu(lin(h))
        return module['out'](h).squeeze(-1)


def scale(torch, values, lo, hi):
    return torch.tensor([(v - lo) / (hi - lo) for v in values], dtype=torch.float64).to(torch.float32)


def unscale(p, lo, hi):
    return float(p) * (hi - lo) + lo


def torch_predict(torch, module, series, window, lo, hi):
    """One-step predictions for positions window+1 .. len(series) (1-based)."""
    wins = [series[p - 1 - window:p - 1] for p in range(window + 1, len(series) + 1)]
    x = torch.stack([scale(torch, w, lo, hi) for w in wins])
    return [unscale(p, lo, hi) for p in forward(torch, module, x)]


def torch_forecast(torch, module, history, window, lo, hi, horizon):
    """Recursive forecast; the window slides in scaled float32 units."""
    x = scale(torch, history[-window:], lo, hi)
    out = []
    for _ in range(horizon):
        p = forward(torch, module, x.unsqueeze(0))[0]
        out.append(unscale(p, lo, hi))
        x = torch.cat([x[1:], p.reshape(1)])
    return out


def max_rel(got, ref):
    worst = 0.0
    if len(got) != len(ref):
        return float('inf')
    for g, r in zip(got, ref):
        if not (math.isfinite(g) and math.isfinite(r)):
            return float('inf')
        worst = max(worst, abs(g - r) / max(abs(r), 1e-12))
    return worst


def series_values(n, seed):
    """A deterministic series with a weekly pattern and a trend."""
    return [150.0 + 60.0 * math.sin(2 * math.pi * i / 7) + 0.8 * i + 7.0 * math.sin(seed + i * 1.7)
            for i in range(1, n + 1)]


def state_of(module, kind, window, hidden, layers, head, lo, hi):
    return {
        'kind': kind, 'window': window, 'hidden': hidden, 'layers': layers, 'head': list(head),
        'scaler': {'min': lo, 'max': hi},
        'tensors': {name: {'shape': list(t.shape), 'data': t.detach().reshape(-1).tolist()}
                    for name, t in module.state_dict().items()},
        'producer': 'torch ' + module.__class__.__module__,
    }


def compare(rep, tag, what, got, ref):
    err = max_rel(got, ref)
    rep.check(err <= TOL, f'{tag}: {what} agree (max relative difference {err:.2g}, {len(ref)} values)',
              None if err <= TOL else f'seqforecast: {got[:5]}\ntorch:       {ref[:5]}')


def from_torch(torch, rep, kind, layers, series):
    """(a) A torch module, imported here, predicts what torch predicts."""
    window, hidden = 6, 5
    head = (7, 3) if layers == 1 else (4,)
    lo, hi = 40.0, 260.0
    tag = f'torch -> seqforecast {kind} layers={layers} head={list(head)}'
    torch.manual_seed(SEED + 31 * KINDS.index(kind) + layers)
    module = make_module(torch, kind, hidden, layers, head)
    # Biases away from PyTorch's small default init exercise every gate.
    with torch.no_grad():
        for name, t in module.named_parameters():
            if 'bias' in name:
                t.uniform_(-0.8, 0.8)
    state = state_of(module, kind, window, hidden, layers, head, lo, hi)
    name = f'{PREFIX}{kind}-{layers}'
    try:
        model_id = psql(f"SELECT seq_model_import('{name}', $state${json.dumps(state)}$state$::jsonb)")[0][0]
    except RuntimeError as e:
        rep.check(False, f'{tag}: seq_model_import', e)
        return
    rep.check(True, f'{tag}: seq_model_import stored model {model_id}')

    rows = psql(f'SELECT position, predicted FROM seq_predict({model_id}::bigint, {sql_array(series)}) ORDER BY position')
    got = [float(p) for _, p in rows]
    ref = torch_predict(torch, module, series, window, lo, hi)
    positions_ok = [int(p) for p, _ in rows] == list(range(window + 1, len(series) + 1))
    rep.check(positions_ok, f'{tag}: seq_predict gives positions {window + 1}..{len(series)}')
    compare(rep, tag, 'one-step predictions', got, ref)

    rows = psql(f'SELECT forecast, lower IS NULL AND upper IS NULL FROM seq_forecast({model_id}::bigint, 5, {sql_array(series)}) ORDER BY step')
    compare(rep, tag, '5-step recursive forecasts', [float(f) for f, _ in rows],
            torch_forecast(torch, module, series, window, lo, hi, 5))
    rep.check(all(n == 't' for _, n in rows), f'{tag}: an imported model has no intervals')


def to_torch(torch, rep, kind, layers, series):
    """(b) A model trained here, exported and loaded into torch, predicts the same."""
    window, hidden, head = 7, 6, [5]
    tag = f'seqforecast -> torch {kind} layers={layers}'
    name = f'{PREFIX}trained-{kind}-{layers}'
    options = json.dumps({'name': name, 'preset': 'tutorial', 'window': window, 'hidden': hidden,
                          'layers': layers, 'head': head, 'epochs': 8, 'seed': 7})
    try:
        model_id = psql(f"""SELECT seq_train('{kind}', v, '{options}'::jsonb ORDER BY i)
                            FROM unnest({sql_array(series)}) WITH ORDINALITY AS s(v, i)""")[0][0]
        state = json.loads(psql(f'SELECT seq_model_export({model_id}::bigint)')[0][0])
    except (RuntimeError, ValueError) as e:
        rep.check(False, f'{tag}: seq_train and seq_model_export', e)
        return
    arch_ok = (state.get('kind'), state.get('window'), state.get('hidden'), state.get('layers'),
               state.get('head')) == (kind, window, hidden, layers, head)
    rep.check(arch_ok, f'{tag}: the export names the architecture',
              None if arch_ok else json.dumps({k: state.get(k) for k in ('kind', 'window', 'hidden', 'layers', 'head')}))
    module = make_module(torch, kind, hidden, layers, head)
    try:
        tensors = {n: torch.tensor(t['data'], dtype=torch.float32).reshape(t['shape'])
                   for n, t in state['tensors'].items()}
        module.load_state_dict(tensors, strict=True)
    except Exception as e:  # noqa: BLE001 - any load failure is a test failure
        rep.check(False, f'{tag}: load_state_dict(strict=True)', e)
        return
    rep.check(True, f'{tag}: load_state_dict(strict=True) takes the export')
    lo, hi = float(state['scaler']['min']), float(state['scaler']['max'])

    rows = psql(f'SELECT predicted FROM seq_predict({model_id}::bigint, {sql_array(series)}) ORDER BY position')
    compare(rep, tag, 'one-step predictions', [float(p) for (p,) in rows],
            torch_predict(torch, module, series, window, lo, hi))
    rows = psql(f'SELECT forecast FROM seq_forecast({model_id}::bigint, 5, {sql_array(series)}) ORDER BY step')
    compare(rep, tag, '5-step recursive forecasts', [float(f) for (f,) in rows],
            torch_forecast(torch, module, series, window, lo, hi, 5))


def main():
    rep = Report()
    try:
        import torch
    except ImportError:
        rep.note('PyTorch is not installed (Debian: python3-torch)')
        if os.environ.get('SEQFORECAST_ALLOW_SKIP') == '1':
            print('0 passed, 0 failed, 1 skipped')
            return 0
        rep.check(False, 'import torch')
        return rep.finish()
    torch.set_num_threads(1)
    rep.note(f'torch {torch.__version__}, seed {SEED}')

    try:
        psql('CREATE EXTENSION IF NOT EXISTS seqforecast')
        psql(f"DELETE FROM seq_model WHERE name LIKE '{PREFIX}%'")
    except RuntimeError as e:
        rep.check(False, 'a server with the seqforecast extension (PGHOST, PGPORT, PGDATABASE)', e)
        return rep.finish()

    series = series_values(60, SEED % 97)
    try:
        for kind in KINDS:
            for layers in (1, 2):
                from_torch(torch, rep, kind, layers, series)
        for kind in KINDS:
            for layers in (1, 2):
                to_torch(torch, rep, kind, layers, series)
    except RuntimeError as e:
        rep.check(False, 'psql', e)
    finally:
        try:
            psql(f"DELETE FROM seq_model WHERE name LIKE '{PREFIX}%'")
        except RuntimeError as e:
            rep.note(f'cleanup failed: {e}')
    return rep.finish()


if __name__ == '__main__':
    sys.exit(main())

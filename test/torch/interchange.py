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

(c) PyTorch -> seqforecast with input_size 3: a torch module whose RNN
    takes three inputs a step (the value and the two columns of the calendar
    part hour_of_day, the state naming them with "calendar" and "time"),
    imported, gives seq_predict's one-step predictions (with ts) equal to
    torch's on inputs built as FORMAT.md says (window step s: the scaled
    value s and the calendar features of step s + 1).
(c') PyTorch -> seqforecast with input_size 3 and no seqforecast keys: a
    plain state_dict whose weight_ih_l0 is [G*hidden, 3] imports as a model
    of two covariates fed as given (shift 0, scale 1); seq_predict over rows
    of the value and the two inputs, and seq_forecast from such rows with
    future, give torch's numbers on the same raw inputs.
(d) seqforecast -> PyTorch with input_size 3: a covariate model (rows of the
    target and two covariates) and a calendar model (day_of_week, 8 inputs)
    trained here with one min-max network, exported and loaded into
    torch's module of that input size (load_state_dict(strict=True)); torch,
    fed each covariate as (x - shift) / scale from the export's "features",
    gives seq_forecast's forecasts with future (covariates) and seq_predict's
    one-step predictions with ts (calendar).

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


def make_module(torch, kind, hidden, layers, head, inputs=1):
    nn = torch.nn
    cls = {'rnn': nn.RNN, 'lstm': nn.LSTM, 'gru': nn.GRU}[kind]
    sizes = [hidden] + list(head)
    return nn.ModuleDict({
        'rnn': cls(inputs, hidden, layers, batch_first=True),
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


def forward_x(torch, module, x):
    """x: [batch, window, inputs] float32 -> [batch] scaled float32."""
    with torch.no_grad():
        out, _ = module['rnn'](x)
        h = out[:, -1, :]
        for lin in module['head']:
            h = torch.relu(lin(h))
        return module['out'](h).squeeze(-1)


def hour_of_day(hours):
    """FORMAT.md's hour_of_day columns of a whole hour (UTC, the session's zone here)."""
    p = (hours % 24) / 24.0
    return [math.sqrt(2) * math.sin(2 * math.pi * p), math.sqrt(2) * math.cos(2 * math.pi * p)]


def day_of_week(wday):
    """FORMAT.md's day_of_week columns: one-hot, Sunday first, standardized."""
    sd = math.sqrt(6 / 49)
    return [((1.0 if d == wday else 0.0) - 1 / 7) / sd for d in range(7)]


def window_inputs(torch, values, exog_rows, lo, hi):
    """One window's [window, inputs] float32 inputs: the scaled value of each step
    beside its exog row (already in network units), rounded to float32 from double."""
    rows = [[(v - lo) / (hi - lo)] + list(e) for v, e in zip(values, exog_rows)]
    return torch.tensor(rows, dtype=torch.float64).to(torch.float32)


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


def from_torch_inputs(torch, rep, kind, series):
    """(c) A torch module of input_size 3 (value + hour_of_day) imported here."""
    window, hidden, layers, head = 6, 5, 1, (4,)
    lo, hi = 40.0, 260.0
    tag = f'torch -> seqforecast {kind} input_size=3 (hour_of_day)'
    torch.manual_seed(SEED + 7 * KINDS.index(kind) + 100)
    module = make_module(torch, kind, hidden, layers, head, inputs=3)
    with torch.no_grad():
        for name, t in module.named_parameters():
            if 'bias' in name:
                t.uniform_(-0.8, 0.8)
    state = state_of(module, kind, window, hidden, layers, head, lo, hi)
    # hourly steps from 2024-01-01 00:00 UTC (microseconds from 2000-01-01)
    start_us = 8766 * 24 * 3600 * 1000000
    state['calendar'] = ['hour_of_day']
    state['time'] = {'kind': 'timestamptz', 'frequency': {'microseconds': 3600000000},
                     'last': start_us + (len(series) - 1) * 3600000000}
    name = f'{PREFIX}{kind}-in3'
    try:
        model_id = psql(f"SELECT seq_model_import('{name}', $state${json.dumps(state)}$state$::jsonb)")[0][0]
    except RuntimeError as e:
        rep.check(False, f'{tag}: seq_model_import', e)
        return
    rep.check(True, f'{tag}: seq_model_import stored model {model_id}')
    ts = "ARRAY(SELECT timestamptz '2024-01-01 00:00+00' + make_interval(hours => i) " \
         f"FROM generate_series(0, {len(series) - 1}) i ORDER BY i)"
    rows = psql(f"SET TimeZone = 'UTC'; SELECT position, predicted FROM seq_predict({model_id}::bigint, "
                f"{sql_array(series)}, {ts}) ORDER BY position")
    got = [float(p) for _, p in rows]
    cal = [hour_of_day(i) for i in range(len(series))]
    x = torch.stack([window_inputs(torch, series[k - window:k], cal[k - window + 1:k + 1], lo, hi)
                     for k in range(window, len(series))])
    ref = [unscale(p, lo, hi) for p in forward_x(torch, module, x)]
    rep.check([int(p) for p, _ in rows] == list(range(window + 1, len(series) + 1)),
              f'{tag}: seq_predict gives positions {window + 1}..{len(series)}')
    compare(rep, tag, 'one-step predictions', got, ref)


def rows_sql(values, cov):
    """A two-dimensional float8 array of rows [value, covariates...]."""
    return 'ARRAY[' + ','.join('ARRAY[' + ','.join(repr(float(x)) for x in [v] + list(c)) + ']'
                               for v, c in zip(values, cov)) + ']::float8[]'


def from_torch_plain(torch, rep, kind, series):
    """(c') A plain torch state of input_size 3 (no seqforecast keys) imported here."""
    window, hidden, layers, head, horizon = 6, 5, 2, (4,), 4
    lo, hi = 40.0, 260.0
    tag = f'torch -> seqforecast {kind} plain input_size=3 (two unscaled covariates)'
    torch.manual_seed(SEED + 7 * KINDS.index(kind) + 200)
    module = make_module(torch, kind, hidden, layers, head, inputs=3)
    with torch.no_grad():
        for name, t in module.named_parameters():
            if 'bias' in name:
                t.uniform_(-0.8, 0.8)
    state = state_of(module, kind, window, hidden, layers, head, lo, hi)
    name = f'{PREFIX}{kind}-plain3'
    n = len(series)
    cov = [[float(i % 4 == 0), 0.5 * math.sin(i / 2.0)] for i in range(n + horizon)]
    try:
        model_id = psql(f"SELECT seq_model_import('{name}', $state${json.dumps(state)}$state$::jsonb)")[0][0]
    except RuntimeError as e:
        rep.check(False, f'{tag}: seq_model_import', e)
        return
    rep.check(True, f'{tag}: seq_model_import stored model {model_id}')
    rows = psql(f'SELECT position, predicted FROM seq_predict({model_id}::bigint, {rows_sql(series, cov[:n])}) ORDER BY position')
    got = [float(p) for _, p in rows]
    x = torch.stack([window_inputs(torch, series[k - window:k], cov[k - window + 1:k + 1], lo, hi)
                     for k in range(window, n)])
    ref = [unscale(p, lo, hi) for p in forward_x(torch, module, x)]
    rep.check([int(p) for p, _ in rows] == list(range(window + 1, n + 1)),
              f'{tag}: seq_predict over rows gives positions {window + 1}..{n}')
    compare(rep, tag, 'one-step predictions', got, ref)
    values = list(series)
    ref = []
    for k in range(n, n + horizon):
        xk = window_inputs(torch, values[k - window:k], cov[k - window + 1:k + 1], lo, hi)
        p = forward_x(torch, module, xk.unsqueeze(0))[0]
        ref.append(unscale(p, lo, hi))
        values.append(float(p) * (hi - lo) + lo)
    future = 'ARRAY[' + ','.join(f'ARRAY[{c[0]!r},{c[1]!r}]' for c in cov[n:]) + ']::float8[]'
    rows = psql(f'SELECT forecast FROM seq_forecast({model_id}::bigint, {horizon}, {rows_sql(series, cov[:n])}, '
                f'future => {future}) ORDER BY step')
    compare(rep, tag, f'{horizon}-step forecasts from rows with future', [float(f) for (f,) in rows], ref)


def load_export(torch, rep, tag, state, kind, inputs):
    """The module of an export of input size inputs, or None after a failed check."""
    ok = state.get('inputs') == inputs and state['tensors']['rnn.weight_ih_l0']['shape'][1] == inputs
    rep.check(ok, f'{tag}: the export has inputs {inputs} and weight_ih_l0 [G*hidden, {inputs}]',
              None if ok else json.dumps({'inputs': state.get('inputs')}))
    module = make_module(torch, kind, state['hidden'], state['layers'], state['head'], inputs=inputs)
    try:
        module.load_state_dict({n: torch.tensor(t['data'], dtype=torch.float32).reshape(t['shape'])
                                for n, t in state['tensors'].items()}, strict=True)
    except Exception as e:  # noqa: BLE001 - any load failure is a test failure
        rep.check(False, f'{tag}: load_state_dict(strict=True)', e)
        return None
    rep.check(True, f'{tag}: load_state_dict(strict=True) takes the export')
    return module


def to_torch_covariates(torch, rep, kind, series):
    """(d) A covariate model trained here, in torch, forecasts what seq_forecast does."""
    window, horizon = 6, 5
    tag = f'seqforecast -> torch {kind} covariates (input_size=3)'
    name = f'{PREFIX}cov-{kind}'
    n = len(series)
    cov = [[float(i % 5 == 0), 2.0 + math.cos(i / 3.0)] for i in range(n + horizon)]
    options = json.dumps({'name': name, 'normalize': 'minmax', 'ensemble': 1, 'window': window, 'hidden': 5,
                          'head': [4], 'epochs': 6, 'seed': 11, 'features': ['promo', 'price']})
    rows_sql = ', '.join(f'({i}, {v!r}::float8, {c[0]!r}::float8, {c[1]!r}::float8)'
                         for i, (v, c) in enumerate(zip(series, cov)))
    future_sql = 'ARRAY[' + ','.join(f'ARRAY[{c[0]!r},{c[1]!r}]' for c in cov[n:]) + ']::float8[]'
    try:
        model_id = psql(f"""SELECT seq_train('{kind}', ARRAY[v, a, b], '{options}'::jsonb ORDER BY i)
                            FROM (VALUES {rows_sql}) AS r(i, v, a, b)""")[0][0]
        state = json.loads(psql(f'SELECT seq_model_export({model_id}::bigint)')[0][0])
    except (RuntimeError, ValueError) as e:
        rep.check(False, f'{tag}: seq_train and seq_model_export', e)
        return
    names = [f.get('name') for f in state.get('features', [])]
    rep.check(names == ['promo', 'price'], f'{tag}: the export names the covariates', json.dumps(names))
    module = load_export(torch, rep, tag, state, kind, 3)
    if module is None or names != ['promo', 'price']:
        return
    lo, hi = float(state['scaler']['min']), float(state['scaler']['max'])
    shift = [float(f['shift']) for f in state['features']]
    sc = [float(f['scale']) for f in state['features']]
    exog = [[(c[j] - shift[j]) / sc[j] for j in range(2)] for c in cov]
    # recursive: step k's window is values[k - T .. k - 1] beside exog rows k - T + 1 .. k
    values = list(series)
    ref = []
    for k in range(n, n + horizon):
        x = window_inputs(torch, values[k - window:k], exog[k - window + 1:k + 1], lo, hi)
        p = forward_x(torch, module, x.unsqueeze(0))[0]
        ref.append(unscale(p, lo, hi))
        values.append(float(p) * (hi - lo) + lo)
    rows = psql(f'SELECT forecast FROM seq_forecast({model_id}::bigint, {horizon}, future => {future_sql}) ORDER BY step')
    compare(rep, tag, f'{horizon}-step forecasts with future covariates', [float(f) for (f,) in rows], ref)


def to_torch_calendar(torch, rep, kind, series):
    """(d) A calendar model (day_of_week) trained here, in torch, predicts what seq_predict does."""
    window = 6
    tag = f'seqforecast -> torch {kind} calendar day_of_week (input_size=8)'
    name = f'{PREFIX}cal-{kind}'
    n = len(series)
    options = json.dumps({'name': name, 'normalize': 'minmax', 'ensemble': 1, 'window': window, 'hidden': 5,
                          'head': [4], 'epochs': 6, 'seed': 11, 'calendar': ['day_of_week']})
    days = f"(SELECT array_agg(date '2024-01-01' + i ORDER BY i) FROM generate_series(0, {n - 1}) i)"
    try:
        model_id = psql(f"""SET TimeZone = 'UTC';
                            SELECT seq_train('{kind}', d, v, '{options}'::jsonb)
                            FROM unnest({days}, {sql_array(series)}) AS s(d, v)""")[0][0]
        state = json.loads(psql(f'SELECT seq_model_export({model_id}::bigint)')[0][0])
    except (RuntimeError, ValueError) as e:
        rep.check(False, f'{tag}: seq_train and seq_model_export', e)
        return
    rep.check(state.get('calendar') == ['day_of_week'] and state.get('time', {}).get('kind') == 'date',
              f'{tag}: the export has its calendar and a date time axis',
              json.dumps({k: state.get(k) for k in ('calendar', 'time')}))
    module = load_export(torch, rep, tag, state, kind, 8)
    if module is None:
        return
    lo, hi = float(state['scaler']['min']), float(state['scaler']['max'])
    cal = [day_of_week((1 + i) % 7) for i in range(n)]  # 2024-01-01 is a Monday
    x = torch.stack([window_inputs(torch, series[k - window:k], cal[k - window + 1:k + 1], lo, hi)
                     for k in range(window, n)])
    ref = [unscale(p, lo, hi) for p in forward_x(torch, module, x)]
    rows = psql(f"SET TimeZone = 'UTC'; SELECT predicted FROM seq_predict({model_id}::bigint, {sql_array(series)}, "
                f"(SELECT array_agg(d::timestamptz ORDER BY d) FROM unnest({days}) d)) ORDER BY position")
    compare(rep, tag, 'one-step predictions with ts', [float(p) for (p,) in rows], ref)


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
    # The reference must be float32 computed exactly: PyTorch 2's oneDNN LSTM
    # (Debian 13's torch 2.6, on a CPU with AVX-512 BF16) is off by up to 0.07
    # against float64 on a hidden-8 LSTM, where its native kernel is within
    # 4e-8; seqforecast agrees with the native one.  1.13 has no oneDNN RNNs.
    torch.backends.mkldnn.enabled = False
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
        for kind in KINDS:
            from_torch_inputs(torch, rep, kind, series)
            from_torch_plain(torch, rep, kind, series)
            to_torch_covariates(torch, rep, kind, series)
            to_torch_calendar(torch, rep, kind, series)
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

#!/usr/bin/env python3
"""Accuracy benchmark of seqforecast (issue 10; see bench/README.md, figure 5).

    bench/accuracy.py [cinema] [forecast] [time] [covariates]   (default: cinema forecast)

forecast: every univariate series of ../shared/data/forecasting/ (relative to
the repository root), M4-style: train on all but the last h values, forecast
h.  Our kinds through SQL (seq_fit ... GROUP BY series, then seq_forecast
through CROSS JOIN LATERAL) in a throwaway database, against seasonal naive
and statsmodels' damped additive ETS fitted on the same training part.
Scored by MASE (scaled by the in-sample seasonal-naive MAE of the training
part).  cinema: one-step holdout R^2 of seq_fit on the tutorial series, seeds
1-5, with the defaults and with the tutorial preset.  time: a few series
with real timestamps (daily, weekly, 5-minute business hours, cinema) through
seq_fit(kind, ts, value) with calendar "none" (the default) and with the
calendar parts of each frequency's cycle, MASE beside ETS; then cinema with
its dates, one-step holdout R^2 of seq_fit(kind, date, value) for seeds 1-5
with the calendar default against calendar "none" (issue 11's target).
covariates: the
univariate default against the covariate model (seq_fit over rows of the
target then its covariates) on uschange (consumption with income,
production, savings, unemployment) and bjsales (sales with its leading
indicator), holdout MASE and R^2 side by side, the covariates of the forecast
period taken as known (their actual values); and the training time of a
covariate model against the univariate model of the same size (issue 12's
1.5x target).

Environment:
  SF_OPTIONS    JSON object merged into every training's options (its keys win)
  SF_KINDS      kinds to train (default "gru lstm rnn")
  SF_SERIES     "all" (default), "quick" (about 40 representative series,
                30 of them tourism) or a regular expression on series names
  SF_BANK_DAYS  days of bank_calls_5min kept for training (default 20)
  SF_NO_ETS=1   skip the ETS anchor
  BENCH_DATA    the cinema CSV (default ../shared/data/cinema_daily.csv)
  BENCH_LINES   a file of BENCH lines from run.sh (core and PyTorch figures
                shown beside the cinema ones)
  PGHOST ...    use that server as it is; else this tree is built, installed
                under the install lock and a throwaway cluster started in
                $SFBENCH_CLUSTER_DIR (default /tmp/sfbench), port
                $SFBENCH_PORT (default 5488)
Every summary figure is also printed as "BENCH name=accuracy.... value=...
unit=...".  Nothing is cached: the Python anchors write only to a temporary
directory, removed at the end.
"""
import csv
import fcntl
import filecmp
import io
import json
import math
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import warnings

sys.dont_write_bytecode = True

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
SHARED = os.path.normpath(os.path.join(ROOT, '..', 'shared'))
DATA_DIR = os.path.join(SHARED, 'data', 'forecasting')
CINEMA_CSV = os.environ.get('BENCH_DATA') or os.path.join(SHARED, 'data', 'cinema_daily.csv')
PGBIN = '/usr/lib/postgresql/15/bin'
LOCK = os.environ.get('SFBENCH_INSTALL_LOCK', '/tmp/seqforecast-install.lock')

ALL_KINDS = ('gru', 'lstm', 'rnn')
# Horizon and season per frequency (M4's horizons; 5min: one business day).
H = {'monthly': 18, 'quarterly': 8, 'yearly': 6, 'weekly': 13, 'daily': 14, '5min': 169}
M = {'monthly': 12, 'quarterly': 4, 'yearly': 1, 'weekly': 52, 'daily': 7, '5min': 169}

# Univariate files: (file, series name, frequency); the value is column 2.
UNIVARIATE = [
    ('usaccdeaths_monthly.csv', 'usaccdeaths', 'monthly'),
    ('ldeaths_monthly.csv', 'ldeaths', 'monthly'),
    ('elecequip_monthly.csv', 'elecequip', 'monthly'),
    ('johnsonjohnson_quarterly.csv', 'johnsonjohnson', 'quarterly'),
    ('ukgas_quarterly.csv', 'ukgas', 'quarterly'),
    ('euretail_quarterly.csv', 'euretail', 'quarterly'),
    ('qauselec_quarterly.csv', 'qauselec', 'quarterly'),
    ('qgas_quarterly.csv', 'qgas', 'quarterly'),
    ('lynx_yearly.csv', 'lynx', 'yearly'),
    ('nile_yearly.csv', 'nile', 'yearly'),
    ('otexts_views_daily.csv', 'otexts_views', 'daily'),
    ('melb_walkers_daily.csv', 'melb_walkers', 'daily'),
    ('us_gasoline_weekly.csv', 'us_gasoline', 'weekly'),
    ('bank_calls_5min.csv', 'bank_calls', '5min'),
]
# Grouped files: (file, name prefix, key columns, time column, value column,
# frequency, benchmark group).  Each group of a file is one series; a
# benchmark group other than "others" is trained as its own GROUP BY
# statement and summarized apart.
GROUPED = [
    ('aus_births_monthly.csv', 'aus_births', ('state',), 'month', 'births', 'monthly', 'others'),
    ('tourism_quarterly.csv', 'tourism', ('region', 'purpose'), 'quarter', 'trips', 'quarterly', 'tourism'),
]
# Files with covariates: not in the forecast part, but in the covariates
# part (COVARIATE_SERIES).
COVARIATE_FILES = {'uschange_quarterly.csv', 'bjsales_with_lead.csv'}

QUICK_OTHERS = ['usaccdeaths', 'elecequip', 'johnsonjohnson', 'ukgas', 'euretail', 'lynx', 'nile',
                'otexts_views', 'us_gasoline', 'aus_births/NSW']
QUICK_TOURISM = 30

# The 1.0 defaults, spelled out: the tutorial recipe where "preset" is unknown.
TUTORIAL_EXPLICIT = {'window': 9, 'hidden': 32, 'layers': 1, 'dropout': 0, 'head': [16, 8],
                     'epochs': 100, 'batch_size': 32, 'learning_rate': 0.01,
                     'test_fraction': 0.15, 'validation_fraction': 0, 'season': 7}


def out(line=''):
    print(line, flush=True)


BENCH_LINES = []


def bench(key, value, unit):
    """Keeps a BENCH line; flush_bench() prints them after the part's tables."""
    if isinstance(value, float):
        value = 'nan' if not math.isfinite(value) else f'{value:.6g}'
    BENCH_LINES.append(f'BENCH name=accuracy.{key} value={value} unit={unit}')


def flush_bench():
    for line in BENCH_LINES:
        out(line)
    BENCH_LINES.clear()


def fmt(x, width=8, digits=3):
    if x is None or not math.isfinite(x):
        return f'{"-":>{width}}'
    return f'{x:{width}.{digits}f}'


def loadavg():
    try:
        with open('/proc/loadavg') as f:
            return ' '.join(f.read().split()[:3])
    except OSError:
        return '?'


def geomean(xs):
    xs = [x for x in xs if x is not None and math.isfinite(x)]
    if not xs:
        return float('nan')
    return math.exp(sum(math.log(max(x, 1e-12)) for x in xs) / len(xs))


class Series:
    def __init__(self, name, freq, group, values, note=''):
        self.name, self.freq, self.group, self.note = name, freq, group, note
        self.m, self.h = M[freq], H[freq]
        self.train, self.test = values[:-self.h], values[-self.h:]
        self.covariates = None

    def scale(self):
        """In-sample MAE of the seasonal naive (lag m; lag 1 when m = 1)."""
        lag = self.m if self.m > 1 else 1
        d = [abs(self.train[i] - self.train[i - lag]) for i in range(lag, len(self.train))]
        return sum(d) / len(d) if d else float('nan')

    def mase(self, forecast):
        if forecast is None or len(forecast) != self.h or any(f is None or not math.isfinite(f) for f in forecast):
            return float('nan')
        s = self.scale()
        if not (s > 0):
            return float('nan')
        return sum(abs(f - a) for f, a in zip(forecast, self.test)) / self.h / s


def read_rows(path):
    with open(path, newline='') as f:
        r = csv.reader(f)
        header = next(r)
        return header, [row for row in r if row]


def load_series():
    """Every series of the benchmark, in a fixed order; and notes."""
    notes = []
    series = []
    for fname, name, freq in UNIVARIATE:
        path = os.path.join(DATA_DIR, fname)
        if not os.path.exists(path):
            notes.append(f'{fname} not found: left out')
            continue
        _, rows = read_rows(path)
        values = [float(row[1]) for row in rows]
        note = ''
        if freq == '5min':
            days = int(os.environ.get('SF_BANK_DAYS', '20'))
            keep = days * M[freq] + H[freq]
            if len(values) > keep:
                note = f'last {days} of {len(values) // M[freq]} days trained'
                values = values[-keep:]
        series.append(Series(name, freq, 'others', values, note))
    for fname, prefix, keys, tcol, vcol, freq, group in GROUPED:
        path = os.path.join(DATA_DIR, fname)
        if not os.path.exists(path):
            notes.append(f'{fname} not found: left out')
            continue
        header, rows = read_rows(path)
        ki = [header.index(k) for k in keys]
        ti, vi = header.index(tcol), header.index(vcol)
        groups = {}
        for row in rows:
            groups.setdefault(tuple(row[i] for i in ki), []).append((row[ti], float(row[vi])))
        for key in sorted(groups):
            pts = sorted(groups[key])
            series.append(Series(prefix + '/' + '/'.join(key), freq, group, [v for _, v in pts]))
    known = {u[0] for u in UNIVARIATE} | {g[0] for g in GROUPED} | COVARIATE_FILES
    for fname in sorted(os.listdir(DATA_DIR)):
        if fname.endswith('.csv') and fname not in known:
            notes.append(f'{fname}: not in the benchmark (unknown file)')
    notes.append('left out (covariates; see the covariates part): ' + ', '.join(sorted(COVARIATE_FILES)))
    return series, notes


def select_series(series, spec):
    if spec in ('', 'all'):
        return series
    if spec == 'quick':
        others = [s for s in series if s.name in QUICK_OTHERS]
        tour = [s for s in series if s.group == 'tourism']
        n = len(tour)
        picked = [tour[(i * n) // QUICK_TOURISM] for i in range(min(QUICK_TOURISM, n))] if n else []
        return others + picked
    rx = re.compile(spec)
    return [s for s in series if rx.search(s.name)]


# --- anchors ------------------------------------------------------------------

def seasonal_naive(s):
    if s.m <= 1:
        return [s.train[-1]] * s.h
    n = len(s.train)
    return [s.train[n - s.m + (j % s.m)] for j in range(s.h)]


def fit_ets(series_list, tmp):
    """Damped additive ETS per series: {name: (forecast or None, note)}."""
    os.environ.setdefault('MPLCONFIGDIR', os.path.join(tmp, 'mpl'))
    os.environ.setdefault('XDG_CACHE_HOME', os.path.join(tmp, 'cache'))
    try:
        import numpy as np
        from statsmodels.tsa.holtwinters import ExponentialSmoothing
    except Exception as e:  # noqa: BLE001 - any import problem means no anchor
        return None, f'statsmodels unavailable ({type(e).__name__}: {e}); install python3-statsmodels'
    res = {}
    for s in series_list:
        y = np.asarray(s.train, dtype=float)
        seasonal = 'add' if s.m > 1 and len(y) >= 2 * s.m else None
        notes = []
        fc = None
        for attempt in ((seasonal,) if seasonal is None else (seasonal, None)):
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter('always')
                try:
                    fit = ExponentialSmoothing(y, trend='add', damped_trend=True, seasonal=attempt,
                                               seasonal_periods=s.m if attempt else None).fit()
                    f = [float(v) for v in fit.forecast(s.h)]
                    if all(math.isfinite(v) for v in f):
                        fc = f
                    else:
                        notes.append(f'{"seasonal" if attempt else "non-seasonal"} fit gave non-finite forecasts')
                except Exception as e:  # noqa: BLE001 - any failing fit falls back
                    notes.append(f'{"seasonal" if attempt else "non-seasonal"} fit failed: {type(e).__name__}: {e}')
            conv = sum(1 for w in caught if 'Convergence' in type(w.message).__name__ or 'converge' in str(w.message))
            if conv:
                notes.append(f'{conv} convergence warning(s)')
            if fc is not None:
                if attempt is None and seasonal is not None:
                    notes.append('fell back to no seasonality')
                break
        if seasonal is None and s.m > 1:
            notes.append(f'no seasonality: {len(y)} values < 2 seasons')
        res[s.name] = (fc, '; '.join(notes))
    return res, None


# --- the server -----------------------------------------------------------------

def run(cmd, **kw):
    return subprocess.run(cmd, text=True, capture_output=True, **kw)


class Server:
    """A PostgreSQL server with this tree's seqforecast, and a scratch database."""

    def __init__(self):
        self.env = dict(os.environ)
        self.env['PATH'] = PGBIN + ':' + self.env.get('PATH', '')
        self.cluster = None
        self.own = not os.environ.get('PGHOST')
        self.db = f'sfbench_accuracy_{os.getpid()}'
        self.built = os.path.join(ROOT, 'seqforecast.so')
        self.installed = None
        self.lock_fd = None
        self.lock_wait = 0.0

    def lock(self):
        if self.own:
            t = time.time()
            self.lock_fd = open(LOCK, 'a')
            fcntl.flock(self.lock_fd, fcntl.LOCK_EX)
            self.lock_wait += time.time() - t

    def unlock(self):
        if self.lock_fd is not None:
            fcntl.flock(self.lock_fd, fcntl.LOCK_UN)
            self.lock_fd.close()
            self.lock_fd = None

    def install_if_needed(self, first=False):
        """Under the lock: installs this tree when the installed library differs."""
        if self.installed and os.path.exists(self.installed) and filecmp.cmp(self.built, self.installed, shallow=False):
            return True
        if not first:
            out('# note: the installed seqforecast.so is not this tree\'s (another build was installed '
                'meanwhile): installing this tree again')
        r = run(['make', '-s', '-C', ROOT, 'install'], env=self.env)
        if r.returncode != 0:
            out(r.stdout[-2000:] + r.stderr[-2000:])
            return False
        return True

    def start(self):
        """Returns None, or why the SQL parts cannot run."""
        if not self.own:
            r = run(['psql', '-X', '-At', '-c', 'select 1'], env=self.env)
            if r.returncode != 0:
                return f'PGHOST={os.environ["PGHOST"]} is set but psql fails: {r.stderr.strip()}'
            out(f'# server: PGHOST={os.environ["PGHOST"]} PGPORT={os.environ.get("PGPORT", "default")}; '
                'the installed seqforecast is measured as is')
        else:
            if os.environ.get('SFBENCH_NO_CLUSTER') == '1':
                return 'no PGHOST and SFBENCH_NO_CLUSTER=1'
            if not os.path.exists(os.path.join(PGBIN, 'initdb')):
                return 'no PGHOST and no PostgreSQL 15 server binaries to start a cluster'
            r = run(['make', '-s', '-C', ROOT], env=self.env)
            if r.returncode != 0:
                out(r.stdout[-2000:] + r.stderr[-2000:])
                return 'make failed'
            r = run([self.env.get('PG_CONFIG', PGBIN + '/pg_config'), '--pkglibdir'], env=self.env)
            self.installed = os.path.join(r.stdout.strip(), 'seqforecast.so')
            d = os.environ.get('SFBENCH_CLUSTER_DIR', '/tmp/sfbench')
            self.lock()
            try:
                if not self.install_if_needed(first=True):
                    return 'make install failed'
                env = dict(self.env, SEQFORECAST_PORT=os.environ.get('SFBENCH_PORT', '5488'))
                r = run([os.path.join(ROOT, 'scripts', 'cluster.sh'), 'start', d], env=env)
                if r.returncode != 0:
                    return f'could not start a throwaway cluster in {d}: {r.stderr.strip()[-500:]}'
                self.cluster = d
                r = run([os.path.join(ROOT, 'scripts', 'cluster.sh'), 'env', d], env=self.env)
                for line in r.stdout.splitlines():
                    k, _, v = line.replace('export ', '', 1).partition('=')
                    self.env[k] = v
                err = self.create_db()
            finally:
                self.unlock()
            if err:
                return err
            out(f'# server: throwaway cluster in {d} (port {self.env.get("PGPORT")}), after make install of this tree')
            return None
        return self.create_db()

    def create_db(self):
        r = run(['psql', '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-c', f'CREATE DATABASE {self.db}'], env=self.env)
        if r.returncode != 0:
            return f'CREATE DATABASE failed: {r.stderr.strip()}'
        self.env['PGDATABASE'] = self.db
        r = run(['psql', '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-c', 'CREATE EXTENSION seqforecast'], env=self.env)
        if r.returncode != 0:
            return f'CREATE EXTENSION failed: {r.stderr.strip()}'
        return None

    def session(self, script):
        """One psql session running script; returns (ok, stdout, stderr).

        With our own cluster, the library is loaded while the install lock is
        held (and this tree installed again if someone replaced it), so every
        session measures this tree even when others install meanwhile."""
        cmd = ['psql', '-X', '-q', '-At', '-v', 'ON_ERROR_STOP=1']
        if not self.own:
            r = subprocess.run(cmd, input=script, text=True, capture_output=True, env=self.env)
            return r.returncode == 0, r.stdout, r.stderr
        self.lock()
        try:
            if not self.install_if_needed():
                return False, '', 'make install failed'
            p = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                 text=True, env=self.env)
            p.stdin.write("LOAD 'seqforecast';\n\\echo __sf_loaded__\n")
            p.stdin.flush()
            head = []
            while True:
                line = p.stdout.readline()
                if not line or line.strip() == '__sf_loaded__':
                    break
                head.append(line)
        finally:
            self.unlock()
        o, e = p.communicate(script)
        return p.returncode == 0, ''.join(head) + o, e

    def stop(self):
        if self.own and self.cluster:
            run([os.path.join(ROOT, 'scripts', 'cluster.sh'), 'stop', self.cluster], env=self.env)
            self.cluster = None
        elif not self.own and self.env.get('PGDATABASE') == self.db:
            env = dict(self.env)
            env.pop('PGDATABASE')
            run(['psql', '-X', '-q', '-d', 'postgres', '-c', f'DROP DATABASE IF EXISTS {self.db}'], env=env)


def sql_literal(s):
    return "'" + s.replace("'", "''") + "'"


def csv_lines(text):
    return list(csv.reader(io.StringIO(text)))


# --- forecasting ------------------------------------------------------------------

SETUP_SQL = r"""
SET client_min_messages = warning;
CREATE TABLE bench_series(series text PRIMARY KEY, grp text NOT NULL, m int NOT NULL, h int NOT NULL,
                          opts jsonb NOT NULL);
CREATE TABLE bench_train(series text NOT NULL, t int NOT NULL, v float8 NOT NULL);
CREATE TABLE bench_model(kind text, series text, model bytea);
CREATE TABLE bench_fc(kind text, series text, step int, forecast float8, lower float8, upper float8);
CREATE TABLE bench_fail(kind text, grp text, series text, stage text, message text);

-- Trains every series of group g in one GROUP BY statement.  If that
-- statement fails, records why and trains the series one by one, recording
-- each failure, so one bad series costs only itself.  Returns the seconds.
CREATE FUNCTION bench_fit(k text, g text, extra jsonb) RETURNS float8 LANGUAGE plpgsql AS $$
DECLARE
    t0 timestamptz := clock_timestamp();
    r record;
BEGIN
    BEGIN
        INSERT INTO bench_model(kind, series, model)
        SELECT k, d.series, seq_fit(k, d.v, s.opts || extra ORDER BY d.t)
        FROM bench_train d JOIN bench_series s USING (series)
        WHERE s.grp = g GROUP BY d.series;
    EXCEPTION WHEN OTHERS THEN
        INSERT INTO bench_fail VALUES (k, g, NULL, 'group statement', SQLSTATE || ' ' || SQLERRM);
        FOR r IN SELECT series FROM bench_series WHERE grp = g ORDER BY series LOOP
            BEGIN
                INSERT INTO bench_model(kind, series, model)
                SELECT k, d.series, seq_fit(k, d.v, s.opts || extra ORDER BY d.t)
                FROM bench_train d JOIN bench_series s USING (series)
                WHERE d.series = r.series GROUP BY d.series;
            EXCEPTION WHEN OTHERS THEN
                INSERT INTO bench_fail VALUES (k, g, r.series, 'training', SQLSTATE || ' ' || SQLERRM);
            END;
        END LOOP;
    END;
    INSERT INTO bench_fail
    SELECT k, g, m.series, 'training', 'seq_fit returned NULL'
    FROM bench_model m JOIN bench_series s USING (series)
    WHERE m.kind = k AND s.grp = g AND m.model IS NULL;
    RETURN extract(epoch FROM clock_timestamp() - t0);
END
$$;

-- Forecasts h steps from every model of kind k (one statement, CROSS JOIN
-- LATERAL), falling back to one series at a time if that fails.
CREATE FUNCTION bench_forecast(k text) RETURNS float8 LANGUAGE plpgsql AS $$
DECLARE
    t0 timestamptz := clock_timestamp();
    r record;
BEGIN
    BEGIN
        INSERT INTO bench_fc
        SELECT k, m.series, f.step, f.forecast, f.lower, f.upper
        FROM bench_model m JOIN bench_series s USING (series)
        CROSS JOIN LATERAL seq_forecast(m.model, s.h) f
        WHERE m.kind = k AND m.model IS NOT NULL;
    EXCEPTION WHEN OTHERS THEN
        INSERT INTO bench_fail VALUES (k, NULL, NULL, 'forecast statement', SQLSTATE || ' ' || SQLERRM);
        FOR r IN SELECT m.series, m.model, s.h FROM bench_model m JOIN bench_series s USING (series)
                 WHERE m.kind = k AND m.model IS NOT NULL ORDER BY m.series LOOP
            BEGIN
                INSERT INTO bench_fc
                SELECT k, r.series, f.step, f.forecast, f.lower, f.upper FROM seq_forecast(r.model, r.h) f;
            EXCEPTION WHEN OTHERS THEN
                INSERT INTO bench_fail VALUES (k, NULL, r.series, 'forecast', SQLSTATE || ' ' || SQLERRM);
            END;
        END LOOP;
    END;
    RETURN extract(epoch FROM clock_timestamp() - t0);
END
$$;
"""


def forecast_sql_setup(series_list, extra):
    buf = io.StringIO()
    buf.write(SETUP_SQL)
    buf.write('COPY bench_series FROM STDIN WITH (FORMAT csv);\n')
    w = csv.writer(buf, lineterminator='\n')
    for s in series_list:
        w.writerow([s.name, s.group, s.m, s.h, json.dumps({'season': s.m})])
    buf.write('\\.\n')
    buf.write('COPY bench_train FROM STDIN WITH (FORMAT csv);\n')
    for s in series_list:
        for i, v in enumerate(s.train):
            w.writerow([s.name, i + 1, repr(v)])
    buf.write('\\.\nANALYZE bench_series;\nANALYZE bench_train;\n')
    return buf.getvalue()


def forecast_sql_kind(kind, groups, extra):
    lines = ['SET client_min_messages = warning;']
    x = sql_literal(json.dumps(extra))
    for g in groups:
        lines.append(f"COPY (SELECT 'fit', {sql_literal(g)}, bench_fit({sql_literal(kind)}, {sql_literal(g)}, {x}::jsonb)) "
                     "TO STDOUT WITH (FORMAT csv);")
    lines.append(f"COPY (SELECT 'forecast', '', bench_forecast({sql_literal(kind)})) TO STDOUT WITH (FORMAT csv);")
    k = sql_literal(kind)
    lines.append(f"COPY (SELECT 'fc', series, step, forecast, lower, upper FROM bench_fc WHERE kind = {k} "
                 "ORDER BY series, step) TO STDOUT WITH (FORMAT csv);")
    lines.append(f"COPY (SELECT 'fail', coalesce(grp, ''), coalesce(series, ''), stage, message FROM bench_fail "
                 f"WHERE kind = {k}) TO STDOUT WITH (FORMAT csv);")
    lines.append("COPY (SELECT 'metrics', series, (x->>'restarts')::int, (x->>'epochs_run')::int "
                 "FROM (SELECT series, seq_model_export(model)->'metrics' AS x FROM bench_model "
                 f"WHERE kind = {k} AND model IS NOT NULL) q) TO STDOUT WITH (FORMAT csv);")
    # Free the models and forecasts of this kind: the next kind starts clean.
    lines.append(f'DELETE FROM bench_model WHERE kind = {k};')
    return '\n'.join(lines) + '\n'


def run_ours(server, series_list, kinds, extra):
    """Per kind: {'fc': {name: [(f, lo, up)]}, 'seconds': {group: s}, 'fails': [...], ...}."""
    res = {}
    t = time.time()
    w0 = server.lock_wait
    ok, o, e = server.session(forecast_sql_setup(series_list, extra))
    if not ok:
        out(f'# loading the series failed: {e.strip()[-1500:]}')
        return None
    out(f'# loaded {len(series_list)} series ({sum(len(s.train) for s in series_list)} training values) '
        f'in {time.time() - t:.1f} s' + (f' (of which {server.lock_wait - w0:.1f} s waiting for the install lock)'
                                         if server.lock_wait - w0 >= 0.5 else ''))
    groups = []
    for s in series_list:
        if s.group not in groups:
            groups.append(s.group)
    for kind in kinds:
        t = time.time()
        w0 = server.lock_wait
        r = {'fc': {}, 'seconds': {}, 'fails': [], 'restarts': 0, 'epochs': [], 'forecast_seconds': float('nan')}
        ok, o, e = server.session(forecast_sql_kind(kind, groups, extra))
        if not ok:
            r['fails'].append(('', '', 'session', e.strip()[-1000:]))
        for row in csv_lines(o):
            if not row:
                continue
            tag = row[0]
            if tag == 'fit':
                r['seconds'][row[1]] = float(row[2])
            elif tag == 'forecast':
                r['forecast_seconds'] = float(row[2])
            elif tag == 'fc':
                f = lambda v: float(v) if v != '' else None  # noqa: E731
                r['fc'].setdefault(row[1], []).append((f(row[3]), f(row[4]), f(row[5])))
            elif tag == 'fail':
                r['fails'].append(tuple(row[1:5]))
            elif tag == 'metrics':
                r['restarts'] += int(row[2] or 0)
                if row[3]:
                    r['epochs'].append(int(row[3]))
        tot = sum(r['seconds'].values())
        out(f'# {kind}: trained {len(r["epochs"])} of {len(series_list)} series in '
            + ', '.join(f'{g} {r["seconds"][g]:.1f} s' for g in groups if g in r['seconds'])
            + f' (total {tot:.1f} s), forecasts {r["forecast_seconds"]:.2f} s; session {time.time() - t:.1f} s'
            + (f' (of which {server.lock_wait - w0:.1f} s waiting for the install lock)'
               if server.lock_wait - w0 >= 0.5 else ''))
        for g, name, stage, msg in r['fails']:
            out(f'#   {kind} failure: {stage} {name or ("group " + g if g else "")}: {msg}')
        res[kind] = r
    return res


def part_forecast(server, tmp):
    t_part = time.time()
    wait0 = server.lock_wait
    out('\n-- 5c. forecasting: MASE on the series of ' + DATA_DIR)
    if not os.path.isdir(DATA_DIR):
        out(f'forecast part skipped: {DATA_DIR} not found (the benchmark reads ../shared relative to the repository root)')
        return
    kinds = os.environ.get('SF_KINDS', ' '.join(ALL_KINDS)).split()
    for k in kinds:
        if k not in ALL_KINDS:
            out(f'forecast part: unknown kind {k} in SF_KINDS')
            return
    extra = json.loads(os.environ.get('SF_OPTIONS') or '{}')
    if not isinstance(extra, dict):
        out('forecast part: SF_OPTIONS must be a JSON object')
        return
    all_series, notes = load_series()
    spec = os.environ.get('SF_SERIES', 'all')
    series = select_series(all_series, spec)
    if not series:
        out(f'forecast part: SF_SERIES={spec!r} selects no series')
        return
    n_tour = sum(1 for s in series if s.group == 'tourism')
    out(f'# series: {len(series)} of {len(all_series)} (SF_SERIES={spec or "all"}): {len(series) - n_tour} others, '
        f'{n_tour} tourism (one GROUP BY statement)')
    for n in notes:
        out(f'# {n}')
    out(f'# kinds: {" ".join(kinds)}; options per series: {{"season": m}} || SF_OPTIONS = {json.dumps(extra)}')
    out('# horizons/seasons: ' + ', '.join(f'{f} h={H[f]} m={M[f]}' for f in H))

    # Anchors.
    t = time.time()
    snaive = {s.name: seasonal_naive(s) for s in series}
    ets, why = (None, 'SF_NO_ETS=1') if os.environ.get('SF_NO_ETS') == '1' else fit_ets(series, tmp)
    ets_seconds = time.time() - t
    if ets is None:
        out(f'# ETS anchor skipped: {why}')
    else:
        out(f'# ETS (statsmodels damped additive, seasonal when >= 2 seasons) fitted in {ets_seconds:.1f} s')
        for s in series:
            if ets[s.name][1]:
                out(f'#   ETS {s.name}: {ets[s.name][1]}')

    # Ours.
    ours = {}
    if server.error is None:
        t = time.time()
        ours = run_ours(server, series, kinds, extra) or {}
        sql_seconds = time.time() - t
    else:
        out(f'# our models skipped: {server.error}')
        sql_seconds = float('nan')

    # Scores.
    methods = [k for k in kinds if k in ours] + (['ets'] if ets is not None else []) + ['snaive']
    mase = {m: {} for m in methods}
    for s in series:
        mase['snaive'][s.name] = s.mase(snaive[s.name])
        if ets is not None:
            mase['ets'][s.name] = s.mase(ets[s.name][0])
        for k in kinds:
            if k in ours:
                fc = ours[k]['fc'].get(s.name)
                mase[k][s.name] = s.mase([p[0] for p in fc] if fc else None)

    nw = max(len(s.name) for s in series)
    head = f'  {"series":<{nw}} {"freq":<9} {"n_train":>7} {"h":>3}' + ''.join(f' {m:>8}' for m in methods)
    out('\nMASE per series (scaled by the in-sample seasonal-naive MAE, lag m; - : no forecast)')
    out(head)
    for grp in ('others', 'tourism'):
        for s in series:
            if s.group == grp:
                out(f'  {s.name:<{nw}} {s.freq:<9} {len(s.train):>7} {s.h:>3}'
                    + ''.join(' ' + fmt(mase[m][s.name]) for m in methods)
                    + (f'   ({s.note})' if s.note else ''))

    path = os.environ.get('BENCH_ACCURACY_CSV', os.path.join(HERE, 'build', 'accuracy_forecast.csv'))
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, 'w', newline='') as f:
            w = csv.writer(f)
            w.writerow(['series', 'freq', 'n_train', 'h'] + [f'mase_{m}' for m in methods])
            for s in series:
                w.writerow([s.name, s.freq, len(s.train), s.h] + [f'{mase[m][s.name]:.6g}' for m in methods])
        out(f'(per-series MASE also in {path})')
    except OSError as e:
        out(f'(could not write {path}: {e})')

    # Series where every method has a score: the geometric means compare.
    common = [s for s in series if all(math.isfinite(mase[m][s.name]) for m in methods)]
    left = len(series) - len(common)
    out(f'\nsummary over {len(common)} series where every method has a forecast'
        + (f' ({left} left out: a failed training or a zero scale)' if left else ''))
    subsets = [('all', common), ('others', [s for s in common if s.group != 'tourism']),
               ('tourism', [s for s in common if s.group == 'tourism'])]
    gm = {}
    out(f'  {"method":<8} {"geomean":>9} {"others":>9} {"tourism":>9} {"vs ETS":>8} {"beats snaive":>16} '
        f'{"beats ETS":>16} {"coverage90":>11} {"train s":>9}')
    for m in methods:
        gm[m] = {name: geomean([mase[m][s.name] for s in sub]) for name, sub in subsets}
    for m in methods:
        for name, sub in subsets:
            if sub:
                bench(f'forecast.{m}.geomean_mase' + ('' if name == 'all' else '_' + name), gm[m][name], 'mase')
        ratio = gm[m]['all'] / gm['ets']['all'] if 'ets' in gm and m != 'ets' else float('nan')
        line = f'  {m:<8} {fmt(gm[m]["all"], 9)} {fmt(gm[m]["others"], 9)} {fmt(gm[m]["tourism"], 9)}'
        if m in ours:
            n = len(series)
            b_sn = sum(1 for s in series if mase[m][s.name] < mase['snaive'][s.name])
            b_et = sum(1 for s in series if 'ets' in mase and mase[m][s.name] < mase['ets'][s.name])
            inside = total = nulls = 0
            for s in series:
                for (f, lo, up), a in zip(ours[m]['fc'].get(s.name, []), s.test):
                    if lo is None or up is None:
                        nulls += 1
                    else:
                        total += 1
                        inside += lo <= a <= up
            cov = inside / total if total else float('nan')
            for grp in ('others', 'tourism'):
                ins = tot_g = 0
                for s in series:
                    if s.group == grp:
                        for (f, lo, up), a in zip(ours[m]['fc'].get(s.name, []), s.test):
                            if lo is not None and up is not None:
                                tot_g += 1
                                ins += lo <= a <= up
                if tot_g:
                    bench(f'forecast.{m}.coverage90_{grp}', ins / tot_g, 'fraction')
            secs = sum(ours[m]['seconds'].values())
            fails = sum(1 for f in ours[m]['fails'] if f[1])
            b_et_s = f' {b_et:>5}/{n:<4} {100 * b_et / n:5.1f}%' if 'ets' in mase else f' {"-":>16}'
            line += (f' {fmt(ratio, 8)} {b_sn:>5}/{n:<4} {100 * b_sn / n:5.1f}%'
                     f'{b_et_s} {fmt(100 * cov, 10, 1)}% {fmt(secs, 9, 1)}')
            if 'ets' in gm:
                bench(f'forecast.{m}.ratio_ets', ratio, 'x')
                for name, _ in subsets[1:]:
                    if math.isfinite(gm[m][name]) and math.isfinite(gm['ets'][name]):
                        bench(f'forecast.{m}.ratio_ets_{name}', gm[m][name] / gm['ets'][name], 'x')
                bench(f'forecast.{m}.beats_ets', b_et, 'series')
                bench(f'forecast.{m}.beats_ets_fraction', b_et / n, 'fraction')
            bench(f'forecast.{m}.beats_snaive', b_sn, 'series')
            bench(f'forecast.{m}.beats_snaive_fraction', b_sn / n, 'fraction')
            bench(f'forecast.{m}.coverage90', cov, 'fraction')
            bench(f'forecast.{m}.interval_steps', total, 'steps')
            bench(f'forecast.{m}.interval_null_steps', nulls, 'steps')
            bench(f'forecast.{m}.train_seconds', secs, 's')
            for g, v in ours[m]['seconds'].items():
                bench(f'forecast.{m}.train_seconds_{g}', v, 's')
            bench(f'forecast.{m}.forecast_seconds', ours[m]['forecast_seconds'], 's')
            bench(f'forecast.{m}.failures', fails, 'series')
            bench(f'forecast.{m}.restarts', ours[m]['restarts'], 'restarts')
            ep = ours[m]['epochs']
            bench(f'forecast.{m}.mean_epochs_run', sum(ep) / len(ep) if ep else float('nan'), 'epochs')
            ours[m]['summary'] = (nulls, fails, ep)
        else:
            n = len(series)
            line += f' {fmt(ratio, 8)}'
            if m == 'ets':
                b_sn = sum(1 for s in series if mase['ets'][s.name] < mase['snaive'][s.name])
                line += f' {b_sn:>5}/{n:<4} {100 * b_sn / n:5.1f}%' + ' ' * 29 + f' {fmt(ets_seconds, 9, 1)}'
                bench('forecast.ets.beats_snaive', b_sn, 'series')
                bench('forecast.ets.beats_snaive_fraction', b_sn / n, 'fraction')
                bench('forecast.ets.seconds', ets_seconds, 's')
            if 'ets' in gm:
                bench(f'forecast.{m}.ratio_ets', ratio, 'x')
        out(line)
    bench('forecast.series', len(series), 'series')
    bench('forecast.series_scored', len(common), 'series')
    for m in methods:
        if m in ours:
            nulls, fails, ep = ours[m]['summary']
            out(f'  {m}: {fails} failed series, {ours[m]["restarts"]} restarts, mean epochs run '
                f'{(sum(ep) / len(ep)) if ep else float("nan"):.1f}; interval bounds NULL on {nulls} steps'
                + (' (not counted in the coverage)' if nulls else ''))
    out('  geomean: exp(mean(log MASE)); vs ETS: geomean / ETS geomean; beats: strictly lower MASE (a failed')
    out('  series counts as not beating); coverage90: held-out values inside [lower, upper] of seq_forecast, all')
    out('  series and steps pooled; train s: wall clock of the training statements (each group one GROUP BY)')

    combinations(subsets, kinds, ours, ets, snaive, mase, gm)

    # Targets.
    if ours:
        out('\ntargets (issue 10)')
        verdict = lambda ok: 'met' if ok else 'NOT met'  # noqa: E731
        b_ets_sn = sum(1 for s in series if 'ets' in mase and mase['ets'][s.name] < mase['snaive'][s.name])
        for m in kinds:
            if m not in ours:
                continue
            if 'ets' in gm:
                lim = 0.9 if m == 'gru' else 1.0
                r = gm[m]['all'] / gm['ets']['all']
                out(f'  {m:<4} geomean MASE <= {lim}x ETS\'s: {r:.3f}x {verdict(r <= lim)}')
            b = sum(1 for s in series if mase[m][s.name] < mase['snaive'][s.name])
            out(f'  {m:<4} beats seasonal naive on >= 90% of the series: {100 * b / len(series):.1f}% '
                f'{verdict(b >= 0.9 * len(series))}'
                + (f' (context: damped ETS beats it on {100 * b_ets_sn / len(series):.1f}%)' if 'ets' in gm else ''))
            nulls, fails, ep = ours[m]['summary']
            cov = float(next((ln.split()[2][6:] for ln in BENCH_LINES
                              if ln.split()[1] == f'name=accuracy.forecast.{m}.coverage90'), 'nan'))
            out(f'  {m:<4} 90% interval coverage 88-92%: {100 * cov:.1f}% {verdict(0.88 <= cov <= 0.92)}'
                + (f' ({nulls} steps without bounds)' if nulls else ''))
    out(f'   (forecast part took {time.time() - t_part:.0f} s: ETS {ets_seconds:.0f} s, SQL {sql_seconds:.0f} s'
        + (f', of which {server.lock_wait - wait0:.0f} s waiting for the install lock'
           if server.lock_wait - wait0 >= 1 else '')
        + f'; load average {loadavg()})')
    bench('forecast.wall_seconds', time.time() - t_part, 's')
    flush_bench()


def combinations(subsets, kinds, ours, ets, snaive, mase, gm):
    """Forecast combinations, computed from the forecasts above: each kind
    averaged with damped ETS (weights 0.3, 0.5, 0.7 on the network), with
    seasonal naive, and the kinds with each other.  What the M4 competition's
    combinations suggest; printed so that the benchmark answers whether
    combining in the core would be worth building (no interval: point
    forecasts only).  Over the summary's subsets: all the series where
    every method has a forecast, the others, tourism."""
    kinds = [k for k in kinds if k in ours]
    if not kinds or ets is None:
        return
    def fc(m, s):
        if m == 'ets':
            return ets[s.name][0]
        if m == 'snaive':
            return snaive[s.name]
        f = ours[m]['fc'].get(s.name)
        return [p[0] for p in f] if f else None
    common = subsets[0][1]
    def combo(parts):
        res = {}
        for s in common:
            fs = [(w, fc(m, s)) for m, w in parts]
            if any(f is None or len(f) != s.h or any(x is None for x in f) for _, f in fs):
                res[s.name] = float('nan')
            else:
                res[s.name] = s.mase([sum(w * f[i] for w, f in fs) for i in range(s.h)])
        return res
    rows = []
    for k in kinds:
        for w in (0.3, 0.5, 0.7):
            rows.append((f'{w:.1f} {k} + {1 - w:.1f} ets', [(k, w), ('ets', 1 - w)]))
        rows.append((f'0.5 {k} + 0.5 snaive', [(k, 0.5), ('snaive', 0.5)]))
    if len(kinds) > 1:
        rows.append(('mean of ' + ' '.join(kinds), [(k, 1 / len(kinds)) for k in kinds]))
    n = len(common)
    if not n:
        return
    out(f'\nforecast combinations (point forecasts of the table above averaged; {n} series)')
    out(f'  {"combination":<26} {"geomean":>9} {"others":>9} {"tourism":>9} {"vs ETS":>8} {"beats snaive":>16}')
    for label, parts in rows:
        r = combo(parts)
        g, go, gt = (geomean([r[s.name] for s in sub]) for _, sub in subsets)
        b = sum(1 for s in common if r[s.name] < mase['snaive'][s.name])
        out(f'  {label:<26} {fmt(g, 9)} {fmt(go, 9)} {fmt(gt, 9)} {fmt(g / gm["ets"]["all"], 8)}'
            f' {b:>5}/{n:<4} {100 * b / n:5.1f}%')
        key = re.sub(r'[^a-z0-9]+', '_', label).strip('_')
        bench(f'forecast.combination.{key}.ratio_ets', g / gm['ets']['all'], 'x')
        bench(f'forecast.combination.{key}.beats_snaive_fraction', b / n, 'fraction')


# --- cinema ---------------------------------------------------------------------------

CINEMA_SQL = r"""
SET client_min_messages = warning;
CREATE TABLE cinema(t int, v float8);
COPY cinema FROM STDIN WITH (FORMAT csv);
%s\.
-- Is the "preset" option known?  (An unknown option is an error 22023.)
CREATE FUNCTION bench_has_preset() RETURNS bool LANGUAGE plpgsql AS $$
BEGIN
    PERFORM seq_fit('rnn', v, '{"preset": "tutorial", "epochs": 1}' ORDER BY t) FROM cinema;
    RETURN true;
EXCEPTION WHEN invalid_parameter_value THEN
    RETURN false;
END
$$;
CREATE FUNCTION bench_cinema(k text, opts jsonb, OUT r2 float8, OUT seconds float8, OUT restarts int,
                             OUT epochs int) LANGUAGE plpgsql AS $$
DECLARE
    t0 timestamptz := clock_timestamp();
    mdl bytea;
    x jsonb;
BEGIN
    SELECT seq_fit(k, v, opts ORDER BY t) INTO mdl FROM cinema;
    seconds := extract(epoch FROM clock_timestamp() - t0);
    x := seq_model_export(mdl)->'metrics';
    r2 := (x->>'r2')::float8;
    restarts := (x->>'restarts')::int;
    epochs := (x->>'epochs_run')::int;
END
$$;
SELECT 'preset', bench_has_preset();
"""


def read_bench_lines(path):
    vals = {}
    if path and os.path.exists(path):
        with open(path) as f:
            for line in f:
                p = line.split()
                if len(p) >= 3 and p[0] == 'BENCH' and p[1].startswith('name=') and p[2].startswith('value='):
                    vals[p[1][5:]] = p[2][6:]
    return vals


def part_cinema(server):
    t_part = time.time()
    wait0 = server.lock_wait
    out('\n-- 5b. cinema through SQL: one-step holdout R^2 (metrics r2 of seq_fit), seeds 1-5')
    if not os.path.exists(CINEMA_CSV):
        out(f'cinema part skipped: {CINEMA_CSV} not found')
        return
    if server.error is not None:
        out(f'cinema part skipped: {server.error}')
        return
    _, rows = read_rows(CINEMA_CSV)
    values = [float(r[1]) for r in rows if r[0] >= '2018-03-14']
    out(f'# data: {os.path.realpath(CINEMA_CSV)} from 2018-03-14: {len(values)} values')
    extra = json.loads(os.environ.get('SF_OPTIONS') or '{}')
    kinds = os.environ.get('SF_KINDS', ' '.join(ALL_KINDS)).split()
    data = ''.join(f'{i + 1},{v!r}\n' for i, v in enumerate(values))
    ok, o, e = server.session(CINEMA_SQL % data)
    if not ok:
        out(f'cinema part failed: {e.strip()[-1500:]}')
        return
    has_preset = 't' in [row[1] for row in csv_lines(o.replace('|', ',')) if row and row[0] == 'preset']
    if has_preset:
        tut = {'preset': 'tutorial'}
        out('# tutorial: {"preset": "tutorial"}')
    else:
        tut = dict(TUTORIAL_EXPLICIT)
        out('# tutorial: "preset" is not accepted by this build, so the 1.0 defaults spelled out: ' + json.dumps(tut))
    configs = [('defaults', extra), ('tutorial', tut)]
    out(f'# defaults: {{"seed": S}} || SF_OPTIONS = {json.dumps(extra)}')
    lines = ['SET client_min_messages = warning;']
    for cname, opts in configs:
        for k in kinds:
            for seed in range(1, 6):
                o_ = dict(opts, seed=seed) if cname == 'tutorial' else dict({'seed': seed}, **opts)
                lines.append(f"SELECT '{cname}', '{k}', {seed}, r2, seconds, restarts, epochs "
                             f"FROM bench_cinema('{k}', {sql_literal(json.dumps(o_))}::jsonb);")
    ok, o, e = server.session('\n'.join(lines) + '\n')
    if not ok:
        out(f'cinema part failed: {e.strip()[-1500:]}')
    res = {}
    for line in o.splitlines():
        p = line.split('|')
        if len(p) == 7:
            res[(p[0], p[1], int(p[2]))] = (float(p[3]) if p[3] else float('nan'), float(p[4]),
                                             int(p[5] or 0), int(p[6] or 0))
    lines_in = read_bench_lines(os.environ.get('BENCH_LINES'))
    out(f'  {"config":<9} {"kind":<5}' + ''.join(f' {"seed " + str(s):>8}' for s in range(1, 6))
        + f' {"mean":>8} {"train s":>8} {"restarts":>8} {"epochs":>7}')
    means = {}
    for cname, _ in configs:
        for k in kinds:
            got = [res.get((cname, k, s)) for s in range(1, 6)]
            ok_ = [g for g in got if g]
            r2s = [g[0] for g in ok_]
            mean = sum(r2s) / len(r2s) if len(r2s) == 5 else float('nan')
            secs = sum(g[1] for g in ok_) / len(ok_) if ok_ else float('nan')
            means[(cname, k)] = (mean, secs)
            out(f'  {cname:<9} {k:<5}' + ''.join(' ' + fmt(g[0] if g else None, 8, 4) for g in got)
                + f' {fmt(mean, 8, 4)} {fmt(secs, 8, 3)} {sum(g[2] for g in ok_):>8}'
                + f' {(sum(g[3] for g in ok_) / len(ok_)) if ok_ else float("nan"):7.1f}')
            for s, g in zip(range(1, 6), got):
                if g:
                    bench(f'cinema.{cname}.{k}.seed{s}.r2', g[0], 'r2')
            bench(f'cinema.{cname}.{k}.mean_r2', mean, 'r2')
            bench(f'cinema.{cname}.{k}.train_seconds', secs, 's')
    out('  train s: mean wall clock of one seq_fit statement; restarts: total over the 5 seeds; epochs: mean run')
    out(f'\n  {"kind":<5} {"defaults":>9} {"tutorial":>9} {"core tut.":>9} {"torch":>9} {"torch s":>8} '
        f'{"default s":>9} {"speedup":>8}')
    for k in kinds:
        core = lines_in.get(f'accuracy.ours.{k}.mean_r2')
        torch_r2 = lines_in.get(f'accuracy.torch.{k}.mean_r2')
        torch_s = lines_in.get(f'accuracy.torch.{k}.mean_train_seconds')
        fl = lambda v: float(v) if v not in (None, '') else float('nan')  # noqa: E731
        sp = fl(torch_s) / means[('defaults', k)][1]
        out(f'  {k:<5} {fmt(means[("defaults", k)][0], 9, 4)} {fmt(means[("tutorial", k)][0], 9, 4)} '
            f'{fmt(fl(core), 9, 4)} {fmt(fl(torch_r2), 9, 4)} {fmt(fl(torch_s), 8, 3)} '
            f'{fmt(means[("defaults", k)][1], 9, 3)} {fmt(sp, 7, 1)}x')
        if math.isfinite(sp):
            bench(f'cinema.{k}.speedup_defaults_vs_torch_tutorial', sp, 'x')
    out('  core tut.: figure 5a (sf_train, tutorial recipe); torch: ../shared/bench/torch_reference.py, same seeds')
    out('  (different generators: only means compare); speedup = one torch training / one default seq_fit')
    if 'gru' in kinds:
        m = means[('defaults', 'gru')][0]
        out(f'  target: defaults mean R^2 >= 0.70 (gru): {m:.4f} {"met" if m >= 0.70 else "NOT met"}')
    out(f'   (cinema part took {time.time() - t_part:.0f} s'
        + (f', of which {server.lock_wait - wait0:.0f} s waiting for the install lock'
           if server.lock_wait - wait0 >= 1 else '') + ')')
    bench('cinema.wall_seconds', time.time() - t_part, 's')
    flush_bench()


# --- time-aware series: calendar inputs ---------------------------------------

# (file, name, timestamp column, value column, freq, options): series with
# real timestamps trained through seq_fit(kind, ts, value, options).
TIME_SERIES = [
    ('forecasting/otexts_views_daily.csv', 'otexts_views', 'day', 'pageviews', 'daily', {}),
    ('forecasting/melb_walkers_daily.csv', 'melb_walkers', 'day', 'count', 'daily', {}),
    ('forecasting/us_gasoline_weekly.csv', 'us_gasoline', 'week', 'barrels', 'weekly', {}),
    ('forecasting/bank_calls_5min.csv', 'bank_calls', 'at', 'calls', '5min', {'gaps': 'keep'}),
    ('cinema_daily.csv', 'cinema', 'date', 'total_sales', 'daily', {}),
]
# The calendar parts of each frequency's own cycle, tried against none.
TIME_PARTS = {'daily': ['day_of_week'], 'weekly': ['week_of_year'], '5min': ['hour_of_day', 'day_of_week']}


def part_time(server, tmp):
    """MASE of the time-aware forms with calendar 'none' and with parts, beside ETS."""
    t_part = time.time()
    out('\n-- 5d. time-aware series: seq_fit(kind, ts, value) with calendar "none" and with the parts of its cycle')
    extra = json.loads(os.environ.get('SF_OPTIONS') or '{}')
    kind = os.environ.get('SF_TIME_KIND', 'gru')
    rows, series = [], []
    for fname, name, tcol, vcol, freq, opts in TIME_SERIES:
        path = os.path.join(SHARED, 'data', fname)
        if not os.path.exists(path):
            out(f'# {fname} not found: left out')
            continue
        header, data = read_rows(path)
        ti, vi = header.index(tcol), header.index(vcol)
        pts = [(r[ti], float(r[vi])) for r in data]
        if freq == '5min':
            days = int(os.environ.get('SF_BANK_DAYS', '20'))
            pts = pts[-(days * M[freq] + H[freq]):]
        s = Series(name, freq, 'time', [v for _, v in pts])
        s.ts = [t for t, _ in pts]
        s.opts = opts
        series.append(s)
    if not series:
        out('time part skipped: no series found')
        return
    if server.error is not None:
        out(f'# time part skipped: {server.error}')
        return
    ets, why = (None, 'SF_NO_ETS=1') if os.environ.get('SF_NO_ETS') == '1' else fit_ets(series, tmp)
    buf = io.StringIO()
    buf.write("SET client_min_messages = warning;\nSET TimeZone = 'UTC';\n"
              'CREATE TABLE time_train(series text, ts timestamptz, v float8);\n'
              'CREATE TABLE time_opts(series text, opts jsonb, h int);\n'
              'COPY time_train FROM STDIN WITH (FORMAT csv);\n')
    w = csv.writer(buf, lineterminator='\n')
    for s in series:
        for t, v in zip(s.ts[:len(s.train)], s.train):
            w.writerow([s.name, t, repr(v)])
    buf.write('\\.\nCOPY time_opts FROM STDIN WITH (FORMAT csv);\n')
    for cal in ('none', 'parts'):
        for s in series:
            o = dict(s.opts, calendar='none' if cal == 'none' else TIME_PARTS[s.freq])
            w.writerow([s.name + '|' + cal, json.dumps(o), s.h])
    buf.write('\\.\n')
    for cal in ('none', 'parts'):
        x = sql_literal(json.dumps(extra))
        buf.write(f"CREATE TABLE time_model_{cal} AS SELECT d.series, o.h, seq_fit({sql_literal(kind)}, d.ts, d.v, o.opts || {x}::jsonb) AS m "
                  f"FROM time_train d JOIN time_opts o ON o.series = d.series || '|{cal}' GROUP BY d.series, o.h, o.opts;\n")
        buf.write(f"CREATE TABLE time_ids_{cal} AS SELECT series, seq_model_save('time-' || series || '-{cal}', m) AS id "
                  f"FROM time_model_{cal};\n")
        buf.write(f"COPY (SELECT '{cal}', t.series, f.step, f.forecast, s.options->>'calendar' FROM time_model_{cal} t "
                  f"JOIN time_ids_{cal} i USING (series) JOIN seq_model s ON s.id = i.id "
                  f"CROSS JOIN LATERAL seq_forecast(t.m, t.h) f ORDER BY 2, 3) TO STDOUT WITH (FORMAT csv);\n")
    t = time.time()
    ok, o, e = server.session(buf.getvalue())
    seconds = time.time() - t
    if not ok:
        out(f'# time part failed: {e.strip()[-1500:]}')
        return
    fc = {'none': {}, 'parts': {}}
    parts = {}
    for row in csv_lines(o):
        if len(row) == 5 and row[0] in fc:
            fc[row[0]].setdefault(row[1], []).append(float(row[3]))
            if row[0] == 'parts':
                parts[row[1]] = row[4]
    out(f'# {kind}, default options || SF_OPTIONS = {json.dumps(extra)}; trained and forecast in {seconds:.1f} s; '
        'horizons: daily 14, weekly 13, 5min 169 (one business day); cinema has gaps filled')
    out(f'  {"series":<14} {"freq":<7} {"n_train":>7} {"h":>4} {"none":>8} {"parts":>8} {"ets":>8} {"snaive":>8}  calendar parts tried')
    res = {'none': [], 'parts': [], 'ets': [], 'snaive': []}
    for s in series:
        m_none = s.mase(fc['none'].get(s.name))
        m_auto = s.mase(fc['parts'].get(s.name))
        m_ets = s.mase(ets[s.name][0]) if ets else float('nan')
        m_sn = s.mase(seasonal_naive(s))
        for k, v in (('none', m_none), ('parts', m_auto), ('ets', m_ets), ('snaive', m_sn)):
            res[k].append(v)
            bench(f'time.{s.name}.{k}.mase', v, 'mase')
        out(f'  {s.name:<14} {s.freq:<7} {len(s.train):>7} {s.h:>4} {fmt(m_none)} {fmt(m_auto)} {fmt(m_ets)} {fmt(m_sn)}  {parts.get(s.name, "")}')
    out('  ' + f'{"geomean":<14} {"":<7} {"":>7} {"":>4} ' + ' '.join(fmt(geomean(res[k])) for k in ('none', 'parts', 'ets', 'snaive')))
    for k in res:
        bench(f'time.{k}.geomean_mase', geomean(res[k]), 'mase')
    if ets is None:
        out(f'# ETS anchor skipped: {why}')
    bench('time.wall_seconds', time.time() - t_part, 's')
    flush_bench()


def part_time_cinema(server):
    """Cinema with its dates: one-step holdout R^2 with the calendar default and with calendar "none"."""
    t_part = time.time()
    out('\n-- 5e. cinema with dates: seq_fit(kind, date, value) one-step holdout R^2 (metrics r2), seeds 1-5,'
        ' calendar default against "none"')
    if not os.path.exists(CINEMA_CSV):
        out(f'# 5e skipped: {CINEMA_CSV} not found')
        return
    if server.error is not None:
        out(f'# 5e skipped: {server.error}')
        return
    _, rows = read_rows(CINEMA_CSV)
    pts = [(r[0], float(r[1])) for r in rows if r[0] >= '2018-03-14']
    extra = json.loads(os.environ.get('SF_OPTIONS') or '{}')
    kinds = os.environ.get('SF_KINDS', ' '.join(ALL_KINDS)).split()
    buf = io.StringIO()
    buf.write("SET client_min_messages = warning;\nSET TimeZone = 'UTC';\n"
              'CREATE TABLE cinema_dates(day date, v float8);\nCOPY cinema_dates FROM STDIN WITH (FORMAT csv);\n')
    for d, v in pts:
        buf.write(f'{d},{v!r}\n')
    buf.write('\\.\n')
    configs = [('default', {}), ('none', {'calendar': 'none'})]
    for cname, copts in configs:
        for k in kinds:
            for seed in range(1, 6):
                o_ = dict(dict({'seed': seed}, **copts), **extra)
                # a time-aware model is not exported (0A000): read its metrics from seq_model
                # (in two statements: a statement does not see the rows it stored)
                name = f'cinema-dates-{cname}-{k}-{seed}'
                buf.write(f"SELECT seq_model_save('{name}', seq_fit('{k}', day, v, "
                          f"{sql_literal(json.dumps(o_))}::jsonb)) FROM cinema_dates;\n"
                          f"SELECT '{cname}', '{k}', {seed}, metrics->>'r2', metrics->>'n_filled', "
                          f"options->'calendar' FROM seq_model WHERE name = '{name}';\n")
    t = time.time()
    ok, o, e = server.session(buf.getvalue())
    seconds = time.time() - t
    if not ok:
        out(f'# 5e failed: {e.strip()[-1500:]}')
        return
    res, filled, cals = {}, '', {}
    for line in o.splitlines():
        p = line.split('|')
        if len(p) == 6 and p[0] in ('default', 'none'):
            res[(p[0], p[1], int(p[2]))] = float(p[3]) if p[3] else float('nan')
            filled = p[4]
            cals[p[0]] = p[5]
    out(f'# {len(pts)} rows from 2018-03-14, {filled} missing days filled; options {{"seed": S}} (|| {{"calendar": "none"}})'
        f' || SF_OPTIONS = {json.dumps(extra)}; calendar of the default: {cals.get("default", "?")}; {seconds:.1f} s')
    out(f'  {"calendar":<8} {"kind":<5}' + ''.join(f' {"seed " + str(s):>8}' for s in range(1, 6)) + f' {"mean":>8}')
    means = {}
    for cname, _ in configs:
        for k in kinds:
            got = [res.get((cname, k, s_)) for s_ in range(1, 6)]
            ok_ = [g for g in got if g is not None and math.isfinite(g)]
            mean = sum(ok_) / len(ok_) if len(ok_) == 5 else float('nan')
            means[(cname, k)] = mean
            out(f'  {cname:<8} {k:<5}' + ''.join(' ' + fmt(g, 8, 4) for g in got) + f' {fmt(mean, 8, 4)}')
            bench(f'time.cinema_dates.{cname}.{k}.mean_r2', mean, 'r2')
    for k in kinds:
        d, n = means[('default', k)], means[('none', k)]
        met = 'met' if d > n else 'NOT met'
        out(f'  target ({k}): the calendar default improves mean R^2 over "none": {fmt(d, 6, 4)} vs {fmt(n, 6, 4)}: {met}')
    bench('time.cinema_dates.wall_seconds', time.time() - t_part, 's')
# --- covariates: the univariate default against the covariate model ---------------

# (file, name, target column, covariate columns, season, horizon): series
# whose covariates are trained through seq_fit(kind, ARRAY[target, covariates]).
COVARIATE_SERIES = [
    ('uschange_quarterly.csv', 'uschange', 'consumption', ['income', 'production', 'savings', 'unemployment'], 4, 8),
    ('bjsales_with_lead.csv', 'bjsales', 'sales', ['lead'], 1, 12),
]
COV_SEEDS = (1, 2, 3)
# Issue 12's speed target: a covariate model trains within 1.5x the time of
# the univariate model of the same size.  Same options for both (refit off
# and one network, so that both do exactly one training of fixed epochs),
# on a generated series long enough to time.
COV_TIME_ROWS = 4000
COV_TIME_OPTS = {'window': 16, 'hidden': 32, 'epochs': 30, 'refit': False, 'ensemble': 1, 'seed': 1}
COV_TIME_WIDTHS = (1, 4)
COV_TIME_RUNS = 5

COV_TIME_SQL = r"""
CREATE TABLE cov_gen AS
SELECT i, 100 + 10 * sin(i / 7.0) + (i %% 13) AS y,
       ARRAY[sin(i / 5.0), cos(i / 11.0), (i %% 3)::float8, (i %% 7)::float8] AS x
FROM generate_series(1, %(rows)d) AS i;
-- One seq_train of kind k over rows of the target and w covariates (w = 0:
-- the float8 form): the statement's wall seconds and the model's own
-- metrics.train_seconds (the core's training alone).
CREATE FUNCTION cov_time(k text, w int, opts jsonb, OUT wall float8, OUT core float8, OUT epochs int)
LANGUAGE plpgsql AS $$
DECLARE
    t0 timestamptz := clock_timestamp();
    mid bigint;
BEGIN
    IF w = 0 THEN
        SELECT seq_train(k, y, opts ORDER BY i) INTO mid FROM cov_gen;
    ELSE
        SELECT seq_train(k, ARRAY[y] || x[1:w], opts ORDER BY i) INTO mid FROM cov_gen;
    END IF;
    wall := extract(epoch FROM clock_timestamp() - t0);
    SELECT (metrics->>'train_seconds')::float8, (metrics->>'epochs_run')::int INTO core, epochs
    FROM seq_model WHERE id = mid;
    DELETE FROM seq_model WHERE id = mid;
END
$$;
"""


def r2_score(actual, pred):
    if pred is None or len(pred) != len(actual) or any(p is None or not math.isfinite(p) for p in pred):
        return float('nan')
    mean = sum(actual) / len(actual)
    sst = sum((a - mean) ** 2 for a in actual)
    sse = sum((a - p) ** 2 for a, p in zip(actual, pred))
    return 1 - sse / sst if sst > 0 else float('nan')


def mase_of(s, pred):
    """MASE of predictions of s.test (any length-h list) on the training part's seasonal-naive scale."""
    if pred is None or len(pred) != s.h or any(p is None or not math.isfinite(p) for p in pred):
        return float('nan')
    sc = s.scale()
    return sum(abs(p - a) for p, a in zip(pred, s.test)) / s.h / sc if sc > 0 else float('nan')


def mean_finite(xs):
    xs = [x for x in xs if x is not None and math.isfinite(x)]
    return sum(xs) / len(xs) if xs else float('nan')


def median(xs):
    xs = sorted(x for x in xs if x is not None and math.isfinite(x))
    if not xs:
        return float('nan')
    n = len(xs)
    return xs[n // 2] if n % 2 else (xs[n // 2 - 1] + xs[n // 2]) / 2


def part_covariates(server):
    """Holdout MASE and R^2 of the univariate default beside the covariate model; training time ratio."""
    t_part = time.time()
    out('\n-- 5f. covariates: the univariate default against seq_fit(kind, ARRAY[target, covariates]) '
        'on the series with covariates of ' + DATA_DIR)
    extra = json.loads(os.environ.get('SF_OPTIONS') or '{}')
    kinds = os.environ.get('SF_KINDS', ' '.join(ALL_KINDS)).split()
    series = []
    for fname, name, target, covs, m, h in COVARIATE_SERIES:
        path = os.path.join(DATA_DIR, fname)
        if not os.path.exists(path):
            out(f'# {fname} not found: left out')
            continue
        header, rows = read_rows(path)
        ti, ci = header.index(target), [header.index(c) for c in covs]
        values = [float(r[ti]) for r in rows]
        s = Series(name, 'quarterly', 'covariates', values)
        s.freq = 'quarterly' if m == 4 else 'step'
        s.m, s.h = m, h
        s.values, s.train, s.test = values, values[:-h], values[-h:]
        s.covariates = [[float(r[i]) for i in ci] for r in rows]
        s.cov_names = covs
        series.append(s)
    if server.error is not None:
        out(f'# covariates part skipped: {server.error}')
        return
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator='\n')
    buf.write('SET client_min_messages = warning;\n'
              'CREATE TABLE cov_data(series text, t int, v float8, x float8[]);\n'
              'CREATE TABLE cov_opts(series text, n_train int, h int, opts jsonb);\n'
              'COPY cov_data FROM STDIN WITH (FORMAT csv);\n')
    for s in series:
        for i, (v, x) in enumerate(zip(s.values, s.covariates)):
            w.writerow([s.name, i + 1, repr(v), '{' + ','.join(repr(c) for c in x) + '}'])
    buf.write('\\.\nCOPY cov_opts FROM STDIN WITH (FORMAT csv);\n')
    for s in series:
        w.writerow([s.name, len(s.train), s.h, json.dumps({'season': s.m})])
    buf.write('\\.\n')
    x = sql_literal(json.dumps(extra))
    kl = ', '.join(f'({sql_literal(k)})' for k in kinds)
    sl = ', '.join(f'({d})' for d in COV_SEEDS)
    # Both models trained on the training part only, the same options (the
    # default ones, the season, the seed) but the covariate model's features.
    buf.write(f"""
CREATE TABLE cov_model AS
SELECT o.series, k.kind, sd.seed, 'uni' AS form,
       seq_fit(k.kind, d.v, o.opts || jsonb_build_object('seed', sd.seed) || {x}::jsonb ORDER BY d.t) AS m
FROM cov_data d JOIN cov_opts o USING (series), (VALUES {kl}) AS k(kind), (VALUES {sl}) AS sd(seed)
WHERE d.t <= o.n_train GROUP BY o.series, k.kind, sd.seed, o.opts
UNION ALL
SELECT o.series, k.kind, sd.seed, 'cov',
       seq_fit(k.kind, ARRAY[d.v] || d.x, o.opts || jsonb_build_object('seed', sd.seed) || {x}::jsonb ORDER BY d.t)
FROM cov_data d JOIN cov_opts o USING (series), (VALUES {kl}) AS k(kind), (VALUES {sl}) AS sd(seed)
WHERE d.t <= o.n_train GROUP BY o.series, k.kind, sd.seed, o.opts;
-- h steps from the end of the training part; the covariate model is given
-- the actual covariates of those steps as future.
COPY (SELECT 'fc', m.series, m.kind, m.seed, m.form, f.step, f.forecast
      FROM cov_model m JOIN cov_opts o USING (series)
      CROSS JOIN LATERAL seq_forecast(m.m, o.h, future => CASE WHEN m.form = 'cov' THEN
          (SELECT array_agg(d.x ORDER BY d.t) FROM cov_data d WHERE d.series = m.series AND d.t > o.n_train) END) f
      ORDER BY 2, 3, 4, 5, 6) TO STDOUT WITH (FORMAT csv);
-- One step at a time over the held-out part, each from the actual values before it.
COPY (SELECT 'p1', m.series, m.kind, m.seed, m.form, p.position, p.predicted
      FROM cov_model m JOIN cov_opts o USING (series)
      CROSS JOIN LATERAL seq_predict(m.m, CASE WHEN m.form = 'cov' THEN
          (SELECT array_agg(ARRAY[d.v] || d.x ORDER BY d.t) FROM cov_data d WHERE d.series = m.series)
          ELSE (SELECT array_agg(d.v ORDER BY d.t) FROM cov_data d WHERE d.series = m.series) END) p
      WHERE p.position > o.n_train ORDER BY 2, 3, 4, 5, 6) TO STDOUT WITH (FORMAT csv);
""")
    t = time.time()
    ok, o, e = server.session(buf.getvalue())
    fit_seconds = time.time() - t
    if not ok:
        out(f'# covariates part failed: {e.strip()[-1500:]}')
        return
    got = {}
    for row in csv_lines(o):
        if len(row) == 7 and row[0] in ('fc', 'p1'):
            got.setdefault((row[0], row[1], row[2], int(row[3]), row[4]), []).append(float(row[6]))
    out(f'# default options || {{"season": m, "seed": S}} || SF_OPTIONS = {json.dumps(extra)}, seeds '
        f'{COV_SEEDS[0]}-{COV_SEEDS[-1]} (figures: their mean); {len(kinds) * len(series) * len(COV_SEEDS) * 2} '
        f'models trained and scored in {fit_seconds:.1f} s; load average {loadavg()}')
    out('# the covariates of the forecast period are taken as known: the covariate model is given their '
        'actual values (future => ...), as a forecast made with exact plans or a perfect covariate forecast would be')
    out('# h-step: forecasts of the last h values from the end of the training part (recursive); '
        '1-step: seq_predict over the same h values, each from the actual values before it')
    out('# MASE: scaled by the in-sample seasonal-naive MAE of the training part; R^2: over the h held-out values')
    out(f'  {"series":<9} {"covariates":<40} {"n":>4} {"h":>3} {"kind":<5} '
        f'{"MASE uni":>9} {"MASE cov":>9} {"R2 uni":>8} {"R2 cov":>8} {"1s MASE u":>10} {"1s MASE c":>10} '
        f'{"1s R2 u":>8} {"1s R2 c":>8}')
    summary = {}
    for s in series:
        sn = mase_of(s, seasonal_naive(s))
        for k in kinds:
            fig = {}
            for form in ('uni', 'cov'):
                for what in ('fc', 'p1'):
                    preds = [got.get((what, s.name, k, seed, form)) for seed in COV_SEEDS]
                    fig[(form, what, 'mase')] = mean_finite([mase_of(s, p) for p in preds])
                    fig[(form, what, 'r2')] = mean_finite([r2_score(s.test, p) for p in preds])
                    for mt in ('mase', 'r2'):
                        step = 'h' if what == 'fc' else '1'
                        bench(f'covariates.{s.name}.{k}.{form}.{step}step.{mt}', fig[(form, what, mt)], mt)
            summary[(s.name, k)] = fig
            out(f'  {s.name:<9} {",".join(s.cov_names):<40} {len(s.values):>4} {s.h:>3} {k:<5} '
                f'{fmt(fig[("uni", "fc", "mase")], 9)} {fmt(fig[("cov", "fc", "mase")], 9)} '
                f'{fmt(fig[("uni", "fc", "r2")], 8)} {fmt(fig[("cov", "fc", "r2")], 8)} '
                f'{fmt(fig[("uni", "p1", "mase")], 10)} {fmt(fig[("cov", "p1", "mase")], 10)} '
                f'{fmt(fig[("uni", "p1", "r2")], 8)} {fmt(fig[("cov", "p1", "r2")], 8)}')
        out(f'  {s.name:<9} {"(seasonal naive, lag " + str(s.m) + ")":<40} {"":>4} {"":>3} {"":<5} '
            f'{fmt(sn, 9)} {fmt(r2_score(s.test, seasonal_naive(s)), 28)}')
        bench(f'covariates.{s.name}.snaive.hstep.mase', sn, 'mase')

    # The training time of a covariate model against the univariate one of the same size.
    buf = io.StringIO()
    buf.write('SET client_min_messages = warning;\n')
    buf.write(COV_TIME_SQL % {'rows': COV_TIME_ROWS})
    opts = sql_literal(json.dumps(COV_TIME_OPTS))
    for run_ in range(COV_TIME_RUNS):
        for k in kinds:
            for wd in (0,) + COV_TIME_WIDTHS:
                buf.write(f"COPY (SELECT 'time', {sql_literal(k)}, {wd}, {run_}, wall, core, epochs "
                          f"FROM cov_time({sql_literal(k)}, {wd}, {opts}::jsonb)) TO STDOUT WITH (FORMAT csv);\n")
    load_before = loadavg()
    ok, o, e = server.session(buf.getvalue())
    if not ok:
        out(f'# covariates timing failed: {e.strip()[-1500:]}')
        return
    times = {}
    for row in csv_lines(o):
        if len(row) == 7 and row[0] == 'time':
            times.setdefault((row[1], int(row[2])), []).append((float(row[4]), float(row[5]), int(row[6])))
    out(f'\n  training time, covariate against univariate model of the same size: {COV_TIME_ROWS} generated rows, '
        f'options {json.dumps(COV_TIME_OPTS)} for both; median of {COV_TIME_RUNS} runs (interleaved); '
        f'load average {load_before} before, {loadavg()} after')
    out(f'  {"kind":<5} {"covariates":>10} {"epochs":>6} {"core s":>8} {"stmt s":>8} {"core ratio":>10} {"stmt ratio":>10}  target <= 1.5x')
    worst = 0.0
    for k in kinds:
        base = times.get((k, 0), [])
        b_core, b_wall = median([t[1] for t in base]), median([t[0] for t in base])
        for wd in (0,) + COV_TIME_WIDTHS:
            ts = times.get((k, wd), [])
            c, wl = median([t[1] for t in ts]), median([t[0] for t in ts])
            ep = ts[0][2] if ts else 0
            rc, rw = c / b_core, wl / b_wall
            verdict = '' if wd == 0 else ('met' if rc <= 1.5 else 'NOT met')
            if wd:
                worst = max(worst, rc)
                bench(f'covariates.time.{k}.x{wd}.ratio', rc, 'x')
                bench(f'covariates.time.{k}.x{wd}.stmt_ratio', rw, 'x')
            bench(f'covariates.time.{k}.x{wd}.train_seconds', c, 's')
            out(f'  {k:<5} {wd:>10} {ep:>6} {fmt(c, 8)} {fmt(wl, 8)} {fmt(rc, 9, 2)}x {fmt(rw, 9, 2)}x  {verdict}')
    out('  core s: the model\'s metrics.train_seconds (the training loop); stmt s: the whole seq_train statement '
        '(collection, holdout scoring, storing)')
    out(f'  target: covariate model trains within 1.5x the univariate one: worst core ratio {worst:.2f}x '
        + ('met' if worst <= 1.5 else 'NOT met'))
    bench('covariates.time.worst_ratio', worst, 'x')
    bench('covariates.wall_seconds', time.time() - t_part, 's')
    flush_bench()


def main(argv):
    parts = argv or ['cinema', 'forecast']
    for p in parts:
        if p not in ('cinema', 'forecast', 'time', 'covariates'):
            print(f'accuracy.py: unknown part {p} (cinema, forecast, time, covariates)', file=sys.stderr)
            return 2
    tmp = tempfile.mkdtemp(prefix='sfbench-accuracy-')
    server = Server()
    try:
        t = time.time()
        server.error = server.start()
        out(f'# server ready in {time.time() - t:.1f} s'
            + (f' ({server.lock_wait:.0f} s waiting for the install lock)' if server.lock_wait >= 1 else '')
            + f'; load average {loadavg()} on {os.cpu_count()} CPU(s)')
        if 'cinema' in parts:
            part_cinema(server)
        if 'forecast' in parts:
            part_forecast(server, tmp)
        if 'time' in parts:
            part_time(server, tmp)
            part_time_cinema(server)
        if 'covariates' in parts:
            part_covariates(server)
    finally:
        server.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))

"""How many BLAS threads Ember's matmuls use: one for small matrices, more only for large ones.

Why: NumPy's OpenBLAS splits every matmul above a tiny size across all cores, and its
worker threads spin while they wait for each other. When another process holds a core,
a worker that loses it stalls the whole product for a scheduler time slice (milliseconds),
and the spinning steals the core the Python thread needs. Measured on a 2-core machine
under load (`benchmarks/contention.py`, `benchmarks/results/contention.md`): the seed
MLP's ``128x784 @ 784x128`` took 270 µs on one thread whether or not other processes were
busy, but with two threads its median went from 0.48 ms to 112 ms with two busy
processes, and each call burned 30-40x the CPU time of the one-thread call. The small
matmuls of small-model training gain nothing from a second thread even on a quiet machine
(each call is tens of microseconds), and the mid-sized ones gain 1.7x only while it stays
quiet, so:

- a matmul of fewer than ``MID_MATMUL`` multiply-adds (m·k·n, 2²⁰) runs on **one** BLAS
  thread;
- one from ``LARGE_MATMUL`` (2³⁰ ≈ 1024³: about 10 ms on one core, many scheduler slices)
  runs on up to ``blas_threads()`` threads (default: what the BLAS library had when Ember
  first used it, i.e. ``OPENBLAS_NUM_THREADS``/``OMP_NUM_THREADS`` if the user set them,
  otherwise one per core);
- one in between uses those threads where a calibration measured them faster, and
  stalled calls put them away for a while (``_Adaptive``, one for [2²⁰, 2²³) and one for
  [2²³, 2³⁰)), until an op splits its batch over Ember's worker threads (``run_parts``:
  convolutions): from then on they stay on one thread.

The policy is set through ``threadpoolctl`` (the ``threads`` extra) the first time an Ember
op multiplies matrices (not at ``import ember``, which stays fast), and it changes the
process's NumPy BLAS pool: after that, NumPy matmuls outside Ember also run on one thread
until ``set_blas_threads`` or ``threadpoolctl`` says otherwise. No environment variable is
set. Without threadpoolctl, BLAS keeps its own default (all cores for every matmul):
``ember info`` says so, and ``pip install threadpoolctl`` or ``OPENBLAS_NUM_THREADS=1``
restores the policy's behaviour. ``tf.config.threading.set_intra_op_parallelism_threads``
sets the limit through ``set_blas_threads``.
"""

from __future__ import annotations

import os
import threading
from time import perf_counter as _clock
from time import process_time as _cpu_clock

import numpy as np

# Multiply-adds (m·k·n, times the batch of a batched matmul) from which a matmul may use
# more than one BLAS thread. 1024³: ~10 ms on one core at ~200 GFLOP/s, so one lost
# time slice (~3-4 ms) costs a fraction of it instead of 100x. Measured on the loaded
# 2-core box: 2 threads never gained below 1024³ (512³: min 1.4 ms vs 2.7, median 34 ms vs
# 3.4); at 2048³ they gained 1.3x on the min with the medians equal.
LARGE_MATMUL = 1 << 30

_UNSET = object()
_controller = _UNSET  # threadpoolctl's controller of NumPy's BLAS, None if unavailable
_default = None  # the BLAS thread count found before Ember changed it
_limit = None  # the most threads a large matmul may use (None: not known)
_reason = ""  # why the policy is not applied, if it is not


def _numpy_blas(controller):
    """The BLAS libraries NumPy itself loaded (not torch's or another package's)."""
    blas = controller.select(user_api="blas")
    root = os.path.dirname(os.path.dirname(np.__file__))
    own = [c for c in blas.lib_controllers if c.filepath and (
        os.path.dirname(c.filepath).startswith(os.path.join(root, "numpy")))]
    return own or list(blas.lib_controllers)


def _setup():
    """Finds NumPy's BLAS and applies the policy: one thread between large matmuls."""
    global _controller, _default, _limit, _reason
    try:
        from threadpoolctl import ThreadpoolController
    except ImportError:
        _controller, _reason = None, "threadpoolctl is not installed"
        return
    libs = _numpy_blas(ThreadpoolController())
    if not libs:
        _controller, _reason = None, "threadpoolctl found no BLAS library in this process"
        return
    _controller = libs
    _default = max(int(c.num_threads or 1) for c in libs)
    if _limit is None:
        _limit = _default
    _find_setters(libs)
    _set(1)


# OpenBLAS's own openblas_set_num_threads, found through threadpoolctl once: 0.16 µs a
# call instead of threadpoolctl's 0.69 µs (which also arbitrates between Python threads;
# Ember sets the threads from the thread that runs the matmul, worker threads never do).
# The policy sets them twice per mid-sized matmul, five of those in the seed MLP's step.
_setters: dict = {"for": None, "fns": []}  # the controllers they were found for


def _find_setters(libs):
    fns = []
    for c in libs:
        fn = None
        if type(c).__name__ == "OpenBLASController" and \
                getattr(c, "threading_layer", None) != "openmp":
            try:
                fn = c._get_symbol("openblas_set_num_threads")
            except Exception:  # another threadpoolctl version: its public call then
                fn = None
        fns.append(c.set_num_threads if fn is None else fn)
    _setters["for"], _setters["fns"] = libs, fns


def _set(n: int):
    fns = _setters["fns"] if _setters["for"] is _controller else \
        [c.set_num_threads for c in _controller]
    for fn in fns:
        fn(n)


def matmul(a: np.ndarray, b: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """``np.matmul(a, b, out=out)`` under the thread policy: one thread unless large, or
    mid-sized on a machine where the measured times say more threads gain (``_Adaptive``)."""
    if _controller is _UNSET:
        _setup()
    if _controller and _limit > 1 and not _splitting:
        work = a.shape[-2] * a.shape[-1] * b.shape[-1]
        if a.ndim > 2:
            work *= int(np.prod(a.shape[:-2]))
        if work >= LARGE_MATMUL:
            _set(_limit)
            try:
                return np.matmul(a, b, out=out)
            finally:
                _set(1)
        if work >= MID_MATMUL and not _parts_used:
            tier = _ADAPTIVE if work >= UPPER_TIER else _ADAPTIVE_LOWER
            return tier.matmul(a, b, out, work)
    return np.matmul(a, b, out=out)


# -- mid-sized matmuls: more threads where they measurably gain --------------------------
# The seed MLP's 128x784 @ 784x128 (2^23.6 multiply-adds) is below LARGE_MATMUL. On the quiet
# 2-core EPYC it takes 268 µs on one BLAS thread and 158 µs on two (interleaved medians);
# with one busy process beside it, two threads took 34 ms (a stall of the kind the module
# docstring describes). So the first mid-sized matmul is first run CALIBRATE times into a
# scratch array, alternating one thread and the limit, and the faster (by its median time:
# the best time hides stalls) is kept for the rest of the process. When the threads are
# kept, two calls in a row that stall (STALL times slower per multiply-add than one
# thread's median; one alone can be a hiccup) put them away for HOLD_S seconds, doubling up
# to HOLD_MAX_S while stalls repeat; so does a WINDOW of threaded calls whose median is
# slower than one thread's (a busy machine where the threads lose without stalling: in the
# contention benchmark, one busy process made the seed MLP's epoch 2.2x slower before this
# rule). The window compares each product with its own shape's time on one thread, measured
# once into a scratch array the second time the shape comes (a shape seen once costs
# nothing), because shapes of one tier differ: the scaling benchmark's 1024x256 @ 256x10
# takes ~3x longer per multiply-add than the tier's calibration product, and a window
# judged against that product's rate held the threads back from every product of the
# tier (W=512, batch 1024: 29 ms a step on one thread instead of 18 ms on two). The
# choice is made once, not call by call, because the
# two differ in the last bits (OpenBLAS's one-thread small-matrix kernel): a model called
# twice gives the same bits, a quiet machine repeats a seeded run exactly, and
# ``tf.config.experimental.enable_op_determinism()`` or one BLAS thread keeps every
# mid-sized matmul on one thread. Cost: two threadpoolctl calls (~3 µs) and two clock reads
# per mid-sized call.
#
# The mid range is two tiers, each calibrated on its own first product and kept or held on
# its own: [2^20, 2^23) and [2^23, 2^30). The seed MLP's 128x128 @ 128x64 (2^20) took 30 µs
# on one thread and 21 µs on two on the quiet EPYC; with the lower tier the MLP's planned
# fit step took 1.18x the NumPy floor's time instead of 1.22x (the floor runs every matmul
# on OpenBLAS's threads; blocks of steps alternating in one process). A tier of its own
# because the gain of a second thread shrinks with the size: the upper tier's measurement
# says nothing certain about it. Below
# 2^20 OpenBLAS's own threshold (2^18) or the thread hand-off leave nothing to gain.
MID_MATMUL = 1 << 20
UPPER_TIER = 1 << 23
CALIBRATE = 16
STALL = 10.0
WINDOW = 8
# The threads also go when the process gets less than FREE_CORES of the cores it asks for
# over at least SHARE_S seconds of threaded work (its CPU seconds, all threads, per wall
# second): a busy process beside it takes a core, and OpenBLAS's spinning worker then
# competes with Ember's own Python thread. Each product alone still beats one thread
# (the seed MLP's 128x784 @ 784x128: 159 µs on two threads against 259 µs on one, with
# one busy process), so no matmul timing shows it; the epoch did: 2x its quiet time with
# the threads, 1.3x without them (contention.py; quiet, the process runs at ~1.9 cores).
FREE_CORES = 0.75
SHARE_S = 0.05
HOLD_S, HOLD_MAX_S = 1.0, 64.0

_splitting = 0  # > 0 while run_parts runs an op's parts: their matmuls stay on one thread
# Set once an op has split its batch over worker threads (run_parts): from then on the
# mid-sized matmuls stay on one thread too. After a call on two threads OpenBLAS's worker
# spins for a while, on the core an op's worker thread needs: in the lab CNN (convolutions
# split, its Dense 64x900 @ 900x128 in the lower tier) that doubled the epoch's CPU time
# and made it 1.5x slower (1.0 -> 1.5 s for 6,400 images, AMD EPYC 2 cores).
_parts_used = False


def _scratch(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """An array for ``a @ b``'s result, for products timed but not kept."""
    return np.empty(np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
                    + (a.shape[-2], b.shape[-1]), np.result_type(a, b))


def _median(times: list) -> float:
    ordered = sorted(times)
    return (ordered[(len(ordered) - 1) // 2] + ordered[len(ordered) // 2]) / 2


class _Adaptive:
    """One or ``_limit`` BLAS threads for mid-sized matmuls, chosen from measured times.

    ``seen[m]`` holds the seconds per multiply-add measured with ``m`` threads during the
    calibration (m = 1 or "many"), ``per[m]`` their median; ``choose`` and ``observe`` are
    the policy, kept apart from the clock so that tests drive them with made-up times.
    """

    def __init__(self):
        self.reset()

    def reset(self):
        self.seen = {1: [], "many": []}
        self.per = {1: None, "many": None}
        self.calls = 0
        self.keep = None  # 1 or "many" once calibrated
        self.hold_until = 0.0
        self.hold = HOLD_S
        self.stalls = 0  # holds so far
        self.in_a_row = 0
        self.mark = None  # (wall, process CPU seconds) when the threads' share was last read
        self.recent = []  # threaded calls since the last check: seconds / one thread's
        self.one = {}  # shape -> one thread's seconds for that product (measured once)
        self.sightings = {}  # shape -> threaded calls so far, until its time is measured
        self.deterministic = False

    def choose(self, now: float):
        """1 or "many" for the next mid-sized matmul."""
        if self.deterministic:
            return 1
        if self.keep is None:
            self.calls += 1
            return "many" if self.calls % 2 == 0 else 1
        if self.keep == 1 or now < self.hold_until:
            return 1
        return "many"

    def observe(self, mode, work: int, seconds: float, now: float,
                one: float | None = None) -> None:
        """Records one product's time: ``one`` is the same product's time on one thread
        when known (else the calibration product's rate per multiply-add stands in)."""
        per = seconds / max(work, 1)
        if self.keep is None:
            self.seen[mode].append(per)
            if self.calls >= CALIBRATE:
                for m, times in self.seen.items():
                    self.per[m] = _median(times)
                self.keep = "many" if self.per["many"] < self.per[1] else 1
            return
        if mode != "many":
            return
        slower = seconds / one if one else per / self.per[1]  # than one thread
        if slower > STALL:
            self.in_a_row += 1
            if self.in_a_row >= 2:
                self._hold(now)
            return
        self.in_a_row = 0
        if not one:  # a shape not yet measured on one thread: no fair window entry
            return
        self.recent.append(slower)
        if len(self.recent) >= WINDOW:
            median = _median(self.recent)
            self.recent.clear()
            if median > 1.0:
                self._hold(now)  # the threads now lose to one thread
            elif self._cores_taken(now, _cpu_clock()):
                # Another process has a core: that holds for every tier, and each tier
                # found it by itself a window later, running its threads meanwhile.
                self._hold(now)
                for tier in (_ADAPTIVE_LOWER, _ADAPTIVE):
                    if tier is not self and tier.keep == "many" and now >= tier.hold_until:
                        tier._hold(now)
            else:
                self.hold = HOLD_S

    def _cores_taken(self, now: float, cpu: float) -> bool:
        """Whether, since the last reading at least SHARE_S ago, the process ran on fewer
        than FREE_CORES of the cores its threads ask for."""
        if self.mark is None:
            self.mark = (now, cpu)
            return False
        wall = now - self.mark[0]
        if wall < SHARE_S:
            return False
        rate = (cpu - self.mark[1]) / wall
        self.mark = (now, cpu)
        return rate < FREE_CORES * (_limit or 1)

    def _hold(self, now: float) -> None:
        """One thread for ``hold`` seconds, and twice as long the next time."""
        self.stalls += 1
        self.in_a_row = 0
        self.recent.clear()
        self.mark = None  # the share is read again over threaded work only
        self.hold_until = now + self.hold
        self.hold = min(2 * self.hold, HOLD_MAX_S)

    def matmul(self, a, b, out, work):
        if self.keep is None and not self.deterministic:
            # Calibrate on this product into a scratch array before computing it, so that
            # every result of the process comes from the kept setting: a model called twice
            # gives the same bits (measured cost: 16 products, once).
            scratch = _scratch(a, b)
            while self.keep is None:
                start = _clock()
                mode = self.choose(start)
                self._run(mode, a, b, scratch)
                self.observe(mode, work, _clock() - start, start)
        start = _clock()
        mode = self.choose(start)
        result = self._run(mode, a, b, out)
        if mode == "many":
            seconds = _clock() - start
            key = (a.shape, a.strides, b.shape, b.strides, a.dtype.char)
            one = self.one.get(key)
            if one is None:
                one = self._one_thread(key, a, b)
            self.observe(mode, work, seconds, start, one)
        return result

    def _one_thread(self, key, a, b) -> float | None:
        """This shape's time on one thread, measured into a scratch array the second time
        it comes (the pool is back on one thread after each call), or None before then."""
        seen = self.sightings.get(key, 0) + 1
        if seen < 2:
            if len(self.sightings) >= 256:  # shapes that never come back
                self.sightings.clear()
            self.sightings[key] = seen
            return None
        del self.sightings[key]
        scratch = _scratch(a, b)
        start = _clock()
        np.matmul(a, b, out=scratch)
        one = _clock() - start
        if len(self.one) >= 256:
            self.one.clear()
        self.one[key] = one
        return one

    @staticmethod
    def _run(mode, a, b, out):
        if mode == 1:
            return np.matmul(a, b, out=out)
        _set(_limit)
        try:
            return np.matmul(a, b, out=out)
        finally:
            _set(1)

    def describe(self) -> str:
        if self.deterministic:
            return "one thread: op determinism is on"
        if self.keep is None:
            return "not yet measured"
        one, many = self.per[1], self.per["many"]
        return (f"{'kept' if self.keep == 'many' else 'not kept'}: median {1e12 * one:.1f} ps "
                f"per multiply-add on 1 thread, {1e12 * many:.1f} on {_limit}; "
                f"{self.stalls} stall(s) so far")


def set_deterministic(on: bool = True) -> None:
    """Mid-sized matmuls on one thread from now on, so that seeded runs repeat bit for bit
    whatever the machine's load (``tf.config.experimental.enable_op_determinism``)."""
    for tier in (_ADAPTIVE_LOWER, _ADAPTIVE):
        tier.deterministic = bool(on)


_ADAPTIVE_LOWER = _Adaptive()  # [MID_MATMUL, UPPER_TIER)
_ADAPTIVE = _Adaptive()  # [UPPER_TIER, LARGE_MATMUL)


def set_blas_threads(n: int) -> None:
    """The most BLAS threads a large matmul may use; 0 restores the default.

    ``1`` makes every matmul single-threaded. Called by
    ``tf.config.threading.set_intra_op_parallelism_threads``.
    """
    global _limit
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 0:
        raise ValueError(f"set_blas_threads: expected a non-negative integer (0 = the "
                         f"default); received {n!r}.")
    if _controller is _UNSET:
        _setup()
    _limit = int(n) if n else _default


def blas_threads() -> int:
    """The most BLAS threads a large matmul may use (0 when Ember cannot control BLAS,
    as TF's ``get_intra_op_parallelism_threads`` says 0 for "the system picks")."""
    if _controller is _UNSET:
        _setup()
    return int(_limit) if _controller else 0


def describe() -> str:
    """One line for ``ember info``: the policy, or why it is not applied."""
    if _controller is _UNSET:
        _setup()
    if not _controller:
        return (f"BLAS's own default for every matmul ({_reason}; `pip install threadpoolctl` "
                "or OPENBLAS_NUM_THREADS=1 keeps small models fast on a busy machine)")
    return (f"1 for matmuls under {MID_MATMUL:,} multiply-adds, up to {_limit} from "
            f"{LARGE_MATMUL:,} (BLAS default {_default}), and in between {_limit} while they "
            f"measure faster (from {UPPER_TIER:,}: {_ADAPTIVE.describe()}; below: "
            f"{_ADAPTIVE_LOWER.describe()}"
            f"{'; now one thread, as ops split their batch' if _parts_used else ''}); "
            f"convolutions split their batch over "
            f"{workers()} thread(s)")


# -- splitting one op's batch across threads ---------------------------------------------
# Convolutions are many mid-sized matmuls (the lab CNN's are ~2^26 multiply-adds), below
# LARGE_MATMUL, so BLAS runs them on one thread. Instead an op may split its batch into
# parts and run them on Python threads, each part's matmuls on one BLAS thread. Unlike
# OpenBLAS's spinning workers, these threads block while they wait, so a busy machine
# slows them in proportion instead of stalling them. Measured on the quiet 2-core EPYC,
# interleaved: the lab CNN's second convolution at batch 256, 10.4 -> 5.5 ms; a training
# epoch of 3200 images, median 0.70 -> 0.57 s wall (1.23x); with two busy processes
# beside it, 0.96-1.55 s against 1.30-1.55 s on one thread.
# Max pooling split the same way gained nothing (its passes are memory-bound), so only
# the convolution primitives split.

# Multiply-adds per part below which a split costs more (thread hand-off, smaller
# matmuls) than it gains.
PARALLEL_WORK = 1 << 24

_pool = None
_pool_size = 0
_CORES = None
_pool_lock = threading.Lock()


def workers() -> int:
    """How many parts an op may split its batch into: ``blas_threads()`` capped at the cores
    this process may use; 1 when Ember cannot control BLAS (BLAS then threads every matmul
    itself) or after ``set_blas_threads(1)``."""
    n = blas_threads()
    return 1 if n <= 1 else max(1, min(n, _cores()))


def _cores() -> int:
    """The cores this process may run on, read once (each op asks)."""
    global _CORES
    if _CORES is None:
        try:
            _CORES = len(os.sched_getaffinity(0))
        except AttributeError:  # not on Linux
            _CORES = os.cpu_count() or 1
    return _CORES


def run_parts(fn, parts) -> list:
    """``[fn(*part) for part in parts]``, on ``workers()`` threads at most: the calling
    thread runs the first part, worker threads the others. Results come back in order; an
    exception in a part is raised here once every part has finished."""
    helpers = workers() - 1
    if len(parts) <= 1 or helpers < 1:
        return [fn(*p) for p in parts]
    global _pool, _pool_size
    with _pool_lock:
        if _pool is None or _pool_size != helpers:
            from concurrent.futures import ThreadPoolExecutor
            if _pool is not None:
                _pool.shutdown(wait=False)
            _pool = ThreadPoolExecutor(max_workers=helpers, thread_name_prefix="ember-op")
            _pool_size = helpers
        pool = _pool
    global _splitting, _parts_used
    _parts_used = True
    _splitting += 1
    try:
        futures = [pool.submit(fn, *p) for p in parts[1:]]
        try:
            first = fn(*parts[0])
        finally:
            rest = [f.result() for f in futures]
    finally:
        _splitting -= 1
    return [first, *rest]


def split_batch(n: int, work_per_example: int, chunks: list) -> list:
    """``chunks`` (the op's memory-bounded (start, stop) pieces of a batch of ``n``), or,
    when they are fewer than ``workers()`` and the batch holds enough work, ``workers()``
    equal pieces so that each thread gets one."""
    w = workers()
    if w <= 1 or len(chunks) >= w or n < w or n * work_per_example < w * PARALLEL_WORK:
        return chunks
    step = -(-n // w)
    return [(i, min(i + step, n)) for i in range(0, n, step)]

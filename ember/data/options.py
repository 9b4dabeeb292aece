"""``tf.data.Options``: settings attached with ``Dataset.with_options``.

TF uses them to tune its thread pools, graph rewrites and sharding across workers. Ember
runs a pipeline in the consuming thread with no rewrites, so the settings are stored (and
read back by ``Dataset.options()``) but change nothing.
"""

from __future__ import annotations

import enum

from ember.data.dataset import register


class AutoShardPolicy(enum.IntEnum):
    """How a distributed strategy splits a dataset (``tf.data.experimental.AutoShardPolicy``)."""

    OFF = -1
    AUTO = 0
    FILE = 1
    DATA = 2
    HINT = 3


class _Group:
    """A named group of settings: known names with defaults; unknown names are refused."""

    _defaults: dict = {}

    def __init__(self):
        for k, v in self._defaults.items():
            object.__setattr__(self, k, v)

    def __setattr__(self, name, value):
        if name not in self._defaults:
            raise AttributeError(f"{type(self).__name__} has no setting {name!r}; known: "
                                 f"{sorted(self._defaults)}.")
        object.__setattr__(self, name, value)

    def __repr__(self):
        inner = ", ".join(f"{k}={getattr(self, k)!r}" for k in self._defaults)
        return f"{type(self).__name__}({inner})"


class DistributeOptions(_Group):
    _defaults = {"auto_shard_policy": AutoShardPolicy.AUTO, "num_devices": None}


class OptimizationOptions(_Group):
    _defaults = {"apply_default_optimizations": None, "filter_fusion": None,
                 "map_and_batch_fusion": None, "map_and_filter_fusion": None,
                 "map_fusion": None, "map_parallelization": None, "noop_elimination": None,
                 "parallel_batch": None, "shuffle_and_repeat_fusion": None,
                 "inject_prefetch": None}


class ThreadingOptions(_Group):
    _defaults = {"max_intra_op_parallelism": None, "private_threadpool_size": None}


@register
class Options(_Group):
    """``tf.data.Options()``: ``deterministic``, ``autotune``, ``experimental_distribute``,
    ``experimental_optimization``, ``threading`` and the other TF settings."""

    _defaults = {"deterministic": None, "experimental_deterministic": None,
                 "autotune": None, "experimental_external_state_policy": None,
                 "experimental_slack": None, "experimental_symbolic_checkpoint": None,
                 "experimental_warm_start": None, "experimental_distribute": None,
                 "experimental_optimization": None, "threading": None,
                 "experimental_threading": None}

    def __init__(self):
        super().__init__()
        object.__setattr__(self, "experimental_distribute", DistributeOptions())
        object.__setattr__(self, "experimental_optimization", OptimizationOptions())
        object.__setattr__(self, "threading", ThreadingOptions())
        object.__setattr__(self, "experimental_threading", self.threading)

    def merge(self, options):
        """These settings with ``options``' non-default ones laid over them."""
        out = Options()
        for src in (self, options):
            for k in self._defaults:
                v = getattr(src, k)
                if not isinstance(v, _Group) and v is not None:
                    object.__setattr__(out, k, v)
        return out

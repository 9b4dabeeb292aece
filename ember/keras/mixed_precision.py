"""``keras.mixed_precision``: the global dtype policy. Ember computes in float32 (or float64)
on the CPU, where half precision brings no speed, so the policies it accepts are
'float32' and 'float64'; asking for 'mixed_float16' or 'mixed_bfloat16' raises an error
that says so, rather than silently keeping float32."""

from __future__ import annotations

from ember.keras import settings

_SUPPORTED = ("float32", "float64")


class Policy:
    """A dtype policy: ``name`` gives both the compute and the variable dtype."""

    def __init__(self, name):
        name = getattr(name, "name", name)
        if name not in _SUPPORTED:
            raise ValueError(f"Mixed precision policy {name!r} is not supported by Ember, which "
                             "computes in float32 on the CPU (where float16 is no faster). Use "
                             "'float32' (the default) or 'float64'.")
        self.name = name
        self.compute_dtype = self.variable_dtype = name

    def __repr__(self):
        return f'<DTypePolicy "{self.name}">'


DTypePolicy = Policy


def set_global_policy(policy):
    """Sets the float type of new layers (``keras.backend.set_floatx``)."""
    p = policy if isinstance(policy, Policy) else Policy(policy)
    settings.set_floatx(p.name)


def global_policy() -> Policy:
    return Policy(settings.floatx())

"""Layers that merge several inputs (functional models): Add, Concatenate, Multiply, ..."""

from __future__ import annotations

from ember import ops
from ember.keras.layers.layer import Layer


class _Merge(Layer):
    def _check(self, inputs):
        if not isinstance(inputs, (list, tuple)) or len(inputs) < 2:
            raise ValueError(f"Layer '{self.name}' ({type(self).__name__}) should be called on a "
                             f"list of at least 2 inputs. Received: {type(inputs).__name__}.")
        return list(inputs)

    def _elementwise(self, inputs, fn):
        xs = self._check(inputs)
        shapes = [tuple(x.shape[1:]) for x in xs]
        if len(set(shapes)) > 1 and not all(len(s) == len(shapes[0]) for s in shapes):
            raise ValueError(f"Layer '{self.name}': inputs must have the same shape; received "
                             f"{[tuple(x.shape) for x in xs]}.")
        out = xs[0]
        for x in xs[1:]:
            out = fn(out, x)
        return out


class Add(_Merge):
    """Elementwise sum of a list of inputs."""

    def call(self, inputs):
        return self._elementwise(inputs, ops.add)


class Subtract(_Merge):
    """inputs[0] - inputs[1]."""

    def call(self, inputs):
        xs = self._check(inputs)
        if len(xs) != 2:
            raise ValueError(f"Layer '{self.name}' (Subtract) needs exactly 2 inputs; received "
                             f"{len(xs)}.")
        return ops.subtract(xs[0], xs[1])


class Multiply(_Merge):
    """Elementwise product of a list of inputs."""

    def call(self, inputs):
        return self._elementwise(inputs, ops.multiply)


class Average(_Merge):
    """Elementwise mean of a list of inputs."""

    def call(self, inputs):
        xs = self._check(inputs)
        return ops.divide(self._elementwise(xs, ops.add), float(len(xs)))


class Maximum(_Merge):
    def call(self, inputs):
        return self._elementwise(inputs, ops.maximum)


class Minimum(_Merge):
    def call(self, inputs):
        return self._elementwise(inputs, ops.minimum)


class Concatenate(_Merge):
    """Joins a list of inputs along ``axis`` (default -1)."""

    def __init__(self, axis: int = -1, **kwargs):
        super().__init__(**kwargs)
        self.axis = axis

    def call(self, inputs):
        xs = self._check(inputs)
        ranks = {x.ndim for x in xs}
        if len(ranks) > 1:
            raise ValueError(f"Layer '{self.name}' (Concatenate) requires inputs of the same "
                             f"rank; received shapes {[tuple(x.shape) for x in xs]}.")
        return ops.concat(xs, axis=self.axis)

    def get_config(self):
        return {**super().get_config(), "axis": self.axis}


class Dot(_Merge):
    """Dot product of two inputs along ``axes``."""

    def __init__(self, axes: int | tuple, normalize: bool = False, **kwargs):
        super().__init__(**kwargs)
        self.axes, self.normalize = axes, normalize

    def call(self, inputs):
        a, b = self._check(inputs)[:2]
        if self.normalize:
            a = ops.l2_normalize(a, axis=-1)
            b = ops.l2_normalize(b, axis=-1)
        return ops.reduce_sum(ops.multiply(a, b), axis=-1, keepdims=True)


def add(inputs, **kwargs):
    return Add(**kwargs)(inputs)


def concatenate(inputs, axis=-1, **kwargs):
    return Concatenate(axis=axis, **kwargs)(inputs)


def multiply(inputs, **kwargs):
    return Multiply(**kwargs)(inputs)


def subtract(inputs, **kwargs):
    return Subtract(**kwargs)(inputs)


def average(inputs, **kwargs):
    return Average(**kwargs)(inputs)

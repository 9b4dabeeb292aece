"""Pictures of training: loss curves, confusion matrices, predictions, weights, boundaries.

Needs the optional extra ``plot`` (``pip install ember[plot]``, i.e. matplotlib),
imported only when a function here is called, so ``import ember`` stays light.

Every function returns a ``matplotlib.figure.Figure`` and, given ``path``, saves it
there atomically (to a temporary file in the same folder, then ``os.replace``), so
a crash never leaves half a picture. Figures are made with matplotlib's object API,
not ``pyplot``: no window opens, no global backend is switched (a notebook's inline
display keeps working), and no figure lingers in ``pyplot``'s registry; the file is
rendered by the Agg backend.
"""

from __future__ import annotations

import inspect
import math
import os

import numpy as np

__all__ = [
    "plot_confusion_matrix",
    "plot_decision_boundary",
    "plot_dense_weights",
    "plot_history",
    "plot_line_boundary",
    "plot_predictions",
]


# ----------------------------------------------------------------------------- shared


def _figure(**kwargs):
    """Return a new matplotlib Figure, or explain how to install matplotlib."""
    try:
        from matplotlib.figure import Figure
    except ImportError as e:
        raise ImportError(
            "ember.plot needs matplotlib, which is not installed. "
            "Install it with: pip install ember[plot]"
        ) from e
    return Figure(**kwargs)


def _save(fig, path) -> None:
    """Save ``fig`` to ``path`` atomically; the format follows the extension (default png)."""
    if path is None:
        return
    path = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(directory):
        raise FileNotFoundError(
            f"Cannot save the plot to {path}: expected an existing folder, "
            f"but {directory} does not exist."
        )
    fmt = os.path.splitext(path)[1].lstrip(".").lower() or "png"
    from ember.atomic import atomic_path
    with atomic_path(path) as tmp, open(tmp, "wb") as f:
        fig.savefig(f, format=fmt)


def _numpy(value, name: str) -> np.ndarray:
    """Return ``value`` (array, list, or tensor with ``.numpy()``) as a numeric NumPy array."""
    if hasattr(value, "numpy"):
        value = value.numpy()
    try:
        array = np.asarray(value)
    except (TypeError, ValueError) as e:
        raise TypeError(f"{name}: expected an array of numbers, received {type(value)!r}") from e
    if not (np.issubdtype(array.dtype, np.number) or array.dtype == bool):
        raise TypeError(f"{name}: expected an array of numbers, received dtype {array.dtype}.")
    return array


def _labels(value, name: str) -> np.ndarray:
    """Return class labels (n,) from labels, (n, 1) probabilities or (n, k) scores/one-hot."""
    array = _numpy(value, name)
    if array.ndim == 2 and array.shape[1] > 1:
        return array.argmax(axis=1)
    if array.ndim == 2 and array.shape[1] == 1:
        array = array[:, 0]
        if np.issubdtype(array.dtype, np.floating) and not np.all(array == np.round(array)):
            return (array > 0.5).astype(np.int64)  # a sigmoid output: P(class 1)
    if array.ndim != 1:
        raise ValueError(
            f"{name}: expected labels of shape (n,), or scores of shape (n, k), "
            f"received shape {array.shape}."
        )
    if np.issubdtype(array.dtype, np.floating) and not np.all(array == np.round(array)):
        raise ValueError(f"{name}: expected integer class labels, received fractions.")
    if array.size and array.min() < 0:
        raise ValueError(f"{name}: expected class labels >= 0, received {array.min()}.")
    return array.astype(np.int64)


def _name(label: int, class_names) -> str:
    if class_names is None:
        return str(label)
    if not 0 <= label < len(class_names):
        raise ValueError(
            f"class_names: has {len(class_names)} names, but label {label} appears "
            f"(expected labels 0..{len(class_names) - 1})."
        )
    return str(class_names[label])


def _grid(n: int) -> tuple[int, int]:
    """Return (rows, cols) of the most square grid holding n cells."""
    cols = max(1, math.ceil(math.sqrt(n)))
    return math.ceil(n / cols), cols


def _as_images(images, name: str = "images") -> np.ndarray:
    """Return images as (n, h, w) or (n, h, w, 3|4); a flat (n, h*w) becomes square."""
    array = _numpy(images, name)
    if array.ndim == 2:
        side = math.isqrt(array.shape[1])
        if side * side != array.shape[1]:
            raise ValueError(
                f"{name}: flat images must have a square number of pixels (e.g. 784 = 28x28), "
                f"received shape {array.shape}."
            )
        array = array.reshape(-1, side, side)
    if array.ndim == 4 and array.shape[-1] == 1:
        array = array[..., 0]
    if array.ndim not in (3, 4) or (array.ndim == 4 and array.shape[-1] not in (3, 4)):
        raise ValueError(
            f"{name}: expected images of shape (n, h, w), (n, h, w, 1|3|4) or (n, h*w), "
            f"received shape {array.shape}."
        )
    return array


# ----------------------------------------------------------------------------- training


def plot_history(history, path=None):
    """Plot the curves of ``fit``: one panel per metric, training and validation, per epoch.

    Args:
        history: the ``History`` returned by ``model.fit`` (its ``.history`` dict is
            used) or a dict of lists such as ``{"loss": [...], "val_loss": [...],
            "accuracy": [...], "val_accuracy": [...]}``.
        path: file to save the figure to (format from the extension); None to not save.
    Returns:
        The matplotlib Figure.
    """
    logs = getattr(history, "history", history)
    if not isinstance(logs, dict) or not logs:
        raise ValueError(
            "history: expected a History from fit() or a non-empty dict of per-epoch lists, "
            f"received {type(history).__name__} {logs!r:.80}."
        )
    curves = {}
    for key, values in logs.items():
        values = np.array([float(_numpy(v, f"history[{key!r}]")) for v in values])
        if values.size == 0:
            raise ValueError(f"history[{key!r}]: expected one value per epoch, received none.")
        curves[key] = values
    names = list(dict.fromkeys(k.removeprefix("val_") for k in curves))
    names.sort(key=lambda k: k != "loss")  # loss first, the rest as fit logged them

    fig = _figure(figsize=(5 * len(names), 4), layout="constrained")
    axes = fig.subplots(1, len(names), squeeze=False)[0]
    for ax, name in zip(axes, names):
        for key, label, style in ((name, "training", "o-"), ("val_" + name, "validation", "s--")):
            if key in curves:
                epochs = np.arange(1, len(curves[key]) + 1)
                ax.plot(epochs, curves[key], style, markersize=3, label=label)
        ax.set_title(name)
        ax.set_xlabel("epoch")
        ax.xaxis.get_major_locator().set_params(integer=True)  # no epoch 2.5
        ax.set_ylabel(name)
        ax.grid(alpha=0.3)
        ax.legend()
    _save(fig, path)
    return fig


def plot_confusion_matrix(y_true, y_pred, class_names=None, path=None):
    """Plot counts of (true class, predicted class): rows true, columns predicted.

    Args:
        y_true: labels (n,), or one-hot (n, k).
        y_pred: labels (n,), probabilities/scores (n, k) (argmax is taken), or sigmoid
            outputs (n, 1) (thresholded at 0.5).
        class_names: names of classes 0..k-1 for the axes; default the numbers.
        path: file to save the figure to; None to not save.
    Returns:
        The matplotlib Figure.
    """
    true, pred = _labels(y_true, "y_true"), _labels(y_pred, "y_pred")
    if len(true) != len(pred):
        raise ValueError(
            f"y_true and y_pred: expected the same number of samples, received "
            f"{len(true)} and {len(pred)}."
        )
    if len(true) == 0:
        raise ValueError("y_true: expected at least one sample, received none.")
    k = int(max(true.max(), pred.max())) + 1
    if class_names is not None:
        _name(k - 1, class_names)
        k = len(class_names)
    counts = np.bincount(true * k + pred, minlength=k * k).reshape(k, k)
    names = [_name(i, class_names) for i in range(k)]

    size = max(4.0, 0.6 * k + 2)
    fig = _figure(figsize=(size + 1, size), layout="constrained")
    ax = fig.add_subplot()
    image = ax.imshow(counts, cmap="Blues")
    fig.colorbar(image, ax=ax, shrink=0.8)
    ax.set_xticks(range(k), names, rotation=45, ha="right")
    ax.set_yticks(range(k), names)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    ax.set_title(f"confusion matrix ({np.trace(counts)}/{counts.sum()} correct)")
    threshold = counts.max() / 2
    for i in range(k):
        for j in range(k):
            color = "white" if counts[i, j] > threshold else "black"
            ax.text(j, i, str(counts[i, j]), ha="center", va="center", color=color, fontsize=8)
    _save(fig, path)
    return fig


def plot_predictions(images, y_true, y_pred, class_names=None, n=25, path=None):
    """Show the first ``n`` images in a grid, each titled "pred (true)"; mistakes in red.

    Args:
        images: (N, h, w), (N, h, w, 1|3|4) or flat (N, h*w) with square images.
        y_true: labels (N,) or one-hot (N, k).
        y_pred: labels (N,) or probabilities (N, k) as ``model.predict`` returns.
        class_names: names for labels 0..k-1; default the numbers.
        n: how many images to show (default 25).
        path: file to save the figure to; None to not save.
    Returns:
        The matplotlib Figure.
    """
    pictures = _as_images(images)
    true, pred = _labels(y_true, "y_true"), _labels(y_pred, "y_pred")
    if not len(pictures) == len(true) == len(pred):
        raise ValueError(
            f"images, y_true, y_pred: expected the same number of samples, received "
            f"{len(pictures)}, {len(true)} and {len(pred)}."
        )
    if not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"n: expected a positive integer, received n={n!r}.")
    n = min(n, len(pictures))
    if n == 0:
        raise ValueError("images: expected at least one image, received none.")
    rows, cols = _grid(n)
    fig = _figure(figsize=(1.6 * cols, 1.8 * rows), layout="constrained")
    axes = fig.subplots(rows, cols, squeeze=False).ravel()
    for i, ax in enumerate(axes):
        ax.set_axis_off()
        if i >= n:
            continue
        ax.imshow(pictures[i], cmap="binary" if pictures.ndim == 3 else None)
        wrong = pred[i] != true[i]
        ax.set_title(
            f"{_name(pred[i], class_names)} ({_name(true[i], class_names)})",
            color="red" if wrong else "black",
            fontsize=8,
        )
    _save(fig, path)
    return fig


# ----------------------------------------------------------------------------- weights


def _kernel(kernel) -> np.ndarray:
    """Return the kernel of a Dense layer, a tensor or an array as a NumPy array."""
    if hasattr(kernel, "kernel"):
        kernel = kernel.kernel
    elif hasattr(kernel, "get_weights") and not isinstance(kernel, np.ndarray):
        weights = kernel.get_weights()
        if not weights:
            raise ValueError(
                "kernel: the layer has no weights yet; call it on data (or build it) first."
            )
        kernel = weights[0]
    return _numpy(kernel, "kernel")


def plot_dense_weights(kernel, image_shape=(28, 28), n=None, path=None):
    """Show each unit's incoming weights as an image: what pattern makes the unit fire.

    Unit ``j`` computes ``z_j = b_j + sum_i x_i * W[i, j]``, so column ``j`` reshaped to
    the input image shows which pixels push it up (red) or down (blue).

    Args:
        kernel: a (pixels, units) array, a tensor with ``.numpy()``, or a Dense layer
            (its ``.kernel`` or ``get_weights()[0]``).
        image_shape: shape of one input image (default (28, 28)); pixels must equal
            its product.
        n: how many units to show (default all).
        path: file to save the figure to; None to not save.
    Returns:
        The matplotlib Figure.
    """
    weights = _kernel(kernel)
    pixels = math.prod(image_shape)
    if weights.ndim != 2 or weights.shape[0] != pixels:
        raise ValueError(
            f"kernel: expected shape ({pixels}, units) for images of shape {tuple(image_shape)}, "
            f"received shape {weights.shape}."
        )
    units = weights.shape[1]
    if n is not None and (not isinstance(n, (int, np.integer)) or n < 1):
        raise ValueError(f"n: expected a positive integer or None, received n={n!r}.")
    n = units if n is None else min(n, units)
    if n == 0:
        raise ValueError(f"kernel: expected at least one unit, received shape {weights.shape}.")
    shown = weights[:, :n].astype(np.float64)
    limit = float(np.abs(shown).max()) or 1.0  # symmetric, so zero is white
    rows, cols = _grid(n)
    fig = _figure(figsize=(1.5 * cols + 1, 1.6 * rows), layout="constrained")
    axes = fig.subplots(rows, cols, squeeze=False).ravel()
    image = None
    for j, ax in enumerate(axes):
        ax.set_axis_off()
        if j < n:
            picture = shown[:, j].reshape(image_shape)
            image = ax.imshow(picture, cmap="RdBu_r", vmin=-limit, vmax=limit)
            ax.set_title(f"unit {j}", fontsize=8)
    fig.colorbar(image, ax=axes.tolist(), shrink=0.8)
    _save(fig, path)
    return fig


# ----------------------------------------------------------------------------- boundaries


def _predict(model, points: np.ndarray) -> np.ndarray:
    """Call ``model.predict`` (quietly, when it takes ``verbose``) or ``model`` itself."""
    if hasattr(model, "predict"):
        fn = model.predict
        try:
            params = inspect.signature(fn).parameters
        except (TypeError, ValueError):
            params = {}
        quiet = "verbose" in params or any(p.kind == p.VAR_KEYWORD for p in params.values())
        out = fn(points, verbose=0) if quiet else fn(points)
    elif callable(model):
        out = model(points)
    else:
        raise TypeError(
            "model: expected an object with .predict(x) or a callable returning "
            f"probabilities, received {type(model).__name__}."
        )
    out = _numpy(out, "model output").astype(np.float64)
    if out.ndim == 1:
        out = out[:, None]
    if out.ndim != 2 or out.shape[0] != len(points):
        raise ValueError(
            f"model output: expected shape ({len(points)},), ({len(points)}, 1) or "
            f"({len(points)}, k) for {len(points)} grid points, received {out.shape}."
        )
    return out


def _points(x, y):
    """Validate 2-D inputs (n, 2) and their labels; return them as arrays."""
    points = _numpy(x, "x").astype(np.float64)
    if points.ndim != 2 or points.shape[1] != 2 or len(points) == 0:
        raise ValueError(f"x: expected 2-D points of shape (n, 2), received shape {points.shape}.")
    if y is None:
        return points, None
    labels = _labels(y, "y")
    if len(labels) != len(points):
        raise ValueError(
            f"x and y: expected the same number of samples, received {len(points)} and "
            f"{len(labels)}."
        )
    return points, labels


def _scatter(ax, points, labels, **style) -> None:
    """Scatter points, coloured by label when there are labels, black otherwise."""
    if labels is None:
        style = {k: v for k, v in style.items() if k not in ("cmap", "vmin", "vmax")}
        ax.scatter(points[:, 0], points[:, 1], c="k", **style)
    else:
        ax.scatter(points[:, 0], points[:, 1], c=labels, edgecolors="k", **style)


def _span(values: np.ndarray, margin: float = 0.1) -> tuple[float, float]:
    low, high = float(values.min()), float(values.max())
    pad = (high - low) * margin or 0.5
    return low - pad, high + pad


def plot_decision_boundary(model, x, y, path=None, resolution=200):
    """Colour the plane by the model's prediction and scatter the data on top.

    A grid of ``resolution x resolution`` points spanning the data goes through the
    model. One output column (a sigmoid) is drawn as P(class 1) with the 0.5 contour,
    the boundary; several columns (a softmax) as the argmax class.

    Args:
        model: anything with ``.predict(x)`` returning probabilities (n, 1) or (n, k),
            or a callable doing the same.
        x: 2-D inputs (n, 2).
        y: their labels (n,), (n, 1) or one-hot (n, k).
        path: file to save the figure to; None to not save.
        resolution: grid points per axis (default 200).
    Returns:
        The matplotlib Figure.
    """
    points, labels = _points(x, y)
    if not isinstance(resolution, (int, np.integer)) or resolution < 2:
        raise ValueError(f"resolution: expected an integer >= 2, received {resolution!r}.")
    (x0, x1), (y0, y1) = _span(points[:, 0]), _span(points[:, 1])
    gx, gy = np.meshgrid(np.linspace(x0, x1, resolution), np.linspace(y0, y1, resolution))
    grid = np.column_stack([gx.ravel(), gy.ravel()]).astype(np.float32)
    out = _predict(model, grid)

    fig = _figure(figsize=(6, 5), layout="constrained")
    ax = fig.add_subplot()
    if out.shape[1] == 1:
        surface = out[:, 0].reshape(gx.shape)
        filled = ax.contourf(gx, gy, surface, levels=np.linspace(0, 1, 11), cmap="RdBu_r",
                             alpha=0.6, extend="both")
        ax.contour(gx, gy, surface, levels=[0.5], colors="k", linewidths=1.5)
        fig.colorbar(filled, ax=ax, label="P(class 1)")
        cmap, vmax = "RdBu_r", 1
    else:
        k = out.shape[1]
        surface = out.argmax(axis=1).reshape(gx.shape)
        ax.contourf(gx, gy, surface, levels=np.arange(k + 1) - 0.5, cmap="tab10",
                    vmin=-0.5, vmax=9.5, alpha=0.35)
        cmap, vmax = "tab10", 9
    _scatter(ax, points, labels, cmap=cmap, vmin=0, vmax=vmax, s=25)
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_xlabel("x1")
    ax.set_ylabel("x2")
    ax.set_title("decision boundary")
    _save(fig, path)
    return fig


def _signed(value: float) -> str:
    """``3`` -> ``'+ 3'``, ``-2`` -> ``'- 2'``: a term of a sum as one writes it."""
    return f"{'-' if value < 0 else '+'} {abs(value):.3g}"


def plot_line_boundary(w, b, x=None, y=None, path=None):
    """Draw a perceptron's boundary, the line ``w0 + w1*x1 + w2*x2 = 0`` (``w0`` = ``b``).

    The side where ``w0 + w1*x1 + w2*x2 > 0`` (output 1) is shaded red, the other blue.

    Args:
        w: the two input weights ``(w1, w2)``, shape (2,) or a Dense kernel (2, 1).
        b: the bias ``w0``, a number or shape (1,).
        x: optional 2-D points (n, 2) to scatter; they also set the plotted range
            (default [-0.5, 1.5] on both axes, the square of the logic gates).
        y: optional labels of ``x`` for the colours.
        path: file to save the figure to; None to not save.
    Returns:
        The matplotlib Figure.
    """
    weights = _numpy(w, "w").astype(np.float64).ravel()
    bias = _numpy(b, "b").astype(np.float64).ravel()
    if weights.shape != (2,):
        raise ValueError(f"w: expected 2 weights (w1, w2), received shape {np.shape(w)}.")
    if bias.shape != (1,):
        raise ValueError(f"b: expected one bias w0, received shape {np.shape(b)}.")
    if not np.any(weights):
        raise ValueError("w: both weights are 0, so there is no boundary line to draw.")
    (w1, w2), w0 = weights, bias[0]
    points, labels = _points(x, y) if x is not None else (None, None)
    if points is None and y is not None:
        raise ValueError("y: labels were given without their points x.")
    (x0, x1), (y0, y1) = (
        (_span(points[:, 0], 0.25), _span(points[:, 1], 0.25))
        if points is not None
        else ((-0.5, 1.5), (-0.5, 1.5))
    )

    fig = _figure(figsize=(5.5, 5), layout="constrained")
    ax = fig.add_subplot()
    gx, gy = np.meshgrid(np.linspace(x0, x1, 200), np.linspace(y0, y1, 200))
    side = (w0 + w1 * gx + w2 * gy > 0).astype(np.float64)
    ax.contourf(gx, gy, side, levels=[-0.5, 0.5, 1.5], colors=["#9ecae1", "#fcbba1"], alpha=0.7)
    label = f"{w0:.3g} {_signed(w1)}·x1 {_signed(w2)}·x2 = 0"
    if abs(w2) > 1e-12 * abs(w1):
        xs = np.array([x0, x1])
        ax.plot(xs, -(w0 + w1 * xs) / w2, "k-", linewidth=2, label=label)
    else:  # w2 == 0: the line is vertical, x1 = -w0 / w1
        ax.axvline(-w0 / w1, color="k", linewidth=2, label=label)
    if points is not None:
        # vmin/vmax fixed: a lone label 1 is red, as its side is, not the colormap's bottom.
        _scatter(ax, points, labels, cmap="RdBu_r", vmin=0, vmax=1, s=60, zorder=3)
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_xlabel("x1")
    ax.set_ylabel("x2")
    ax.set_title("perceptron boundary")
    ax.legend(loc="upper right", fontsize=8)
    _save(fig, path)
    return fig


# ----------------------------------------------------------------------------- convolution
# (conv branch) what a CNN's first layer looks for, and what it sees in one image


def plot_conv_filters(kernel, path=None):
    """Show each filter of a first convolution layer: the small pattern it responds to.

    Filter ``o`` computes ``z = b_o + sum_{a,b,c} x[i+a, j+b, c] * K[a, b, c, o]`` at every
    position, so ``K[:, :, :, o]`` drawn as an image is the pattern that makes it fire
    (red: weight > 0, blue: < 0; colour images show each input channel in its own row).

    Args:
        kernel: a (kh, kw, in, filters) array, a tensor, or a Conv2D layer.
        path: file to save the figure to; None to not save.
    Returns:
        The matplotlib Figure.
    """
    weights = _kernel(kernel)
    if weights.ndim != 4:
        raise ValueError(f"kernel: expected a Conv2D kernel of shape (kh, kw, in, filters), "
                         f"received shape {weights.shape}.")
    _, _, channels, filters = weights.shape
    shown = weights.astype(np.float64)
    limit = float(np.abs(shown).max()) or 1.0
    cols = min(filters, 12)
    rows = math.ceil(filters / cols) * channels
    fig = _figure(figsize=(1.1 * cols + 1, 1.2 * rows + 0.3), layout="constrained")
    axes = fig.subplots(rows, cols, squeeze=False)
    image = None
    for o in range(math.ceil(filters / cols) * cols):
        for c in range(channels):
            ax = axes[(o // cols) * channels + c, o % cols]
            ax.set_axis_off()
            if o < filters:
                image = ax.imshow(shown[:, :, c, o], cmap="RdBu_r", vmin=-limit, vmax=limit)
                if c == 0:
                    ax.set_title(f"filter {o}", fontsize=7)
    fig.colorbar(image, ax=axes.ravel().tolist(), shrink=0.8)
    fig.suptitle("First convolution layer: filters")
    _save(fig, path)
    return fig


def plot_feature_maps(maps, image=None, title=None, path=None):
    """Show the feature maps of one image: where in the picture each filter fired.

    Args:
        maps: (h, w, channels) or (1, h, w, channels) activations of a convolution layer.
        image: the input image (h, w) or (h, w, 1|3), drawn first; optional.
        title: the figure's title (default 'Feature maps').
        path: file to save the figure to; None to not save.
    Returns:
        The matplotlib Figure.
    """
    array = _numpy(maps, "maps")
    if array.ndim == 4 and array.shape[0] == 1:
        array = array[0]
    if array.ndim != 3:
        raise ValueError(f"maps: expected feature maps of shape (h, w, channels) for one "
                         f"image, received shape {array.shape}.")
    n = array.shape[-1] + (image is not None)
    rows, cols = _grid(n)
    fig = _figure(figsize=(1.3 * cols + 0.5, 1.4 * rows + 0.4), layout="constrained")
    axes = fig.subplots(rows, cols, squeeze=False).ravel()
    for ax in axes:
        ax.set_axis_off()
    k = 0
    if image is not None:
        picture = _as_images(np.asarray(_numpy(image, "image"))[None])[0]
        axes[0].imshow(picture, cmap="gray" if picture.ndim == 2 else None)
        axes[0].set_title("input", fontsize=7)
        k = 1
    for c in range(array.shape[-1]):
        axes[k + c].imshow(array[:, :, c], cmap="viridis")
        axes[k + c].set_title(f"map {c}", fontsize=7)
    fig.suptitle(title or "Feature maps")
    _save(fig, path)
    return fig


# -- See inside (issue 16): the tape's graph and the learner's pictures ----------------------
from ember.notebook import show_figures_inline as _show_figures_inline  # noqa: E402
from ember.plot_graph import graph  # noqa: E402,F401
from ember.plot_learning import (  # noqa: E402,F401
    DecisionBoundaryFrames,
    LayerStatistics,
    loss_surface,
    plot_boundary_frames,
    plot_gradients_by_depth,
    plot_layer_statistics,
    save_boundary_gif,
)

_show_figures_inline()  # in Jupyter, a cell returning a Figure shows the picture


# ------------------------------------------------------ generative models and RL (issue 15)
# Appended as one block: the convolution and teaching work append their own blocks.

__all__ += ["plot_image_grid", "plot_latent_space", "plot_reconstructions", "plot_returns"]


def _show(ax, image) -> None:
    ax.imshow(image, cmap="gray" if image.ndim == 2 else None,
              vmin=None if image.ndim == 3 else float(min(0.0, image.min())),
              vmax=None if image.ndim == 3 else float(max(1.0, image.max())))
    ax.set_axis_off()


def plot_image_grid(images, title=None, n=None, path=None):
    """A square grid of images, e.g. a generator's samples after one epoch.

    Args:
        images: (n, h, w), (n, h, w, 1|3) or flat (n, h*w); values in [0, 1] (a generator's
            tanh output in [-1, 1] is shown rescaled to [0, 1]).
        title: the figure's title (e.g. "epoch 3").
        n: how many to show (default all, at most 100).
    """
    array = _as_images(images).astype(np.float64)
    if array.min() < 0:
        array = (array + 1.0) / 2.0  # tanh outputs
    count = min(len(array), 100 if n is None else int(n))
    if count < 1:
        raise ValueError("images: expected at least one image, received none.")
    rows, cols = _grid(count)
    fig = _figure(figsize=(1.2 * cols, 1.2 * rows + (0.4 if title else 0)),
                  layout="constrained")
    for i in range(rows * cols):
        ax = fig.add_subplot(rows, cols, i + 1)
        if i < count:
            _show(ax, np.clip(array[i], 0, 1))
        else:
            ax.set_axis_off()
    if title:
        fig.suptitle(str(title))
    _save(fig, path)
    return fig


def plot_reconstructions(originals, reconstructions, n=10, path=None):
    """Originals (top row) above their reconstructions (bottom row), e.g. an autoencoder's."""
    top = _as_images(originals, "originals")
    bottom = _as_images(reconstructions, "reconstructions")
    if top.shape != bottom.shape:
        raise ValueError(f"reconstructions: expected the originals' shape {top.shape}, "
                         f"received {bottom.shape}.")
    count = min(len(top), int(n))
    fig = _figure(figsize=(1.2 * count, 2.8), layout="constrained")
    for row, (images, label) in enumerate(((top, "original"), (bottom, "reconstructed"))):
        for i in range(count):
            ax = fig.add_subplot(2, count, row * count + i + 1)
            _show(ax, np.clip(images[i].astype(np.float64), 0, 1))
            if i == 0:
                ax.set_title(label, fontsize=8, loc="left")
    _save(fig, path)
    return fig


def plot_latent_space(codes, labels, class_names=None, path=None):
    """A VAE's 2-D latent means, one point per sample coloured by its class."""
    points = _numpy(codes, "codes")
    if points.ndim != 2 or points.shape[1] != 2:
        raise ValueError(f"codes: expected 2-D codes of shape (n, 2), received shape "
                         f"{points.shape}; give the encoder's z_mean of a 2-D latent space.")
    classes = _labels(labels, "labels")
    if len(classes) != len(points):
        raise ValueError(f"labels: expected one label per code ({len(points)}), received "
                         f"{len(classes)}.")
    fig = _figure(figsize=(6.5, 5.5), layout="constrained")
    ax = fig.add_subplot()
    cmap = "tab10" if classes.max(initial=0) < 10 else "viridis"
    dots = ax.scatter(points[:, 0], points[:, 1], c=classes, cmap=cmap, s=6,
                      vmin=-0.5, vmax=max(classes.max(initial=0), 9) + 0.5)
    bar = fig.colorbar(dots, ax=ax, ticks=np.unique(classes))
    bar.ax.set_yticklabels([_name(int(c), class_names) for c in np.unique(classes)])
    ax.set_xlabel("z[0]")
    ax.set_ylabel("z[1]")
    ax.set_title("latent space")
    _save(fig, path)
    return fig


def plot_returns(returns, window=100, target=None, path=None):
    """The return of each episode of an RL agent, with the running mean of the last
    ``window`` episodes and, given ``target``, the line to reach."""
    values = _numpy(returns, "returns").astype(np.float64).ravel()
    if values.size == 0:
        raise ValueError("returns: expected at least one episode's return, received none.")
    cumulative = np.cumsum(np.r_[0.0, values])
    idx = np.arange(1, values.size + 1)
    start = np.maximum(0, idx - int(window))
    running = (cumulative[idx] - cumulative[start]) / (idx - start)
    fig = _figure(figsize=(7, 4), layout="constrained")
    ax = fig.add_subplot()
    ax.plot(idx, values, color="#9ecae1", linewidth=1, label="return")
    ax.plot(idx, running, color="#08519c", linewidth=2, label=f"mean of last {window}")
    if target is not None:
        ax.axhline(float(target), color="#cb181d", linestyle="--", label=f"target {target:g}")
    ax.set_xlabel("episode")
    ax.set_ylabel("return")
    ax.legend(loc="upper left", fontsize=8)
    _save(fig, path)
    return fig

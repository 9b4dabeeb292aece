"""A learner's view of training: the loss surface, each layer over training, the boundary.

- ``loss_surface``: the loss on a plane through the trained weights, spanned by two random
  directions scaled to each layer's weights (Li et al., 2018, "Visualizing the Loss
  Landscape of Neural Nets"): is the minimum a narrow valley or a wide bowl?
- ``LayerStatistics`` (a callback) and ``plot_layer_statistics``: per layer, the mean
  |activation| and the norm of the kernel's gradient, before training and after each
  epoch. With sigmoid the gradient shrinks layer by layer towards the input (σ' ≤ 1/4 at
  every layer: vanishing gradients); with ReLU it does not.
- ``DecisionBoundaryFrames`` (a callback), ``plot_boundary_frames`` and
  ``save_boundary_gif``: a 2-D classifier's boundary epoch by epoch.

Pictures are matplotlib Figures (object API, no pyplot), saved atomically given ``path``.
"""

from __future__ import annotations

import os

import numpy as np

from ember.figures import new_figure, save_figure
from ember.keras.callbacks import Callback
from ember.keras.models.sequential import Sequential
from ember.tape import GradientTape
from ember.tensor import convert_to_tensor

__all__ = [
    "DecisionBoundaryFrames",
    "LayerStatistics",
    "loss_surface",
    "plot_boundary_frames",
    "plot_gradients_by_depth",
    "plot_layer_statistics",
    "save_boundary_gif",
]


def _array(value, name):
    a = value.numpy() if hasattr(value, "numpy") else np.asarray(value)
    if not np.issubdtype(a.dtype, np.number):
        raise TypeError(f"{name}: expected numbers, received dtype {a.dtype}.")
    return a


def _loss_value(model, x, y) -> float:
    y_pred = model(x, training=False)
    return float(np.asarray(model.compute_loss(x, y, y_pred, training=False)))


# ----------------------------------------------------------------------------- loss surface


def loss_surface_data(model, x, y, steps: int = 21, span: float = 1.0, seed: int = 0):
    """The loss at ``w + α·d₁ + β·d₂`` on a ``steps × steps`` grid of α, β in [-span, span].

    Each direction is Gaussian, then rescaled filter by filter (each kernel column, each
    unit) to the norm of the weights it moves; biases and 1-D weights are not moved, as
    in Li et al. The model's weights are restored afterwards.

    Returns:
        ``(alphas, betas, losses)``: two (steps,) arrays and a (steps, steps) array,
        ``losses[i, j]`` at ``β = betas[i]``, ``α = alphas[j]``; the centre is the model.
    """
    if getattr(model, "compiled_loss", None) is None or not model.compiled_loss.active:
        raise ValueError("loss_surface: compile the model with a loss first "
                         "(model.compile(loss=...)).")
    if not isinstance(steps, (int, np.integer)) or steps < 3:
        raise ValueError(f"loss_surface: steps must be an integer >= 3; received {steps!r}.")
    if not span > 0:
        raise ValueError(f"loss_surface: span must be positive; received {span!r}.")
    variables = model.trainable_variables
    if not variables:
        raise ValueError("loss_surface: the model has no trainable weights; build or fit it "
                         "first.")
    rng = np.random.default_rng(seed)
    origin = [v.numpy() for v in variables]
    directions = []
    for _ in range(2):
        ds = []
        for w in origin:
            if w.ndim < 2:
                ds.append(np.zeros_like(w))
                continue
            d = rng.standard_normal(w.shape).astype(w.dtype)
            axes = tuple(range(w.ndim - 1))  # one filter per output unit (the last axis)
            scale = np.linalg.norm(w, axis=axes, keepdims=True) / (
                np.linalg.norm(d, axis=axes, keepdims=True) + 1e-12)
            ds.append(d * scale)
        directions.append(ds)
    alphas = np.linspace(-span, span, steps)
    betas = np.linspace(-span, span, steps)
    losses = np.empty((steps, steps))
    try:
        for i, b in enumerate(betas):
            for j, a in enumerate(alphas):
                for v, w, d1, d2 in zip(variables, origin, *directions):
                    v.assign(w + a * d1 + b * d2)
                losses[i, j] = _loss_value(model, x, y)
    finally:
        for v, w in zip(variables, origin):
            v.assign(w)
    return alphas, betas, losses


def loss_surface(model, x, y, steps: int = 21, span: float = 1.0, seed: int = 0, path=None):
    """Contours of the loss around the trained weights, along two random directions.

    Args:
        model: a compiled, trained Keras model.
        x, y: the data the loss is measured on (a few hundred samples are enough).
        steps: grid points per direction (default 21).
        span: how far each direction goes, in units of the weights' own norms (default 1).
        seed: seed of the random directions.
        path: file to save the figure to; None to not save.
    Returns:
        The Figure; ``fig.surface`` holds ``(alphas, betas, losses)``.
    """
    alphas, betas, losses = loss_surface_data(model, x, y, steps, span, seed)
    fig = new_figure(figsize=(10, 4.2), layout="constrained")
    ax = fig.add_subplot(1, 2, 1)
    levels = np.quantile(losses, np.linspace(0, 1, 16))
    filled = ax.contourf(alphas, betas, losses, levels=np.unique(levels), cmap="viridis")
    ax.contour(alphas, betas, losses, levels=np.unique(levels), colors="k", linewidths=0.4)
    ax.plot([0], [0], marker="*", color="red", markersize=14, label="trained weights")
    fig.colorbar(filled, ax=ax, label="loss")
    ax.set_xlabel("α (direction 1)")
    ax.set_ylabel("β (direction 2)")
    ax.set_title("loss around the trained weights")
    ax.legend(loc="upper right", fontsize=8)
    ax3 = fig.add_subplot(1, 2, 2, projection="3d")
    ga, gb = np.meshgrid(alphas, betas)
    ax3.plot_surface(ga, gb, losses, cmap="viridis", linewidth=0, antialiased=True)
    ax3.set_xlabel("α")
    ax3.set_ylabel("β")
    ax3.set_zlabel("loss")
    fig.surface = (alphas, betas, losses)
    save_figure(fig, path)
    return fig


# ----------------------------------------------------------------------------- layers


class LayerStatistics(Callback):
    """Records, per layer with a kernel, mean |activation| and the kernel gradient's norm.

    Measured on ``(x, y)`` (a fixed batch) before training and after every epoch. Works
    with Sequential models (the layers run one after another).

    Attributes:
        layer_names: the measured layers, input side first.
        epochs: the epoch of each record (0 = before training).
        activations: ``{layer name: [mean |output| per record]}``.
        gradient_norms: ``{layer name: [‖∂loss/∂kernel‖ per record]}``.
    """

    def __init__(self, x, y):
        super().__init__()
        self.x = _array(x, "x").astype("float32")
        self.y = _array(y, "y")
        self.layer_names: list = []
        self.epochs: list = []
        self.activations: dict = {}
        self.gradient_norms: dict = {}

    def on_train_begin(self, logs=None):
        if not isinstance(self.model, Sequential):
            raise TypeError("LayerStatistics measures Sequential models (layers run in order); "
                            f"received {type(self.model).__name__}.")
        if not self.epochs:
            self._measure(0)

    def on_epoch_end(self, epoch, logs=None):
        self._measure(epoch + 1)

    def _measure(self, epoch):
        model = self.model
        with GradientTape() as tape:
            a = convert_to_tensor(self.x)
            outputs = []
            for layer in model.layers:
                a = layer(a, training=False)
                outputs.append((layer, a))
            loss = model.compute_loss(self.x, self.y, a, training=False)
        measured = [(layer, out) for layer, out in outputs
                    if getattr(layer, "kernel", None) is not None]
        grads = tape.gradient(loss, [layer.kernel for layer, _ in measured])
        if not self.layer_names:
            self.layer_names = [layer.name for layer, _ in measured]
        self.epochs.append(epoch)
        for (layer, out), g in zip(measured, grads):
            self.activations.setdefault(layer.name, []).append(
                float(np.mean(np.abs(out.numpy()))))
            norm = 0.0 if g is None else float(np.linalg.norm(g.numpy()))
            self.gradient_norms.setdefault(layer.name, []).append(norm)


def _check_stats(stats):
    if not isinstance(stats, LayerStatistics):
        raise TypeError("expected a LayerStatistics callback passed to fit; received "
                        f"{type(stats).__name__}.")
    if not stats.epochs:
        raise ValueError("This LayerStatistics has no records yet: pass it to "
                         "model.fit(..., callbacks=[stats]) first.")


def plot_layer_statistics(stats: LayerStatistics, title: str | None = None, path=None):
    """Two panels over training: each layer's kernel-gradient norm and mean |activation|.

    Returns:
        The Figure: one line per layer in each panel, layer 1 (input side) darkest.
    """
    _check_stats(stats)
    from matplotlib import colormaps

    fig = new_figure(figsize=(10, 4), layout="constrained")
    ax_g, ax_a = fig.add_subplot(1, 2, 1), fig.add_subplot(1, 2, 2)
    n = len(stats.layer_names)
    cmap = colormaps["viridis"]
    for k, name in enumerate(stats.layer_names):
        color = cmap(k / max(1, n - 1) * 0.9)
        label = f"layer {k + 1} ({name})"
        norms = np.maximum(stats.gradient_norms[name], 1e-30)
        ax_g.plot(stats.epochs, norms, marker="o", color=color, label=label)
        ax_a.plot(stats.epochs, stats.activations[name], marker="o", color=color, label=label)
    ax_g.set_yscale("log")
    ax_g.set_xlabel("epoch")
    ax_g.set_ylabel("‖∂loss/∂kernel‖")
    ax_g.set_title("gradient norm per layer")
    ax_a.set_xlabel("epoch")
    ax_a.set_ylabel("mean |activation|")
    ax_a.set_title("activations per layer")
    ax_a.legend(fontsize=7)
    if title:
        fig.suptitle(title)
    save_figure(fig, path)
    return fig


def plot_gradients_by_depth(runs: dict, epoch: int = 0, path=None):
    """Kernel-gradient norm against layer depth, one line per run (e.g. sigmoid vs ReLU).

    Args:
        runs: ``{label: LayerStatistics}``.
        epoch: which record to draw (0: before training, where the effect is clearest).
    Returns:
        The Figure: with sigmoid the line falls towards layer 1; with ReLU it stays level.
    """
    if not runs:
        raise ValueError("plot_gradients_by_depth: give at least one {label: stats} run.")
    fig = new_figure(figsize=(6, 4), layout="constrained")
    ax = fig.add_subplot()
    for label, stats in runs.items():
        _check_stats(stats)
        if epoch not in stats.epochs:
            raise ValueError(f"plot_gradients_by_depth: run {label!r} has no record for "
                             f"epoch {epoch}; it has {stats.epochs}.")
        at = stats.epochs.index(epoch)
        norms = [max(stats.gradient_norms[n][at], 1e-30) for n in stats.layer_names]
        ax.plot(range(1, len(norms) + 1), norms, marker="o", label=label)
    ax.set_yscale("log")
    ax.set_xlabel("layer (1 = next to the input)")
    ax.set_ylabel("‖∂loss/∂kernel‖")
    ax.set_title(f"gradient norm by depth (epoch {epoch})")
    ax.legend()
    save_figure(fig, path)
    return fig


# ----------------------------------------------------------------------------- boundary


class DecisionBoundaryFrames(Callback):
    """Records a 2-D classifier's predictions on a grid before training and every epoch.

    Attributes:
        frames: ``[(epoch, probabilities of shape (resolution, resolution))]``; for a
            softmax model, the predicted class instead.
        grid: ``(gx, gy)``, the grid's coordinates.
    """

    def __init__(self, x, y, resolution: int = 60, every: int = 1):
        super().__init__()
        self.x = _array(x, "x").astype("float32")
        if self.x.ndim != 2 or self.x.shape[1] != 2:
            raise ValueError("DecisionBoundaryFrames: x must be 2-D points of shape (n, 2); "
                             f"received shape {self.x.shape}.")
        self.y = _array(y, "y").reshape(len(self.x), -1)
        if not isinstance(resolution, int) or resolution < 2:
            raise ValueError(f"resolution must be an integer >= 2; received {resolution!r}.")
        if not isinstance(every, int) or every < 1:
            raise ValueError(f"every must be a positive integer; received {every!r}.")
        self.every = every
        lo, hi = self.x.min(axis=0), self.x.max(axis=0)
        pad = (hi - lo) * 0.1 + 1e-6
        self.grid = np.meshgrid(np.linspace(lo[0] - pad[0], hi[0] + pad[0], resolution),
                                np.linspace(lo[1] - pad[1], hi[1] + pad[1], resolution))
        self.frames: list = []

    def on_train_begin(self, logs=None):
        if not self.frames:
            self._record(0)

    def on_epoch_end(self, epoch, logs=None):
        if (epoch + 1) % self.every == 0:
            self._record(epoch + 1)

    def _record(self, epoch):
        gx, gy = self.grid
        points = np.column_stack([gx.ravel(), gy.ravel()]).astype("float32")
        p = self.model.predict(points, verbose=0)
        p = p[:, 0] if p.shape[1] == 1 else p.argmax(axis=1).astype("float64")
        self.frames.append((epoch, p.reshape(gx.shape)))


def _draw_frame(ax, frames, k):
    gx, gy = frames.grid
    epoch, surface = frames.frames[k]
    labels = frames.y[:, 0] if frames.y.shape[1] == 1 else frames.y.argmax(axis=1)
    binary = frames.y.shape[1] == 1
    if binary:
        ax.contourf(gx, gy, surface, levels=np.linspace(0, 1, 11), cmap="RdBu_r", alpha=0.6)
        if surface.min() < 0.5 < surface.max():
            ax.contour(gx, gy, surface, levels=[0.5], colors="k", linewidths=1.5)
    else:
        ax.contourf(gx, gy, surface, levels=np.arange(int(surface.max()) + 2) - 0.5,
                    cmap="tab10", vmin=-0.5, vmax=9.5, alpha=0.35)
    ax.scatter(frames.x[:, 0], frames.x[:, 1], c=labels, cmap="RdBu_r" if binary else "tab10",
               vmin=0, vmax=1 if binary else 9, edgecolors="k", s=12, linewidths=0.4)
    ax.set_title(f"epoch {epoch}", fontsize=9)
    ax.set_xticks([])
    ax.set_yticks([])


def plot_boundary_frames(frames: DecisionBoundaryFrames, max_frames: int = 12, path=None):
    """A grid of the recorded frames (evenly chosen, the first and last included)."""
    if not isinstance(frames, DecisionBoundaryFrames) or not frames.frames:
        raise ValueError("plot_boundary_frames: pass a DecisionBoundaryFrames callback that "
                         "model.fit(..., callbacks=[frames]) has filled.")
    n = len(frames.frames)
    picks = np.unique(np.linspace(0, n - 1, min(n, max_frames)).round().astype(int))
    cols = min(4, len(picks))
    rows = -(-len(picks) // cols)
    fig = new_figure(figsize=(2.6 * cols, 2.6 * rows), layout="constrained")
    for i, k in enumerate(picks):
        _draw_frame(fig.add_subplot(rows, cols, i + 1), frames, int(k))
    fig.suptitle("decision boundary during training")
    save_figure(fig, path)
    return fig


def save_boundary_gif(frames: DecisionBoundaryFrames, path, fps: int = 4):
    """Writes the recorded frames as an animated GIF (needs Pillow); returns ``path``."""
    if not isinstance(frames, DecisionBoundaryFrames) or not frames.frames:
        raise ValueError("save_boundary_gif: pass a DecisionBoundaryFrames callback that "
                         "model.fit(..., callbacks=[frames]) has filled.")
    try:
        from PIL import Image
    except ImportError as e:
        raise ImportError("save_boundary_gif needs Pillow: pip install pillow") from e
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    images = []
    for k in range(len(frames.frames)):
        fig = new_figure(figsize=(4, 4), dpi=80, layout="constrained")
        canvas = FigureCanvasAgg(fig)
        _draw_frame(fig.add_subplot(), frames, k)
        canvas.draw()
        images.append(Image.fromarray(np.asarray(canvas.buffer_rgba())[..., :3]))
    path = os.fspath(path)
    from ember.atomic import atomic_path

    with atomic_path(path) as tmp:
        images[0].save(tmp, format="GIF", save_all=True, append_images=images[1:],
                       duration=int(1000 / fps), loop=0)
    return path

"""The seed's MLP in PyTorch: a hand loop over preloaded tensors, or a DataLoader loop.

The model outputs logits and the loss is nn.CrossEntropyLoss (softmax + cross-entropy fused, as
Keras fuses them when a softmax output meets sparse categorical cross-entropy). Kernels are
glorot_uniform and biases zero, and Adam's epsilon is Keras' 1e-7, so accuracies compare.

    python benchmarks/mlp_torch.py --task train --loop tensors|dataloader [options]
    python benchmarks/mlp_torch.py --task latency|predict [options]          # one JSON line out
"""

from __future__ import annotations

import statistics
import sys
import time

import harness


def build(torch, seed):
    torch.manual_seed(seed)
    nn = torch.nn
    sizes = harness.LAYERS
    model = nn.Sequential(
        nn.Linear(sizes[0], sizes[1]), nn.ReLU(), nn.Dropout(harness.DROPOUT),
        nn.Linear(sizes[1], sizes[2]), nn.ReLU(), nn.Dropout(harness.DROPOUT),
        nn.Linear(sizes[2], sizes[3]),
    )
    for layer in model:
        if isinstance(layer, nn.Linear):
            nn.init.xavier_uniform_(layer.weight)
            nn.init.zeros_(layer.bias)
    optimizer = torch.optim.Adam(model.parameters(), lr=harness.LEARNING_RATE,
                                 eps=harness.ADAM_EPSILON)
    loss_fn = nn.CrossEntropyLoss()

    def train_step(xb, yb):
        optimizer.zero_grad(set_to_none=True)
        loss = loss_fn(model(xb), yb)
        loss.backward()
        optimizer.step()
        return loss

    return model, train_step


def epoch_over_tensors(torch, train_step, x, y):
    """The hand loop: one randperm per epoch, batches gathered by index from preloaded tensors."""
    order = torch.randperm(len(x))
    for start in range(0, len(x), harness.BATCH_SIZE):
        idx = order[start : start + harness.BATCH_SIZE]
        train_step(x[idx], y[idx])


def epoch_over_loader(loader, train_step):
    for xb, yb in loader:
        train_step(xb, yb)


def predict(torch, model, x, batch_size):
    model.eval()
    with torch.no_grad():
        return torch.cat([torch.softmax(model(x[i : i + batch_size]), dim=1)
                          for i in range(0, len(x), batch_size)])


def info(torch):
    return {**harness.numpy_info(), "torch": torch.__version__,
            "torch_threads": torch.get_num_threads(),
            "torch_interop_threads": torch.get_num_interop_threads()}


def main():
    parser = harness.base_parser(__doc__.splitlines()[0])
    parser.add_argument("--loop", choices=("tensors", "dataloader"), default="tensors")
    args = parser.parse_args()
    try:
        import torch
    except ImportError as exc:
        harness.emit({"script": "mlp_torch", "task": args.task,
                      "unavailable": harness.error_text(exc)})
        return
    (x_train, y_train), (x_test, y_test) = harness.load_fashion_mnist()
    x_train, x_test = torch.from_numpy(x_train), torch.from_numpy(x_test)
    y_train, y_test = (torch.from_numpy(y.astype("int64")) for y in (y_train, y_test))
    results, errors = {}, {}

    if args.task == "train":
        def train():
            model, train_step = build(torch, args.seed)
            model.train()
            if args.loop == "dataloader":
                from torch.utils.data import DataLoader, TensorDataset

                loader = DataLoader(TensorDataset(x_train, y_train),
                                    batch_size=harness.BATCH_SIZE, shuffle=True)
                run_epoch = lambda: epoch_over_loader(loader, train_step)
            else:
                run_epoch = lambda: epoch_over_tensors(torch, train_step, x_train, y_train)
            warmup_s, _ = harness.timed(run_epoch)
            epoch_s = [harness.timed(run_epoch)[0] for _ in range(args.epochs)]
            predicted = predict(torch, model, x_test, 1024).argmax(dim=1)
            accuracy = (predicted == y_test).double().mean().item()
            return {"epoch_s": epoch_s, "warmup_s": warmup_s, "test_acc": accuracy,
                    "epochs_trained": 1 + args.epochs}

        name = "torch_dataloader" if args.loop == "dataloader" else "torch_loop"
        harness.attempt(results, errors, name, train)

    elif args.task == "latency":
        def latency():
            model, train_step = build(torch, args.seed)
            model.train()
            out = {}
            for batch_size in harness.int_list(args.batches):
                batch_at = harness.cycling_batches(x_train, y_train, batch_size)
                out[str(batch_size)] = harness.step_latency(
                    train_step, batch_at, steps=args.steps, warmup=args.warmup_steps)
            return out

        harness.attempt(results, errors, "torch_step", latency)

    else:
        def throughput():
            model, _ = build(torch, args.seed)
            out = {}
            for batch_size in harness.int_list(args.predict_batches):
                predict(torch, model, x_test, batch_size)
                times = []
                for _ in range(args.repeats):
                    t0 = time.perf_counter()
                    predict(torch, model, x_test, batch_size)
                    times.append(time.perf_counter() - t0)
                out[str(batch_size)] = {"median_s": statistics.median(times), "n": len(x_test)}
            return out

        harness.attempt(results, errors, "torch_forward", throughput)

    harness.emit({"script": "mlp_torch", "task": args.task, "results": results, "errors": errors,
                  "info": info(torch)})


if __name__ == "__main__":
    sys.exit(main())

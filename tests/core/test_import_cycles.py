"""No import cycles inside ``ember/``: lower layers never import upper ones.

Every module is parsed (not imported) and every explicit ``import`` / ``from ... import``
statement becomes an edge, wherever it stands: at module level, inside a function, at the
bottom of a file. Importing ``a.b.c`` also runs ``a/__init__`` and ``a/b/__init__``; those
implicit parent-package imports are not edges (a package that re-exports its submodules
would otherwise close a cycle with every one of them). Lazy loads through
``importlib.import_module`` (``ember.__getattr__``'s ``_LAZY``) are not statements and are
not edges either.
"""

from __future__ import annotations

import ast
import functools
import os

import pytest

_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
_PACKAGE = os.path.join(_ROOT, "ember")

# Edges (importer, imported) allowed to close a cycle, each with its reason.
ALLOWED = {
    # Keras's own shape: ``Model(inputs, outputs)`` returns a Functional model, so
    # Model.__new__ imports the subclass that imports Model (keras/src/models/model.py).
    ("ember.keras.models.model", "ember.keras.models.functional"):
        "Model.__new__ -> Functional, as Keras has it",
    # Model files (issue 11): the formats sit above the model classes (they build every
    # kind of model from a config); the models' save/load/config methods hand over to
    # them, as Keras's Model.save calls saving_api. The formats import the model classes
    # only inside functions, so either side can be imported first.
    ("ember.keras.models.model", "ember.keras.saving.weights_file"):
        "Model.save / save_weights / load_weights",
    ("ember.keras.models.model", "ember.keras.saving.config"): "Model.to_json",
    ("ember.keras.models.model", "ember.keras.saving.graph_config"): "Model.from_config",
    ("ember.keras.models.model", "ember.export.onnx"): "Model.export(format='onnx')",
    ("ember.keras.models.sequential", "ember.keras.saving.graph_config"):
        "Sequential.get_config / from_config",
    ("ember.keras.models.functional", "ember.keras.saving.graph_config"):
        "Functional.get_config / from_config",
    ("ember.keras.models", "ember.keras.saving.weights_file"): "keras.models.load_model",
    ("ember.keras.models", "ember.keras.saving.serialization"):
        "keras.models.clone_model / model_from_json",
}

# Removed by the keras house work (layers split by family, symbolic tracing below Layer,
# losses out of backend.py): the integrator empties this part when that work lands.


def _module_name(path: str) -> str:
    rel = os.path.relpath(path, _ROOT)[: -len(".py")].split(os.sep)
    if rel[-1] == "__init__":
        rel = rel[:-1]
    return ".".join(rel)


def _modules() -> dict:
    found = {}
    for folder, _dirs, files in os.walk(_PACKAGE):
        for f in files:
            if f.endswith(".py"):
                path = os.path.join(folder, f)
                found[_module_name(path)] = path
    return found


def _resolve(importer: str, is_package: bool, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    base = importer.split(".")
    if not is_package:
        base = base[:-1]
    if node.level > 1:
        base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


@functools.lru_cache(maxsize=1)
def _parsed_graph() -> dict:
    return _build_graph()


def import_graph() -> dict:
    """module -> set of ember modules its import statements name (a fresh copy)."""
    return {k: set(v) for k, v in _parsed_graph().items()}


def _build_graph() -> dict:
    modules = _modules()
    graph = {name: set() for name in modules}
    for name, path in modules.items():
        with open(path, encoding="utf-8") as fh:
            tree = ast.parse(fh.read(), filename=path)
        is_package = path.endswith("__init__.py")
        for node in ast.walk(tree):
            targets = []
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = _resolve(name, is_package, node)
                for a in node.names:
                    sub = f"{base}.{a.name}"
                    # ``from pkg import submodule`` imports the submodule; ``from mod import
                    # name`` imports mod.
                    targets.append(sub if sub in modules else base)
            for t in targets:
                if t in modules and t != name:
                    graph[name].add(t)
    return graph


def _cycles(graph: dict) -> list:
    """Strongly connected components with more than one module (Tarjan, iterative)."""
    index, low, on_stack, stack, out = {}, {}, set(), [], []
    counter = 0
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            v, it = work[-1]
            for w in it:
                if w not in index:
                    index[w] = low[w] = counter
                    counter += 1
                    stack.append(w)
                    on_stack.add(w)
                    work.append((w, iter(sorted(graph[w]))))
                    break
                if w in on_stack:
                    low[v] = min(low[v], index[w])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[v])
                if low[v] == index[v]:
                    comp = []
                    while True:
                        w = stack.pop()
                        on_stack.discard(w)
                        comp.append(w)
                        if w == v:
                            break
                    if len(comp) > 1:
                        out.append(sorted(comp))
    return out


def test_the_graph_sees_imports_inside_functions():
    graph = import_graph()
    # tape.py imports the ops at the top; ops/nn.py imports ember.random at the top;
    # Model.__new__ imports Functional inside the method.
    assert "ember.ops.math" in graph["ember.tape"]
    assert "ember.random" in graph["ember.ops.nn"]
    assert "ember.keras.models.functional" in graph["ember.keras.models.model"]


def test_cycle_finder_finds_a_planted_cycle():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert _cycles(graph) == [["a", "b", "c"]]


def test_no_import_cycles():
    graph = import_graph()
    allowed = ALLOWED
    for src, dst in allowed:
        graph[src].discard(dst)
    cycles = _cycles(graph)
    assert not cycles, (
        "import cycles in ember/ (make the lower module stop importing the upper one): "
        + "; ".join(" <-> ".join(c) for c in cycles))


@pytest.mark.parametrize("edge", sorted(ALLOWED))
def test_every_allowed_edge_still_exists(edge):
    src, dst = edge
    assert dst in import_graph().get(src, ()), (
        f"the allowed import {src} -> {dst} is gone: delete its entry from the allowlist")

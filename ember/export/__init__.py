"""Export to other runtimes: ``ember.export.onnx(model, "m.onnx")`` (the ``onnx`` extra)."""

# The submodule is loaded first, so the function defined below (not the module) is what
# ``ember.export.onnx`` names; the module stays reachable as ``ember.export.onnx_module``.
from ember.export import onnx as onnx_module


def onnx(model, filepath, opset=None):
    """Writes ``model`` (Sequential or functional) as an ONNX file; see ``export/onnx.py``."""
    return onnx_module.export(model, filepath,
                              opset=onnx_module.OPSET if opset is None else opset)


__all__ = ["onnx", "onnx_module"]

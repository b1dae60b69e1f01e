"""The compiler's IR: SSA ``Graph``/``Node``/``Value``, the tracer, printer, verifier, exports."""
from graphc.ir.graph import Graph, Node, TensorSpec, Value, extract, parse_specs
from graphc.ir.verifier import verify

__all__ = ["Graph", "Node", "TensorSpec", "Value", "extract", "parse_specs", "verify"]

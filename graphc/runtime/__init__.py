"""Runtime: backends, the code-generating executor, the reference interpreter, compiled entries."""
from graphc.runtime.executor import Program, generate_source
from graphc.runtime.interpreter import interpret, replay

__all__ = ["Program", "generate_source", "interpret", "replay"]

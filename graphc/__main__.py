"""``python -m graphc dump script.py:function --args 'f32[128,784], f32[784,512]'``.

Prints (or writes with ``-o``) the IR of a user function traced on tensors of the given types:
``--format text`` (default), ``dot``, ``svg`` (needs graphviz) or ``code`` (the generated Python);
``--grad`` differentiates w.r.t. every floating argument and shows the joint forward+backward
graph (with ``--format code``: the forward and backward programs); ``--source`` adds the user's
line to each node. The target may also name an ``nn.Module`` instance defined in the script.
"""
from __future__ import annotations

import argparse
import importlib.util
import os
import sys


def _load(target: str):
    path, sep, attr = target.rpartition(":")
    if not sep or not path or not attr:
        raise SystemExit(f"graphc dump: expected SCRIPT.py:FUNCTION, got {target!r}")
    if not os.path.exists(path):
        raise SystemExit(f"graphc dump: no such file: {path}")
    sys.path.insert(0, os.path.dirname(os.path.abspath(path)))
    spec = importlib.util.spec_from_file_location("_graphc_dump_target", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    obj = module
    for part in attr.split("."):
        if not hasattr(obj, part):
            raise SystemExit(f"graphc dump: {path} has no attribute {attr!r}")
        obj = getattr(obj, part)
    if not callable(obj):
        raise SystemExit(f"graphc dump: {attr!r} in {path} is not callable")
    return obj


def _build(fn, specs, grad: bool):
    from graphc.autograd.grad_mode import set_grad_enabled
    from graphc.compiler import _is_module, _name_of, build_entry
    module = fn if _is_module(fn) else None
    name = _name_of(type(fn) if module is not None else fn)
    for s in specs:
        s.requires_grad = grad and s.dtype.is_floating_point
    with set_grad_enabled(grad):
        return build_entry(fn, name, tuple(specs), {}, module=module,
                           sig_fn=getattr(fn, "forward", fn) if module is not None else fn,
                           grad_policy=lambda i, x: bool(x.requires_grad))


def dump(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m graphc dump",
                                description="Print the IR of a function traced on given types.")
    p.add_argument("target", help="SCRIPT.py:FUNCTION (or SCRIPT.py:module_instance)")
    p.add_argument("--args", default="", help="argument types, e.g. 'f32[128,784], i64[128]'")
    p.add_argument("--format", choices=("text", "dot", "svg", "code"), default="text")
    p.add_argument("--grad", action="store_true",
                   help="differentiate w.r.t. the floating arguments (joint graph)")
    p.add_argument("--source", action="store_true", help="append each node's source line")
    p.add_argument("-o", "--output", help="write to this file instead of stdout")
    a = p.parse_args(argv)
    from graphc.errors import GraphcError
    from graphc.ir.graph import parse_specs
    try:
        specs = parse_specs(a.args) if a.args.strip() else []
        entry = _build(_load(a.target), specs, a.grad)
        art = entry.art
        graph = art.joint if (a.grad and art.joint is not None) else art.traced
        if a.format == "text":
            text = graph.format(source=a.source)
        elif a.format == "dot":
            text = graph.to_dot()
        elif a.format == "code":
            text = entry.forward.source()
            if entry.backward is not None:
                text += "\n" + entry.backward.source()
        else:
            out = a.output or f"{graph.name}.svg"
            graph.render(out, "svg")
            print(f"wrote {out}")
            return 0
    except GraphcError as e:
        print(f"graphc dump: {type(e).__name__}: {e}", file=sys.stderr)
        return 1
    if a.output:
        with open(a.output, "w") as f:
            f.write(text.rstrip("\n") + "\n")
        print(f"wrote {a.output}")
    else:
        print(text.rstrip("\n"))
    return 0


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if not argv or argv[0] in ("-h", "--help"):
        print("usage: python -m graphc dump SCRIPT.py:FUNCTION --args 'f32[128,784], ...' "
              "[--format text|dot|svg|code] [--grad] [--source] [-o FILE]")
        return 0 if argv else 2
    if argv[0] != "dump":
        print(f"python -m graphc: unknown command {argv[0]!r} (commands: dump)", file=sys.stderr)
        return 2
    return dump(argv[1:])


if __name__ == "__main__":
    sys.exit(main())

"""``graphc.explain(fn, *args)``: what compiling ``fn`` produces, as a report object.

The report holds the traced graph, the joint forward+backward graph, the forward and backward
programs and their generated code, what the forward saves for the backward (shapes, bytes and the
user line that produced each value), and node counts. ``str(report)`` prints all of it.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from graphc.autograd.grad_mode import is_grad_enabled
from graphc.ir.printer import value_names
from graphc.ir.source import format_location
from graphc.tensor import Tensor


@dataclass
class ExplainReport:
    name: str
    traced: object
    joint: object
    forward: object
    backward: object
    saved: list = field(default_factory=list)     # one dict per saved value
    counts: dict = field(default_factory=dict)
    code: dict = field(default_factory=dict)      # stage -> generated source
    note: str = ""

    @property
    def saved_bytes(self) -> int:
        return sum(s["bytes"] for s in self.saved)

    def __str__(self) -> str:
        c = self.counts
        out = [f"== explain {self.name} =="]
        if self.note:
            out.append(self.note)
        out.append(f"nodes: traced {c['traced']}, joint {c.get('joint', '-')} "
                   f"(forward {c['forward']}, backward {c.get('backward', 0)})")
        out += ["", f"-- traced graph ({c['traced']} nodes) --", self.traced.format(source=True)]
        if self.joint is not None:
            out += ["", f"-- joint forward+backward graph ({c['joint']} nodes) --",
                    self.joint.format(source=True)]
        out += ["", f"-- forward program ({c['forward']} nodes) --", self.forward.format()]
        if self.backward is not None:
            out += ["", f"-- backward program ({c['backward']} nodes) --",
                    self.backward.format()]
            out += ["", (f"-- saved for backward: {len(self.saved)} values, "
                         f"{self.saved_bytes} bytes --")]
            rows = [(s["name"], s["type"], str(s["bytes"]), s["producer"], s["source"])
                    for s in self.saved]
            if rows:
                w = [max(len(r[i]) for r in rows) for i in range(5)]
                out += ["  " + "  ".join(x.ljust(k) for x, k in zip(r, w)).rstrip()
                        for r in rows]
        for stage, src in self.code.items():
            out += ["", f"-- generated {stage} code --", src.rstrip()]
        return "\n".join(out)

    __repr__ = __str__


def explain(fn, args: tuple, kwargs: dict) -> ExplainReport:
    from graphc.compiler import _is_module, _name_of, build_entry
    module = fn if _is_module(fn) else None
    name = _name_of(type(fn) if module is not None else fn)
    grad_on = is_grad_enabled()
    any_rg = any(isinstance(a, Tensor) and a.requires_grad for a in _leaves(args, kwargs)) or \
        (module is not None and any(p.requires_grad for p in module.parameters()))
    note, policy = "", None
    if grad_on and not any_rg:
        note = "(no input requires grad: differentiating w.r.t. every floating tensor argument)"

        def policy(i, x):
            return x.dtype.is_floating_point
    entry = build_entry(fn, name, args, kwargs, module=module,
                        sig_fn=getattr(fn, "forward", fn) if module is not None else fn,
                        grad_policy=policy)
    art = entry.art
    counts = {"traced": len(art.traced.nodes), "forward": len(art.forward.nodes)}
    saved = []
    if art.joint is not None:
        counts["joint"] = len(art.joint.nodes)
        counts["backward"] = len(art.backward.nodes)
        names = value_names(art.joint)
        for v in art.saved:
            saved.append({
                "name": "%" + names[v], "type": v.type_str(), "shape": v.shape,
                "dtype": v.dt.name, "bytes": v.nbytes,
                "producer": v.node.op.name if v.node is not None else f"input ({v.kind})",
                "source": format_location(v.node.loc) if v.node is not None and v.node.loc
                else ""})
    code = {"forward": entry.forward.source()}
    if entry.backward is not None:
        code["backward"] = entry.backward.source()
    return ExplainReport(name, art.traced, art.joint, art.forward, art.backward, saved, counts,
                         code, note)


def _leaves(args, kwargs) -> list:
    from graphc.ir.pytree import flatten
    return flatten((tuple(args), dict(kwargs)))[0]

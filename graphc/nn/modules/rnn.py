"""Recurrent layers: ``RNN``, ``LSTM``, ``GRU`` and their single-step ``*Cell`` versions.

They are composed of existing ops (addmm, sigmoid, tanh, chunk, cat, stack), so autograd,
double backward and ``graphc.compile`` need no rules of their own: a traced forward unrolls
the loop over time steps into the graph. Per layer and direction, the input side of every gate
is one matrix product over the whole sequence; only ``h @ W_hhᵀ`` runs step by step.

Parameter names, shapes, order, gate order (LSTM: i, f, g, o; GRU: r, z, n) and the default
U(±1/sqrt(hidden_size)) init are PyTorch's, so a torch checkpoint's arrays load as they are.
"""
from __future__ import annotations

import math
import numbers
import warnings
from typing import NamedTuple

from graphc import ops as _ops
from graphc.errors import ArgumentError, GraphcValueError, ShapeError
from graphc.nn import functional as F
from graphc.nn import init
from graphc.nn.module import Module
from graphc.nn.modules._utils import factory_kwargs
from graphc.nn.parameter import Parameter
from graphc.nn.utils.rnn import PackedSequence
from graphc.ops.creation import empty
from graphc.tensor import Tensor


# -- the per-step math, shared by the layers and the cells ------------------------------------
class _Recurrent(NamedTuple):
    """The recurrent weights of one layer and direction, transposed once per forward."""

    w_hh_t: Tensor
    b_hh: Tensor | None       # GRU only: its b_hn sits inside r * (W_hn h + b_hn)
    w_hr_t: Tensor | None     # LSTM with proj_size


def _recurrent(mode: str, w_hh, b_hh, w_hr) -> _Recurrent:
    return _Recurrent(w_hh.t(), b_hh if mode == "GRU" else None,
                      None if w_hr is None else w_hr.t())


def _input_gates(mode: str, x: Tensor, w_ih, b_ih, b_hh) -> Tensor:
    """The input side of every gate, ``x W_ihᵀ + b``, for all rows of x in one product.

    Except for GRU, b_hh only ever adds to the same sum, so it is folded in here once instead
    of once per time step."""
    bias = b_ih
    if b_ih is not None and mode != "GRU":
        bias = b_ih + b_hh
    return F.linear(x, w_ih, bias)


def _simple_step(activation):
    def step(gates, state, rec):
        return (activation(_ops.addmm(gates, state[0], rec.w_hh_t)),)
    return step


def _lstm_step(gates, state, rec):
    h, c = state
    i, f, g, o = _ops.addmm(gates, h, rec.w_hh_t).chunk(4, 1)
    c = f.sigmoid() * c + i.sigmoid() * g.tanh()
    h = o.sigmoid() * c.tanh()
    if rec.w_hr_t is not None:
        h = _ops.matmul(h, rec.w_hr_t)
    return h, c


def _gru_step(gates, state, rec):
    h = state[0]
    hidden = _ops.matmul(h, rec.w_hh_t) if rec.b_hh is None else \
        _ops.addmm(rec.b_hh, h, rec.w_hh_t)
    i_r, i_z, i_n = gates.chunk(3, 1)
    h_r, h_z, h_n = hidden.chunk(3, 1)
    r = (i_r + h_r).sigmoid()
    z = (i_z + h_z).sigmoid()
    n = (i_n + r * h_n).tanh()
    return (n + z * (h - n),)


# mode -> (gates per hidden unit, step(gates_t, state, rec) -> new state tuple; state[0] is h)
_MODES = {"RNN_TANH": (1, _simple_step(_ops.tanh)), "RNN_RELU": (1, _simple_step(_ops.relu)),
          "LSTM": (4, _lstm_step), "GRU": (3, _gru_step)}


def _scan(step, gates: list, state: tuple, rec: _Recurrent, reverse: bool):
    """Run ``step`` over the time steps; returns (h of every step, final state).

    A step with fewer rows than the state (packed input whose shorter sequences have ended)
    updates the leading rows only, so each sequence's final state is its own last step's.
    """
    outs = [None] * len(gates)
    rows = state[0].shape[0]
    for t in (reversed(range(len(gates))) if reverse else range(len(gates))):
        n = gates[t].shape[0]
        if n == rows:
            state = step(gates[t], state, rec)
            outs[t] = state[0]
        else:
            new = step(gates[t], tuple(s[:n] for s in state), rec)
            outs[t] = new[0]
            state = tuple(_ops.cat([a, s[n:]]) for a, s in zip(new, state))
    return outs, state


def _reset_uniform(module: Module) -> None:
    """PyTorch's init for every recurrent weight and bias: U(±1/sqrt(hidden_size))."""
    stdv = 1.0 / math.sqrt(module.hidden_size) if module.hidden_size > 0 else 0
    for weight in module.parameters():
        init.uniform_(weight, -stdv, stdv)


# -- multi-layer sequence modules --------------------------------------------------------------
class RNNBase(Module):
    """The shared machinery of RNN, LSTM and GRU: parameters, input checks, layers × directions."""

    def __init__(self, mode: str, input_size: int, hidden_size: int, num_layers: int = 1,
                 bias: bool = True, batch_first: bool = False, dropout: float = 0.0,
                 bidirectional: bool = False, proj_size: int = 0, device=None,
                 dtype=None) -> None:
        super().__init__()
        self._check_args(mode, input_size, hidden_size, num_layers, bias, batch_first, dropout,
                         proj_size)
        self.mode = mode
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.bias = bias
        self.batch_first = batch_first
        self.dropout = float(dropout)
        self.bidirectional = bidirectional
        self.proj_size = proj_size
        kw = factory_kwargs(device, dtype)
        gate_size = _MODES[mode][0] * hidden_size
        out_size = proj_size or hidden_size
        directions = 2 if bidirectional else 1
        self._flat_weights_names: list[str] = []
        self._all_weights: list[list[str]] = []
        for layer in range(num_layers):
            layer_input = input_size if layer == 0 else out_size * directions
            for suffix in ("", "_reverse")[:directions]:
                shapes = {"weight_ih": (gate_size, layer_input),
                          "weight_hh": (gate_size, out_size)}
                if bias:
                    shapes.update(bias_ih=(gate_size,), bias_hh=(gate_size,))
                if proj_size:
                    shapes["weight_hr"] = (proj_size, hidden_size)
                names = []
                for stem, shape in shapes.items():
                    names.append(f"{stem}_l{layer}{suffix}")
                    setattr(self, names[-1], Parameter(empty(shape, **kw)))
                self._flat_weights_names.extend(names)
                self._all_weights.append(names)
        self.reset_parameters()

    @staticmethod
    def _check_args(mode, input_size, hidden_size, num_layers, bias, batch_first, dropout,
                    proj_size) -> None:
        if mode not in _MODES:
            raise GraphcValueError(f"Unrecognized RNN mode: {mode}")
        if (not isinstance(dropout, numbers.Number) or isinstance(dropout, bool)
                or not 0 <= dropout <= 1):
            raise GraphcValueError("dropout should be a number in range [0, 1] representing the "
                                   "probability of an element being zeroed")
        if dropout > 0 and num_layers == 1:
            warnings.warn("dropout option adds dropout after all but last recurrent layer, so "
                          "non-zero dropout expects num_layers greater than 1, but got "
                          f"dropout={dropout} and num_layers={num_layers}", stacklevel=4)
        for name, value, kind in (("bias", bias, bool), ("batch_first", batch_first, bool),
                                  ("input_size", input_size, int),
                                  ("hidden_size", hidden_size, int)):
            if not isinstance(value, kind):
                raise ArgumentError(f"{name} should be of type {kind.__name__}, got: "
                                    f"{type(value).__name__}")
        for name, value in (("input_size", input_size), ("hidden_size", hidden_size),
                            ("num_layers", num_layers)):
            if value <= 0:
                raise GraphcValueError(f"{name} must be greater than zero")
        if proj_size < 0:
            raise GraphcValueError("proj_size should be a positive integer or zero to disable "
                                   "projections")
        if proj_size >= hidden_size:
            raise GraphcValueError("proj_size has to be smaller than hidden_size")

    def reset_parameters(self) -> None:
        _reset_uniform(self)

    def flatten_parameters(self) -> None:
        """A no-op: packing weights into one buffer is a cuDNN concern."""

    @property
    def _flat_weights(self) -> list:
        return [getattr(self, name, None) for name in self._flat_weights_names]

    @property
    def all_weights(self) -> list[list[Parameter]]:
        return [[getattr(self, name) for name in names] for names in self._all_weights]

    def _weights(self, layer: int, suffix: str) -> tuple:
        """(w_ih, w_hh, b_ih, b_hh, w_hr) of one layer and direction; absent ones are None."""
        return tuple(getattr(self, f"{stem}_l{layer}{suffix}", None)
                     for stem in ("weight_ih", "weight_hh", "bias_ih", "bias_hh", "weight_hr"))

    # -- input handling ------------------------------------------------------------------------
    def _state_shapes(self, batch: int) -> list[tuple]:
        """Shapes of h_0 (and c_0): (num_layers * num_directions, batch, size)."""
        rows = self.num_layers * (2 if self.bidirectional else 1)
        shapes = [(rows, batch, self.proj_size or self.hidden_size)]
        if self.mode == "LSTM":
            shapes.append((rows, batch, self.hidden_size))
        return shapes

    def _check_input(self, x: Tensor, packed: bool) -> None:
        name = self._get_name()
        w = self.weight_ih_l0
        if x.dtype != w.dtype:
            raise GraphcValueError(
                f"{name}: RNN input dtype ({x.dtype}) does not match weight dtype ({w.dtype}). "
                f"Convert input: input.to({w.dtype}), or convert model: model.to({x.dtype})")
        if packed and x.dim() != 2:
            raise ShapeError(f"{name}: input must have 2 dimensions, got {x.dim()}")
        if x.shape[-1] != self.input_size:
            raise ShapeError(f"{name}: input.size(-1) must be equal to input_size. Expected "
                             f"{self.input_size}, got {x.shape[-1]} (input shape "
                             f"{list(x.shape)})")

    def _initial_state(self, hx, x: Tensor, batch: int, batched: bool) -> tuple:
        """hx as a tuple (h_0,) or (h_0, c_0) of 3-D tensors, zeros where not given."""
        name, lstm = self._get_name(), self.mode == "LSTM"
        shapes = self._state_shapes(batch)
        if hx is None:
            return tuple(_ops.zeros(s, dtype=x.dtype, device=x.device) for s in shapes)
        if lstm and not (isinstance(hx, (tuple, list)) and len(hx) == 2):
            raise ArgumentError(f"{name}: hx must be a tuple (h_0, c_0), got "
                                f"{type(hx).__name__}")
        states = tuple(hx) if lstm else (hx,)
        ndim = 3 if batched else 2
        if any(s.dim() != ndim for s in states):
            kind = "batched 3-D" if batched else "unbatched 2-D"
            got = ("(" + ", ".join(f"{s.dim()}-D" for s in states) + ") tensors") if lstm else \
                f"{hx.dim()}-D tensor"
            raise ShapeError(f"{name}: For {kind} input, hx{' and cx' if lstm else ''} should "
                             f"also be {ndim}-D but got {got}")
        if not batched:
            states = tuple(s.unsqueeze(1) for s in states)
        for k, (s, shape) in enumerate(zip(states, shapes)):
            if tuple(s.shape) != shape:
                which = f"hidden[{k}] size" if lstm else "hidden size"
                raise ShapeError(f"{name}: Expected {which} {shape}, got {list(s.shape)}")
        return states

    def forward(self, input, hx=None):
        """``(output, h_n)``, or ``(output, (h_n, c_n))`` for LSTM; a PackedSequence in gives
        a PackedSequence out."""
        if isinstance(input, PackedSequence):
            return self._forward_packed(input, hx)
        if not isinstance(input, Tensor) or input.dim() not in (2, 3):
            got = f"{input.dim()}D" if isinstance(input, Tensor) else type(input).__name__
            raise GraphcValueError(f"{self._get_name()}: Expected input to be 2D or 3D, got "
                                   f"{got} instead")
        batched = input.dim() == 3
        x = input if batched else input.unsqueeze(0 if self.batch_first else 1)
        if self.batch_first:
            x = x.transpose(0, 1)
        self._check_input(x, packed=False)
        states = self._initial_state(hx, x, x.shape[1], batched)
        out, final = self._layers(x, states, None)
        if self.batch_first:
            out = out.transpose(0, 1)
        if not batched:
            out = out.squeeze(0 if self.batch_first else 1)
            final = tuple(s.squeeze(1) for s in final)
        return out, (final if self.mode == "LSTM" else final[0])

    def _forward_packed(self, input: PackedSequence, hx):
        x, batch_sizes, sorted_indices, unsorted_indices = input
        self._check_input(x, packed=True)
        sizes = [int(n) for n in batch_sizes.tolist()]
        states = self._initial_state(hx, x, sizes[0], batched=True)
        if hx is not None and sorted_indices is not None:
            # h_0 rows follow the caller's order; the packed rows are sorted by length.
            states = tuple(s.index_select(1, sorted_indices) for s in states)
        out, final = self._layers(x, states, sizes)
        if unsorted_indices is not None:
            final = tuple(s.index_select(1, unsorted_indices) for s in final)
        packed = PackedSequence(out, batch_sizes, sorted_indices, unsorted_indices)
        return packed, (final if self.mode == "LSTM" else final[0])

    def _layers(self, x: Tensor, states: tuple, batch_sizes: list | None):
        """x is time-major (T, B, I), or packed rows (N, I) with ``batch_sizes``."""
        step = _MODES[self.mode][1]
        directions = 2 if self.bidirectional else 1
        finals = []
        for layer in range(self.num_layers):
            outs = []
            for d in range(directions):
                w_ih, w_hh, b_ih, b_hh, w_hr = self._weights(layer, "_reverse" if d else "")
                gates = _input_gates(self.mode, x, w_ih, b_ih, b_hh)
                gates = gates.unbind(0) if batch_sizes is None else gates.split(batch_sizes)
                k = layer * directions + d
                seq, final = _scan(step, gates, tuple(s[k] for s in states),
                                   _recurrent(self.mode, w_hh, b_hh, w_hr), reverse=d == 1)
                outs.append(_ops.stack(seq) if batch_sizes is None else _ops.cat(seq))
                finals.append(final)
            x = outs[0] if directions == 1 else _ops.cat(outs, -1)
            if self.dropout and self.training and layer < self.num_layers - 1:
                x = F.dropout(x, self.dropout, True)
        return x, tuple(_ops.stack(list(s)) for s in zip(*finals))

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if self.proj_size != 0:
            s += f", proj_size={self.proj_size}"
        if self.num_layers != 1:
            s += f", num_layers={self.num_layers}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        if self.batch_first is not False:
            s += f", batch_first={self.batch_first}"
        if self.dropout != 0:
            s += f", dropout={self.dropout}"
        if self.bidirectional is not False:
            s += f", bidirectional={self.bidirectional}"
        return s


def _no_proj(name: str, kwargs: dict) -> None:
    if "proj_size" in kwargs:
        raise GraphcValueError(f"{name}: proj_size argument is only supported for LSTM, not "
                               f"RNN or GRU")


class RNN(RNNBase):
    """Elman RNN, ``h_t = tanh(x_t W_ihᵀ + b_ih + h_{t-1} W_hhᵀ + b_hh)`` (or relu).

    ``RNN(input_size, hidden_size, num_layers=1, nonlinearity='tanh', bias=True,
    batch_first=False, dropout=0.0, bidirectional=False, device=None, dtype=None)``.
    """

    def __init__(self, *args, **kwargs) -> None:
        _no_proj("RNN", kwargs)
        if len(args) > 3:  # nonlinearity is RNN's 4th positional argument
            nonlinearity, args = args[3], args[:3] + args[4:]
        else:
            nonlinearity = kwargs.pop("nonlinearity", "tanh")
        modes = {"tanh": "RNN_TANH", "relu": "RNN_RELU"}
        if nonlinearity not in modes:
            raise GraphcValueError(f"Unknown nonlinearity '{nonlinearity}'. Select from "
                                   f"'tanh' or 'relu'.")
        super().__init__(modes[nonlinearity], *args, **kwargs)
        self.nonlinearity = nonlinearity


class LSTM(RNNBase):
    """Long short-term memory; ``proj_size > 0`` projects h by ``weight_hr`` every step.

    ``LSTM(input_size, hidden_size, num_layers=1, bias=True, batch_first=False, dropout=0.0,
    bidirectional=False, proj_size=0, device=None, dtype=None)``.
    """

    def __init__(self, *args, **kwargs) -> None:
        super().__init__("LSTM", *args, **kwargs)


class GRU(RNNBase):
    """Gated recurrent unit (PyTorch's variant: the reset gate scales ``W_hn h + b_hn``).

    ``GRU(input_size, hidden_size, num_layers=1, bias=True, batch_first=False, dropout=0.0,
    bidirectional=False, device=None, dtype=None)``.
    """

    def __init__(self, *args, **kwargs) -> None:
        _no_proj("GRU", kwargs)
        super().__init__("GRU", *args, **kwargs)


# -- single-step cells -------------------------------------------------------------------------
class RNNCellBase(Module):
    """One time step of a recurrent layer, with the same math as the layers' steps."""

    _mode = ""

    def __init__(self, input_size: int, hidden_size: int, bias: bool, num_chunks: int,
                 device=None, dtype=None) -> None:
        super().__init__()
        kw = factory_kwargs(device, dtype)
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.bias = bias
        self.weight_ih = Parameter(empty((num_chunks * hidden_size, input_size), **kw))
        self.weight_hh = Parameter(empty((num_chunks * hidden_size, hidden_size), **kw))
        if bias:
            self.bias_ih = Parameter(empty(num_chunks * hidden_size, **kw))
            self.bias_hh = Parameter(empty(num_chunks * hidden_size, **kw))
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        _reset_uniform(self)

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        if getattr(self, "nonlinearity", "tanh") != "tanh":
            s += f", nonlinearity={self.nonlinearity}"
        return s

    def _step(self, input: Tensor, hx: tuple | None) -> tuple:
        """Check shapes, add/remove the batch dim of unbatched input, run one step."""
        name, lstm = self._get_name(), self._mode == "LSTM"
        if not isinstance(input, Tensor) or input.dim() not in (1, 2):
            got = f"{input.dim()}D" if isinstance(input, Tensor) else type(input).__name__
            raise GraphcValueError(f"{name}: Expected input to be 1D or 2D, got {got} instead")
        for k, s in enumerate(hx or ()):
            if s.dim() not in (1, 2):
                label = f"hx[{k}]" if lstm else "hidden"
                raise GraphcValueError(f"{name}: Expected {label} to be 1D or 2D, got "
                                       f"{s.dim()}D instead")
        batched = input.dim() == 2
        x = input if batched else input.unsqueeze(0)
        if hx is None:
            zeros = _ops.zeros((x.shape[0], self.hidden_size), dtype=x.dtype, device=x.device)
            hx = (zeros, zeros) if lstm else (zeros,)
        elif not batched:
            if any(s.dim() != 1 for s in hx):
                raise ShapeError(f"{name}: For unbatched 1-D input, hx should also be 1-D but "
                                 f"got shapes {[list(s.shape) for s in hx]}")
            hx = tuple(s.unsqueeze(0) for s in hx)
        if x.shape[1] != self.input_size:
            raise ShapeError(f"{name}: input has inconsistent input_size: got {x.shape[1]} "
                             f"expected {self.input_size}")
        for k, s in enumerate(hx):
            if s.dim() != 2 or s.shape[0] != x.shape[0]:
                raise ShapeError(f"{name}: Input batch size {x.shape[0]} doesn't match hidden{k} "
                                 f"batch size {s.shape[0]}")
            if s.shape[1] != self.hidden_size:
                raise ShapeError(f"{name}: hidden{k} has inconsistent hidden_size: got "
                                 f"{s.shape[1]}, expected {self.hidden_size}")
        gates = _input_gates(self._mode, x, self.weight_ih, self.bias_ih, self.bias_hh)
        rec = _recurrent(self._mode, self.weight_hh, self.bias_hh, None)
        out = _MODES[self._mode][1](gates, hx, rec)
        return out if batched else tuple(s.squeeze(0) for s in out)


class RNNCell(RNNCellBase):
    """``h' = tanh(x W_ihᵀ + b_ih + h W_hhᵀ + b_hh)`` (or relu)."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True,
                 nonlinearity: str = "tanh", device=None, dtype=None) -> None:
        super().__init__(input_size, hidden_size, bias, 1, device, dtype)
        if nonlinearity not in ("tanh", "relu"):
            raise GraphcValueError(f"RNNCell: Unknown nonlinearity: {nonlinearity}")
        self.nonlinearity = nonlinearity

    @property
    def _mode(self) -> str:
        return "RNN_TANH" if self.nonlinearity == "tanh" else "RNN_RELU"

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:
        return self._step(input, None if hx is None else (hx,))[0]


class LSTMCell(RNNCellBase):
    """One LSTM step: ``(h', c')`` from ``(h, c)``."""

    _mode = "LSTM"

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, device=None,
                 dtype=None) -> None:
        super().__init__(input_size, hidden_size, bias, 4, device, dtype)

    def forward(self, input: Tensor, hx: tuple | None = None) -> tuple[Tensor, Tensor]:
        return self._step(input, None if hx is None else tuple(hx))


class GRUCell(RNNCellBase):
    """One GRU step."""

    _mode = "GRU"

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, device=None,
                 dtype=None) -> None:
        super().__init__(input_size, hidden_size, bias, 3, device, dtype)

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:
        return self._step(input, None if hx is None else (hx,))[0]


__all__ = ["RNNBase", "RNN", "LSTM", "GRU", "RNNCellBase", "RNNCell", "LSTMCell", "GRUCell"]

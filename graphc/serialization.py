"""Checkpoints: ``graphc.save(obj, f)`` and ``graphc.load(f)``, in a format that never runs code.

``torch.save`` pickles, so loading a file can execute arbitrary code. graphc checkpoints are data
only: loading parses JSON and ``.npy`` arrays (with ``allow_pickle=False``) and never imports or
calls anything named by the file.

Format, version 1: a ZIP archive (entries stored uncompressed) holding

* ``header.json`` -- ``{"format": "graphc-checkpoint", "version": 1, "arrays": [...],
  "object": ...}``. Each ``arrays`` entry describes one binary payload: ``{"file":
  "arrays/3.npy", "kind": "tensor" | "parameter" | "ndarray" | "npscalar", "dtype": "float32",
  "shape": [2, 3], "device": "cpu" | "cuda:0", "requires_grad": false}``.
* ``arrays/<i>.npy`` -- the values, in NumPy's ``.npy`` format (always read back on the host).

``object`` encodes the saved structure in JSON: ``null``, booleans, strings, integers and finite
floats as themselves, lists as arrays, and everything else as a one-key object tagged with ``$``:
``{"$dict": [[key, value], ...]}`` (keys of any encodable type, e.g. the integer parameter
indices of an optimizer state dict), ``{"$odict": ...}`` (an OrderedDict, with an optional
``"$metadata"`` key keeping ``Module.state_dict()``'s ``_metadata``), ``{"$tuple": [...]}``,
``{"$float": "nan" | "inf" | "-inf"}``, ``{"$complex": [re, im]}``, ``{"$bytes": base64}``,
``{"$array": i}`` (entry ``i`` of ``arrays``), ``{"$dtype": "float32"}``, ``{"$device": "cpu"}``,
``{"$size": [...]}``.

What can be saved: tensors (and ``nn.Parameter``), NumPy arrays and scalars, ``None``, bools,
ints, floats, complex numbers, strings, bytes, dtypes, devices, and dicts/lists/tuples of these
(namedtuples and dict subclasses other than OrderedDict load as plain tuples and dicts) -- e.g.
``model.state_dict()``, ``optimizer.state_dict()``, scheduler state dicts. Anything else (a
Module, a lambda) raises ``CheckpointError`` at save time. A tensor object referenced twice is
stored once and loads as one object; storage shared between *different* tensors (views) is not
preserved -- each loads with its own memory. Gradients (``.grad``) are not saved.
"""
from __future__ import annotations

import base64
import io
import json
import math
import os
import zipfile
from collections import OrderedDict
from typing import Any, Callable

import numpy as np

from graphc import dtypes as _dt
from graphc.device import as_device, device as Device
from graphc.errors import CheckpointError, DeviceError, GraphcError
from graphc.size import Size
from graphc.tensor import Tensor

FORMAT = "graphc-checkpoint"
VERSION = 1
_HEADER = "header.json"
_MAX_HEADER_BYTES = 256 << 20
_ARRAY_KINDS = ("tensor", "parameter", "ndarray", "npscalar")
_NP_KINDS = "biufc"  # bool, int, uint, float, complex: plain data, never objects


# -- save ------------------------------------------------------------------------------------
class _Encoder:
    """Turns an object tree into JSON-ready data plus the arrays it references."""

    def __init__(self) -> None:
        self.entries: list[dict] = []
        self.payloads: list[np.ndarray] = []
        self._memo: dict[int, int] = {}
        self._keep: list = []  # keeps memoized objects alive so their ids stay unique
        self._active: set[int] = set()

    def encode(self, obj, path: str):
        if obj is None or isinstance(obj, (bool, str)):
            return obj
        if isinstance(obj, Tensor):
            return {"$array": self._tensor(obj)}
        if isinstance(obj, np.ndarray):
            return {"$array": self._ndarray(obj, "ndarray", path)}
        if isinstance(obj, np.generic):
            return {"$array": self._ndarray(np.asarray(obj), "npscalar", path)}
        if isinstance(obj, int):
            return int(obj)
        if isinstance(obj, float):
            return float(obj) if math.isfinite(obj) else {"$float": repr(float(obj))}
        if isinstance(obj, complex):
            return {"$complex": [self.encode(obj.real, path), self.encode(obj.imag, path)]}
        if isinstance(obj, bytes):
            return {"$bytes": base64.b64encode(obj).decode("ascii")}
        if isinstance(obj, _dt.dtype):
            return {"$dtype": obj.name}
        if isinstance(obj, Device):
            return {"$device": str(obj)}
        if isinstance(obj, (dict, list, tuple)):
            return self._container(obj, path)
        raise CheckpointError(_unsavable(obj, path))

    def _container(self, obj, path: str):
        if id(obj) in self._active:
            raise CheckpointError(f"graphc.save: {path} contains itself (a reference cycle); "
                                  f"checkpoints hold trees of values")
        self._active.add(id(obj))
        try:
            if isinstance(obj, dict):
                items = [[self.encode(k, f"{path} (a key)"), self.encode(v, f"{path}[{k!r}]")]
                         for k, v in obj.items()]
                if not isinstance(obj, OrderedDict):
                    return {"$dict": items}
                meta = getattr(obj, "_metadata", None)  # Module.state_dict()'s version info
                if isinstance(meta, dict):
                    return {"$odict": items, "$metadata": self.encode(meta, f"{path}._metadata")}
                return {"$odict": items}
            values = [self.encode(v, f"{path}[{i}]") for i, v in enumerate(obj)]
            if isinstance(obj, Size):
                return {"$size": values}
            return {"$tuple": values} if isinstance(obj, tuple) else values
        finally:
            self._active.discard(id(obj))

    def _add(self, key, arr: np.ndarray, entry: dict) -> int:
        i = len(self.entries)
        entry.update(file=f"arrays/{i}.npy", shape=list(arr.shape))
        self.entries.append(entry)
        self.payloads.append(arr)
        if key is not None:
            self._memo[id(key)] = i
            self._keep.append(key)
        return i

    def _tensor(self, t: Tensor) -> int:
        i = self._memo.get(id(t))
        if i is not None:
            return i
        if not isinstance(t._data, np.ndarray) and t._device.type == "cpu":
            raise CheckpointError("graphc.save: cannot save a symbolic tensor (inside "
                                  "graphc.trace/compile); save concrete values")
        from graphc.ops.conversion import to_host
        kind = "parameter" if _is_parameter(t) else "tensor"
        entry = {"kind": kind, "dtype": t.dtype.name, "device": str(t.device),
                 "requires_grad": bool(t.requires_grad)}
        return self._add(t, to_host(t), entry)

    def _ndarray(self, arr: np.ndarray, kind: str, path: str) -> int:
        i = self._memo.get(id(arr))
        if i is not None and kind == "ndarray":
            return i
        if arr.dtype.kind not in _NP_KINDS:
            raise CheckpointError(f"graphc.save: cannot save a NumPy array of dtype "
                                  f"{arr.dtype} (at {path}); only bool, integer, float and "
                                  f"complex arrays are data-only")
        entry = {"kind": kind, "dtype": arr.dtype.name, "device": "cpu",
                 "requires_grad": False}
        return self._add(arr if kind == "ndarray" else None, arr, entry)


def _is_parameter(t: Tensor) -> bool:
    return any(c.__name__ == "Parameter" and c.__module__.startswith("graphc.nn")
               for c in type(t).__mro__)


def _unsavable(obj, path: str) -> str:
    kind = type(obj)
    name = kind.__qualname__ if kind.__module__ == "builtins" else \
        f"{kind.__module__}.{kind.__qualname__}"
    hint = ""
    if callable(getattr(obj, "state_dict", None)):
        hint = " Save its state_dict() instead (and load it with load_state_dict())."
    elif callable(obj):
        hint = " Functions and lambdas are code, which checkpoints never store."
    return (f"graphc.save: cannot save an object of type {name} (at {path}); checkpoints hold "
            f"tensors, NumPy arrays, numbers, strings, None and dicts/lists/tuples of them."
            f"{hint}")


def _write(fh, header: dict, payloads: list) -> None:
    with zipfile.ZipFile(fh, "w", compression=zipfile.ZIP_STORED, allowZip64=True) as zf:
        zf.writestr(_HEADER, json.dumps(header, allow_nan=False))
        for entry, arr in zip(header["arrays"], payloads):
            with zf.open(entry["file"], "w", force_zip64=arr.nbytes > (1 << 30)) as out:
                np.lib.format.write_array(out, arr, allow_pickle=False)


def save(obj: Any, f, pickle_module=None, pickle_protocol: int = 2,
         _use_new_zipfile_serialization: bool = True) -> None:
    """Write ``obj`` to ``f`` (a path or a writable binary file) as a graphc checkpoint.

    The pickle arguments exist for signature compatibility with ``torch.save`` and are ignored:
    graphc never pickles.
    """
    enc = _Encoder()
    header = {"format": FORMAT, "version": VERSION, "object": enc.encode(obj, "obj"),
              "arrays": enc.entries}
    if isinstance(f, (str, os.PathLike)):
        path = os.fspath(f)
        tmp = f"{path}.graphc-tmp"
        try:
            with open(tmp, "wb") as fh:
                _write(fh, header, enc.payloads)
            os.replace(tmp, path)  # an interrupted save never clobbers the old checkpoint
        finally:
            if os.path.exists(tmp):
                os.remove(tmp)
        return
    if not callable(getattr(f, "write", None)):
        raise CheckpointError(f"graphc.save: f must be a path or a binary file object, got "
                              f"{type(f).__name__}")
    _write(f, header, enc.payloads)


# -- load ------------------------------------------------------------------------------------
def _corrupt(msg: str) -> CheckpointError:
    return CheckpointError(f"graphc.load: {msg}")


class _Decoder:
    """Rebuilds the object tree from a validated header, reading each array once."""

    def __init__(self, zf: zipfile.ZipFile, entries: list, map_location) -> None:
        self.zf = zf
        self.entries = entries
        self.map_location = map_location
        self.cache: dict[int, Any] = {}
        self.names = set(zf.namelist())

    def decode(self, node):
        if node is None or isinstance(node, (bool, int, float, str)):
            return node
        if isinstance(node, list):
            return [self.decode(x) for x in node]
        if isinstance(node, dict) and set(node) == {"$odict", "$metadata"}:
            out = self.decode({"$odict": node["$odict"]})
            out._metadata = _expect(self.decode(node["$metadata"]), dict, "$metadata")
            return out
        if not isinstance(node, dict) or len(node) != 1:
            raise _corrupt(f"malformed object in header.json: {str(node)[:80]}")
        (tag, val), = node.items()
        if tag in ("$dict", "$odict"):
            out = OrderedDict() if tag == "$odict" else {}
            for item in _expect(val, list, tag):
                if not isinstance(item, list) or len(item) != 2:
                    raise _corrupt(f"malformed {tag} item in header.json")
                key = self.decode(item[0])
                try:
                    out[key] = self.decode(item[1])
                except TypeError:
                    raise _corrupt(f"unhashable dict key {key!r} in header.json") from None
            return out
        if tag == "$tuple":
            return tuple(self.decode(x) for x in _expect(val, list, tag))
        if tag == "$size":
            return Size(int(_expect(x, int, tag)) for x in _expect(val, list, tag))
        if tag == "$array":
            return self.array(_expect(val, int, tag))
        if tag == "$float":
            if val not in ("nan", "inf", "-inf"):
                raise _corrupt(f"bad $float value {val!r}")
            return float(val)
        if tag == "$complex":
            re, im = (self.decode(x) for x in _expect(val, list, tag))
            return complex(_expect(re, (int, float), tag), _expect(im, (int, float), tag))
        if tag == "$bytes":
            return base64.b64decode(_expect(val, str, tag), validate=True)
        if tag == "$dtype":
            return _dt.as_dtype(_expect(val, str, tag))
        if tag == "$device":
            try:
                return as_device(_expect(val, str, tag))
            except (GraphcError, ValueError):
                raise _corrupt(f"unknown device {val!r} in header.json") from None
        raise _corrupt(f"unknown tag {tag!r} in header.json (a newer checkpoint format?)")

    def array(self, i: int):
        if i in self.cache:
            return self.cache[i]
        if not 0 <= i < len(self.entries):
            raise _corrupt(f"header.json references array {i}, but only "
                           f"{len(self.entries)} are listed")
        entry = self.entries[i]
        arr = self._read(entry)
        kind = entry["kind"]
        if kind == "ndarray":
            out = arr
        elif kind == "npscalar":
            out = arr[()]
        else:
            out = self._tensor(arr, entry)
        self.cache[i] = out
        return out

    def _read(self, entry: dict) -> np.ndarray:
        name = entry["file"]
        if name not in self.names:
            raise _corrupt(f"the archive lacks {name}, which header.json lists (truncated or "
                           f"edited file)")
        expected = np.dtype(entry["dtype"] if entry["kind"] in ("ndarray", "npscalar")
                            else _dt.as_dtype(entry["dtype"]).np)
        nbytes = math.prod(entry["shape"]) * expected.itemsize
        if self.zf.getinfo(name).file_size < nbytes:
            raise _corrupt(f"{name} is shorter than its {entry['shape']} {expected} values "
                           f"(truncated file)")
        with self.zf.open(name) as fh:
            try:
                arr = np.lib.format.read_array(fh, allow_pickle=False)
            except ValueError as e:
                if "allow_pickle" in str(e) or "Object arrays" in str(e):
                    raise _corrupt(f"{name} holds a Python object array; graphc never "
                                   f"unpickles (this file was not written by graphc.save)") \
                        from None
                raise _corrupt(f"{name} is not a valid .npy array: {e}") from None
            if fh.read(1):
                raise _corrupt(f"{name} has trailing bytes after its array data")
        if arr.dtype != expected:
            if arr.dtype.kind == expected.kind and arr.dtype.newbyteorder("=") == expected:
                arr = arr.astype(expected)
            else:
                raise _corrupt(f"{name} holds {arr.dtype} values but header.json says "
                               f"{expected}")
        if list(arr.shape) != entry["shape"]:
            raise _corrupt(f"{name} has shape {list(arr.shape)} but header.json says "
                           f"{entry['shape']}")
        if not arr.flags.writeable:
            arr = arr.copy()
        return arr

    def _tensor(self, arr: np.ndarray, entry: dict) -> Tensor:
        saved = entry["device"]
        t = Tensor._wrap(arr)
        ml = self.map_location
        if callable(ml):
            res = ml(t, saved)
            t = res if isinstance(res, Tensor) else _to_device(t, saved, saved)
        else:
            t = _to_device(t, _target(ml, saved), saved)
        if entry["requires_grad"]:
            t.requires_grad_(True)
        if entry["kind"] == "parameter":
            t = _as_parameter(t, entry["requires_grad"])
        return t


def _expect(value, types, tag: str):
    if not isinstance(value, types) or isinstance(value, bool) and types is int:
        raise _corrupt(f"malformed {tag} value in header.json: {str(value)[:80]}")
    return value


def _target(map_location, saved: str) -> str:
    if map_location is None:
        return saved
    if isinstance(map_location, (str, Device, int)):
        return str(as_device(map_location))
    if isinstance(map_location, dict):
        return str(as_device(map_location.get(saved, saved)))
    raise CheckpointError(f"graphc.load: map_location must be None, a device, a string, a dict "
                          f"or a callable, got {type(map_location).__name__}")


def _to_device(t: Tensor, target: str, saved: str) -> Tensor:
    dev = as_device(target)
    if dev.type == "cpu":
        return t
    from graphc.device import cuda_is_available
    if not cuda_is_available():
        raise DeviceError(f"graphc.load: the checkpoint holds a tensor saved on {saved}, which "
                          f"is not available here (no usable CUDA device). Pass "
                          f"map_location='cpu' to load it on the CPU.")
    return t.to(dev)


def _as_parameter(t: Tensor, requires_grad: bool) -> Tensor:
    try:
        from graphc.nn import Parameter
    except ImportError:  # graphc.nn unavailable: a plain tensor with the same flag
        return t
    return Parameter(t, requires_grad=requires_grad)


def _validate_header(header) -> list:
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise _corrupt("header.json is not a graphc checkpoint header")
    version = header.get("version")
    if not isinstance(version, int) or isinstance(version, bool):
        raise _corrupt(f"header.json has an invalid format version {version!r}")
    if version > VERSION:
        raise _corrupt(f"the checkpoint was written by a newer graphc (format version "
                       f"{version}); this graphc reads versions up to {VERSION}")
    if version < 1:
        raise _corrupt(f"unknown checkpoint format version {version}")
    entries = header.get("arrays")
    if not isinstance(entries, list) or "object" not in header:
        raise _corrupt("header.json lacks its 'arrays' list or 'object'")
    for i, e in enumerate(entries):
        ok = isinstance(e, dict) and e.get("kind") in _ARRAY_KINDS and \
            isinstance(e.get("file"), str) and isinstance(e.get("dtype"), str) and \
            isinstance(e.get("shape"), list) and isinstance(e.get("device"), str) and \
            isinstance(e.get("requires_grad"), bool) and \
            all(isinstance(d, int) and not isinstance(d, bool) and d >= 0 for d in e["shape"])
        if not ok:
            raise _corrupt(f"header.json has a malformed entry for array {i}: {str(e)[:120]}")
        try:
            if e["kind"] in ("ndarray", "npscalar"):
                if np.dtype(e["dtype"]).kind not in _NP_KINDS:
                    raise TypeError(e["dtype"])
            else:
                floating = _dt.as_dtype(e["dtype"]).is_floating_point
                as_device(e["device"])
                if e["requires_grad"] and not floating:
                    raise TypeError(e["dtype"])
        except (TypeError, ValueError, GraphcError):
            raise _corrupt(f"array {i} has an unsupported dtype or device: {e['dtype']!r}, "
                           f"{e['device']!r}") from None
    return entries


def _sniff(fh) -> None:
    """Reject non-ZIP input early with a message that says what the file probably is."""
    start = fh.tell()
    magic = fh.read(4)
    fh.seek(start)
    if not magic:
        raise _corrupt("the file is empty")
    if magic[:2] == b"PK":
        return
    if magic[:1] == b"\x80":
        raise _corrupt("this is a pickle file (e.g. an old torch.save or pickle.dump output); "
                       "graphc never unpickles, since unpickling can run arbitrary code")
    raise _corrupt("not a graphc checkpoint (the file is not a ZIP archive)")


def _load(fh, map_location) -> Any:
    _sniff(fh)
    with zipfile.ZipFile(fh) as zf:
        names = zf.namelist()
        if _HEADER not in names:
            if any(n.endswith("data.pkl") for n in names):
                raise _corrupt("this is a PyTorch checkpoint (torch.save), which stores pickled "
                               "objects; graphc only reads files written by graphc.save")
            raise _corrupt("the ZIP archive has no header.json; it is not a graphc checkpoint")
        if zf.getinfo(_HEADER).file_size > _MAX_HEADER_BYTES:
            raise _corrupt("header.json is implausibly large")
        header = json.loads(zf.read(_HEADER).decode("utf-8"))
        entries = _validate_header(header)
        return _Decoder(zf, entries, map_location).decode(header["object"])


def load(f, map_location: str | Device | dict | Callable | None = None, pickle_module=None,
         *, weights_only: bool = True, mmap=None, **pickle_load_args) -> Any:
    """Read a checkpoint written by ``graphc.save``.

    ``map_location`` as in ``torch.load``: None keeps each tensor on its saved device, a device
    or string moves all of them, a dict maps saved device strings to new ones, a callable
    ``fn(cpu_tensor, saved_device) -> Tensor | None`` decides per tensor. Loading never executes
    code whatever ``weights_only`` says; the pickle arguments are accepted and ignored.
    Truncated, corrupt or foreign files raise ``CheckpointError``.
    """
    if isinstance(f, (str, os.PathLike)):
        with open(f, "rb") as fh:
            return _load_guarded(fh, map_location)
    if not callable(getattr(f, "read", None)):
        raise CheckpointError(f"graphc.load: f must be a path or a binary file object, got "
                              f"{type(f).__name__}")
    if not (callable(getattr(f, "seekable", None)) and f.seekable()):
        f = io.BytesIO(f.read())
    return _load_guarded(f, map_location)


def _load_guarded(fh, map_location) -> Any:
    try:
        return _load(fh, map_location)
    except GraphcError:
        raise
    except RecursionError:
        raise _corrupt("header.json nests too deeply") from None
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError) as e:
        raise _corrupt(f"the file is truncated or is not a valid ZIP archive ({e})") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise _corrupt(f"header.json is not valid JSON ({e})") from None
    except (OSError, ValueError, TypeError, KeyError, IndexError, NotImplementedError,
            RuntimeError, MemoryError, OverflowError) as e:
        raise _corrupt(f"corrupt checkpoint ({type(e).__name__}: {e})") from None


__all__ = ["save", "load", "FORMAT", "VERSION"]

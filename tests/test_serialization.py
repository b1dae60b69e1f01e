"""graphc.save / graphc.load: round trips, map_location, and refusal of bad or hostile files."""
from __future__ import annotations

import io
import json
import math
import os
import pickle
import zipfile
from collections import OrderedDict

import numpy as np
import pytest

import graphc
from graphc.errors import CheckpointError, DeviceError

ALL_DTYPES = [graphc.bool, graphc.uint8, graphc.int8, graphc.int16, graphc.int32, graphc.int64,
              graphc.float16, graphc.float32, graphc.float64]


def _roundtrip(obj, **load_kwargs):
    buf = io.BytesIO()
    graphc.save(obj, buf)
    buf.seek(0)
    return graphc.load(buf, **load_kwargs)


def _bytes(obj) -> bytes:
    buf = io.BytesIO()
    graphc.save(obj, buf)
    return buf.getvalue()


def _zip(entries: dict) -> bytes:
    """A ZIP archive with the given {name: bytes} entries."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data in entries.items():
            zf.writestr(name, data)
    return buf.getvalue()


def _entries(data: bytes) -> dict:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return {n: zf.read(n) for n in zf.namelist()}


def _npy(arr, allow_pickle=False) -> bytes:
    buf = io.BytesIO()
    np.lib.format.write_array(buf, arr, allow_pickle=allow_pickle)
    return buf.getvalue()


def _edit_header(data: bytes, edit) -> bytes:
    entries = _entries(data)
    header = json.loads(entries["header.json"])
    edit(header)
    entries["header.json"] = json.dumps(header).encode()
    return _zip(entries)


def _load_bytes(data: bytes, **kwargs):
    return graphc.load(io.BytesIO(data), **kwargs)


# -- round trips ----------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", ALL_DTYPES, ids=lambda d: d.name)
def test_tensor_round_trip_every_dtype(dtype):
    rng = np.random.default_rng(0)
    arr = (rng.uniform(-100, 100, (3, 4)) if dtype.is_floating_point
           else rng.integers(0, 2 if dtype is graphc.bool else 100, (3, 4))).astype(dtype.np)
    t = graphc.tensor(arr, dtype=dtype)
    out = _roundtrip(t)
    assert isinstance(out, graphc.Tensor) and out.dtype == dtype and tuple(out.shape) == (3, 4)
    np.testing.assert_array_equal(out.numpy(), arr)
    assert out.device == graphc.device("cpu") and not out.requires_grad


def test_tensor_shapes_and_flags():
    x = graphc.randn(4, 3, dtype=graphc.float64, requires_grad=True)
    scalar = graphc.tensor(2.5)
    empty = graphc.zeros(0, 5)
    transposed = graphc.arange(6.0).reshape(2, 3).t()
    out = _roundtrip([x, scalar, empty, transposed])
    assert out[0].requires_grad and out[0].is_leaf and out[0].dtype == graphc.float64
    np.testing.assert_array_equal(out[0].detach().numpy(), x.detach().numpy())
    assert out[1].shape == () and out[1].item() == 2.5
    assert tuple(out[2].shape) == (0, 5)
    np.testing.assert_array_equal(out[3].numpy(), transposed.numpy())
    out[3].add_(1)  # loaded tensors own writable memory
    assert out[3][0, 0].item() == 1.0


def test_nested_state_dict_round_trip():
    w = graphc.randn(2, 2)
    obj = {
        "model": OrderedDict([("fc.weight", w), ("fc.bias", graphc.zeros(2))]),
        "epoch": 7, "loss": 0.25, "best": float("inf"), "bad": float("nan"), "neg": -math.inf,
        "name": "run-1", "note": None, "flags": [True, False], "pair": (1, (2.5, "x")),
        3: {"int keys": [1, 2]}, (1, 2): "tuple key", "raw": b"\x00\x01",
        "np": np.arange(4, dtype=np.int32), "npf": np.float32(1.5), "c": 1 - 2j,
        "dtype": graphc.float16, "device": graphc.device("cpu"), "size": w.shape,
        "same": [w, w],
    }
    out = _roundtrip(obj)
    assert isinstance(out["model"], OrderedDict) and list(out["model"]) == ["fc.weight",
                                                                            "fc.bias"]
    np.testing.assert_array_equal(out["model"]["fc.weight"].numpy(), w.numpy())
    assert out["epoch"] == 7 and isinstance(out["epoch"], int)
    assert out["loss"] == 0.25 and out["best"] == math.inf and math.isnan(out["bad"])
    assert out["neg"] == -math.inf
    assert out["name"] == "run-1" and out["note"] is None and out["flags"] == [True, False]
    assert out["pair"] == (1, (2.5, "x")) and out[3] == {"int keys": [1, 2]}
    assert out[(1, 2)] == "tuple key" and out["raw"] == b"\x00\x01"
    assert out["np"].dtype == np.int32 and out["np"].tolist() == [0, 1, 2, 3]
    assert isinstance(out["npf"], np.float32) and out["npf"] == 1.5
    assert out["c"] == 1 - 2j and out["dtype"] is graphc.float16
    assert out["device"] == graphc.device("cpu") and out["size"] == graphc.Size([2, 2])
    assert isinstance(out["size"], graphc.Size)
    # One tensor referenced twice loads as one object, and is the model's weight.
    assert out["same"][0] is out["same"][1] is out["model"]["fc.weight"]


def test_optimizer_state_dict_round_trip():
    p = graphc.randn(3, 2, dtype=graphc.float64, requires_grad=True)
    opt = graphc.optim.Adam([p], lr=0.1, amsgrad=True)
    for _ in range(3):
        opt.zero_grad()
        (p * p).sum().backward()
        opt.step()
    sd = opt.state_dict()
    out = _roundtrip(sd)
    assert out["param_groups"] == sd["param_groups"]
    assert out["param_groups"][0]["betas"] == (0.9, 0.999)  # tuples stay tuples
    assert list(out["state"]) == [0] and list(out["state"][0]) == list(sd["state"][0])
    for key, value in sd["state"][0].items():
        assert out["state"][0][key].dtype == value.dtype
        np.testing.assert_array_equal(out["state"][0][key].numpy(), value.numpy())
    q = graphc.tensor(p.detach().numpy(), requires_grad=True)
    opt2 = graphc.optim.Adam([q], lr=0.5, amsgrad=True)
    opt2.load_state_dict(out)
    assert opt2.param_groups[0]["lr"] == 0.1 and opt2.state[q]["step"].item() == 3


def test_path_pathlike_and_file_objects(tmp_path):
    x = graphc.arange(5)
    graphc.save({"x": x}, str(tmp_path / "a.pt"))
    assert graphc.load(str(tmp_path / "a.pt"))["x"].tolist() == [0, 1, 2, 3, 4]
    graphc.save(x, tmp_path / "b.pt")
    assert graphc.load(tmp_path / "b.pt").tolist() == [0, 1, 2, 3, 4]
    with open(tmp_path / "c.pt", "wb") as fh:
        graphc.save([x], fh)
    with open(tmp_path / "c.pt", "rb") as fh:
        assert graphc.load(fh)[0].tolist() == [0, 1, 2, 3, 4]
    graphc.save("overwritten", tmp_path / "a.pt")  # replaces the old file atomically
    assert graphc.load(tmp_path / "a.pt") == "overwritten"
    assert sorted(os.listdir(tmp_path)) == ["a.pt", "b.pt", "c.pt"]

    class Unseekable(io.RawIOBase):
        def __init__(self, data):
            self._buf = io.BytesIO(data)

        def readable(self):
            return True

        def readinto(self, b):
            return self._buf.readinto(b)
    assert graphc.load(Unseekable(_bytes(x))).tolist() == [0, 1, 2, 3, 4]


def test_parameter_round_trip():
    nn = pytest.importorskip("graphc.nn")
    if not hasattr(nn, "Parameter"):
        pytest.skip("graphc.nn.Parameter not available yet")
    p = nn.Parameter(graphc.randn(2, 3))
    out = _roundtrip({"w": p})["w"]
    assert isinstance(out, nn.Parameter) and out.requires_grad
    np.testing.assert_array_equal(out.detach().numpy(), p.detach().numpy())


def test_module_state_dict_round_trip():
    nn = pytest.importorskip("graphc.nn")
    if not hasattr(nn, "Linear"):
        pytest.skip("graphc.nn.Linear not available yet")
    model = nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 2))
    sd = _roundtrip(model.state_dict())
    assert list(sd) == list(model.state_dict())
    assert getattr(sd, "_metadata", None) == model.state_dict()._metadata
    other = nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 2))
    other.load_state_dict(sd)
    x = graphc.randn(5, 4)
    np.testing.assert_array_equal(other(x).detach().numpy(), model(x).detach().numpy())


# -- map_location ---------------------------------------------------------------------------
def _saved_on_cuda() -> bytes:
    """A checkpoint claiming its tensor was saved on cuda:0 (written without a GPU)."""
    def edit(h):
        h["arrays"][0]["device"] = "cuda:0"
    return _edit_header(_bytes({"w": graphc.arange(3.0)}), edit)


@pytest.mark.parametrize("ml", ["cpu", graphc.device("cpu"), {"cuda:0": "cpu"},
                                lambda storage, loc: storage])
def test_map_location_to_cpu(ml):
    out = _load_bytes(_saved_on_cuda(), map_location=ml)["w"]
    assert out.device == graphc.device("cpu") and out.tolist() == [0.0, 1.0, 2.0]


def test_map_location_callable_sees_saved_device():
    seen = []

    def ml(storage, loc):
        seen.append((loc, tuple(storage.shape)))
        return storage * 2
    out = _load_bytes(_saved_on_cuda(), map_location=ml)["w"]
    assert seen == [("cuda:0", (3,))] and out.tolist() == [0.0, 2.0, 4.0]


def test_saved_device_unavailable_raises_device_error():
    if graphc.cuda.is_available():
        pytest.skip("a GPU is present: the tensor loads on it")
    with pytest.raises(DeviceError, match="map_location='cpu'"):
        _load_bytes(_saved_on_cuda())
    with pytest.raises(DeviceError, match="not available"):
        _load_bytes(_bytes(graphc.zeros(2)), map_location="cuda")
    # A dict that does not mention the saved device keeps it, hence the same error.
    with pytest.raises(DeviceError):
        _load_bytes(_saved_on_cuda(), map_location={"cuda:1": "cpu"})


@pytest.mark.gpu
def test_gpu_round_trip(tmp_path):
    x = graphc.randn(3, 4, device="cuda", requires_grad=True)
    graphc.save({"x": x}, tmp_path / "g.pt")
    out = graphc.load(tmp_path / "g.pt")["x"]
    assert out.device == x.device and out.requires_grad
    np.testing.assert_array_equal(out.detach().cpu().numpy(), x.detach().cpu().numpy())
    cpu = graphc.load(tmp_path / "g.pt", map_location="cpu")["x"]
    assert cpu.device == graphc.device("cpu")
    back = graphc.load(tmp_path / "g.pt", map_location={"cuda:0": "cpu"})["x"]
    assert back.device == graphc.device("cpu")


# -- refusing bad files ----------------------------------------------------------------------
def test_truncated_files_raise():
    data = _bytes({"w": graphc.randn(50, 50), "b": graphc.zeros(50)})
    for n in (0, 3, 10, len(data) // 2, len(data) - 30, len(data) - 1):
        with pytest.raises(CheckpointError):
            _load_bytes(data[:n])


def test_random_bytes_and_corrupted_payload_raise():
    rng = np.random.default_rng(0)
    with pytest.raises(CheckpointError, match="not a ZIP"):
        _load_bytes(rng.bytes(1000))
    with pytest.raises(CheckpointError):
        _load_bytes(b"PK\x03\x04" + rng.bytes(500))
    data = bytearray(_bytes(graphc.ones(1000)))
    i = data.index(b"\x00\x00\x80\x3f" * 8)  # inside the float32 ones
    data[i + 2] ^= 0xFF
    with pytest.raises(CheckpointError, match="truncated or is not a valid ZIP"):  # CRC check
        _load_bytes(bytes(data))


def test_zip_without_header_raises():
    with pytest.raises(CheckpointError, match="no header.json"):
        _load_bytes(_zip({"arrays/0.npy": _npy(np.zeros(3))}))


def test_torch_checkpoint_is_refused():
    torch = pytest.importorskip("torch")
    buf = io.BytesIO()
    torch.save({"w": torch.ones(2)}, buf)
    with pytest.raises(CheckpointError, match="PyTorch checkpoint"):
        _load_bytes(buf.getvalue())


@pytest.mark.parametrize("edit,match", [
    (lambda h: h.update(version=2), "newer graphc"),
    (lambda h: h.update(version="1"), "invalid format version"),
    (lambda h: h.update(format="something-else"), "not a graphc checkpoint header"),
    (lambda h: h.pop("arrays"), "lacks its 'arrays'"),
    (lambda h: h["arrays"][0].update(file="arrays/9.npy"), "lacks arrays/9.npy"),
    (lambda h: h["arrays"][0].update(dtype="object"), "unsupported dtype"),
    (lambda h: h["arrays"][0].update(dtype="int64", requires_grad=True), "unsupported dtype"),
    (lambda h: h["arrays"][0].update(shape=[-1]), "malformed entry"),
    (lambda h: h["arrays"][0].update(shape=[2, 2]), "shape"),
    (lambda h: h["arrays"][0].update(dtype="float64"), "holds float32 values"),
    (lambda h: h["arrays"][0].update(kind="pickle"), "malformed entry"),
    (lambda h: h.update(object={"$array": 5}), "references array 5"),
    (lambda h: h.update(object={"$eval": "__import__('os')"}), "unknown tag"),
    (lambda h: h.update(object={"$dict": [[["a"], 1]]}), "unhashable"),
    (lambda h: h.update(object={"$tuple": 3}), "malformed"),
    (lambda h: h.update(object={"$device": "tpu:0"}), "unknown device"),
    (lambda h: h.update(object={"$dtype": "complex64"}), "corrupt"),
    (lambda h: h.update(object={"$bytes": "***"}), "corrupt"),
])
def test_corrupt_header_raises(edit, match):
    data = _edit_header(_bytes({"w": graphc.zeros(4)}), edit)
    with pytest.raises(CheckpointError, match=match):
        _load_bytes(data)


def test_invalid_json_header_raises():
    entries = _entries(_bytes(graphc.zeros(2)))
    entries["header.json"] = b'{"format": "graphc-checkpoint", "vers'
    with pytest.raises(CheckpointError, match="not valid JSON"):
        _load_bytes(_zip(entries))
    entries["header.json"] = b"\xff\xfe\x00"
    with pytest.raises(CheckpointError, match="not valid JSON"):
        _load_bytes(_zip(entries))


def test_npy_with_trailing_bytes_raises():
    entries = _entries(_bytes(graphc.zeros(2)))
    entries["arrays/0.npy"] += b"extra"
    with pytest.raises(CheckpointError, match="trailing bytes"):
        _load_bytes(_zip(entries))


def test_errors_are_runtime_errors():
    with pytest.raises(RuntimeError):
        _load_bytes(b"not a checkpoint")


# -- never unpickling ------------------------------------------------------------------------
class _Payload:
    """Unpickling this creates the marker file: the test's proof that code would have run."""

    def __init__(self, marker: str) -> None:
        self.marker = marker

    def __reduce__(self):
        return (open, (self.marker, "w"))


def _payload_npy(marker) -> bytes:
    arr = np.empty(1, dtype=object)
    arr[0] = _Payload(str(marker))
    return _npy(arr, allow_pickle=True)


def test_payload_is_live(tmp_path):
    marker = tmp_path / "pwned"
    np.load(io.BytesIO(_payload_npy(marker)), allow_pickle=True)  # what pickle-based loading does
    assert marker.exists()


def test_object_array_is_never_unpickled(tmp_path):
    marker = tmp_path / "pwned"
    entries = _entries(_bytes({"w": graphc.zeros(1)}))
    entries["arrays/0.npy"] = _payload_npy(marker)
    with pytest.raises(CheckpointError, match="object array; graphc never unpickles"):
        _load_bytes(_zip(entries))
    assert not marker.exists()


def test_pickle_file_is_never_unpickled(tmp_path):
    marker = tmp_path / "pwned"
    data = pickle.dumps({"w": _Payload(str(marker))}, protocol=2)
    with pytest.raises(CheckpointError, match="pickle"):
        _load_bytes(data)
    assert not marker.exists()
    with pytest.raises(CheckpointError):
        _load_bytes(_zip({"archive/data.pkl": data, "header.json": b"{}"}))
    assert not marker.exists()


def test_load_never_calls_pickle(monkeypatch):
    def forbidden(*args, **kwargs):
        raise AssertionError("pickle was called during graphc.load")
    data = _bytes({"w": graphc.randn(3), "n": np.arange(3), "s": np.float64(1.0), "k": [1]})
    for name in ("load", "loads", "Unpickler"):
        monkeypatch.setattr(pickle, name, forbidden)
    out = _load_bytes(data)
    assert out["k"] == [1] and out["n"].tolist() == [0, 1, 2]
    assert _load_bytes(data, weights_only=False)["k"] == [1]  # still data only


# -- refusing unsavable objects ----------------------------------------------------------------
class _FakeModule:
    def state_dict(self):
        return {}


@pytest.mark.parametrize("obj,match", [
    (lambda x: x, "type function .*Functions and lambdas"),
    ({"model": _FakeModule()}, r"_FakeModule \(at obj\['model'\]\).*state_dict\(\)"),
    ([object()], r"type object \(at obj\[0\]\)"),
    ({"a": {1, 2}}, "type set"),
    (np.array([object()], dtype=object), "dtype object"),
])
def test_unsavable_objects_raise_at_save(obj, match, tmp_path):
    with pytest.raises(CheckpointError, match=match):
        graphc.save(obj, tmp_path / "x.pt")
    assert not os.listdir(tmp_path)  # nothing half-written is left behind


def test_cycles_raise_at_save():
    a: list = [1]
    a.append(a)
    with pytest.raises(CheckpointError, match="reference cycle"):
        _bytes(a)

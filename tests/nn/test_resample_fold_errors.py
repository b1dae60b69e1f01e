"""Bad input to interpolate, unfold/fold and adaptive max pooling: a graphc error that names the
op and the shapes, of the built-in type PyTorch raises (no PyTorch needed here)."""
from __future__ import annotations

import pytest

import graphc
import graphc.nn.functional as F
from graphc import errors, nn

X3, X4, X5 = graphc.ones(1, 2, 4), graphc.ones(1, 2, 4, 4), graphc.ones(1, 1, 2, 2, 2)


@pytest.mark.parametrize("call,exc,match", [
    (lambda: F.interpolate(X4, size=2, scale_factor=2), ValueError, "only one of size"),
    (lambda: F.interpolate(X4), ValueError, "either size or scale_factor"),
    (lambda: F.interpolate(X4, size=(2, 2, 2)), ValueError,
     r"spatial dimensions of \[4, 4\] and output size of \(2, 2, 2\)"),
    (lambda: F.interpolate(X4, scale_factor=(2, 2, 2)), ValueError,
     r"spatial dimensions of \[4, 4\] and scale_factor of shape"),
    (lambda: F.interpolate(X4, size=(2.0, 2)), TypeError, "expected size to be one of int"),
    (lambda: F.interpolate(X4, size=2.5), TypeError, "size must be an int"),
    (lambda: F.interpolate(X4, size=2, align_corners=True), ValueError,
     "align_corners option can only be set"),
    (lambda: F.interpolate(X4, size=2, recompute_scale_factor=True), ValueError,
     "recompute_scale_factor is not meaningful"),
    (lambda: F.interpolate(X3, size=2, mode="bilinear"), NotImplementedError,
     "Got 3D input, but bilinear mode needs 4D input"),
    (lambda: F.interpolate(X4, size=2, mode="linear"), NotImplementedError,
     "Got 4D input, but linear mode needs 3D input"),
    (lambda: F.interpolate(X5, size=2, mode="bicubic"), NotImplementedError,
     r"got 5D\) for the modes"),
    (lambda: F.interpolate(graphc.ones(2, 4), size=2), NotImplementedError, r"\(got 2D\)"),
    (lambda: F.interpolate(graphc.tensor(1.0), size=2), NotImplementedError, r"\(got 0D\)"),
    (lambda: F.interpolate(X4, size=2, mode="foo"), NotImplementedError, r"\(got foo\)"),
    (lambda: F.interpolate(X4, size=(0, 2)), RuntimeError,
     (r"upsample_nearest2d: Input and output sizes should be greater than 0, but got input "
      r"\(H: 4, W: 4\) output \(H: 0, W: 2\)")),
    (lambda: F.interpolate(X3, scale_factor=0.1, mode="linear"), RuntimeError,
     r"upsample_linear1d: .* input \(W: 4\) output \(W: 0\)"),
    (lambda: F.interpolate(X4, scale_factor=-2.0, mode="bilinear"), RuntimeError,
     r"output \(H: -8, W: -8\)"),
    (lambda: F.interpolate(graphc.ones(1, 2, 0, 4), size=3), RuntimeError, r"input \(H: 0"),
    (lambda: F.interpolate(graphc.ones(2, 0, 3, 4), size=3), RuntimeError,
     r"Non-empty 4D data tensor expected but got a tensor with sizes \[2, 0, 3, 4\]"),
    (lambda: F.interpolate(graphc.ones(1, 1, 2, 2, dtype=graphc.int64), size=3),
     NotImplementedError, "not implemented for 'Long'"),
    (lambda: F.interpolate(graphc.ones(1, 1, 2, 2, dtype=graphc.uint8), size=3,
                           mode="bilinear"), NotImplementedError, "not implemented for 'Byte'"),
    (lambda: F.interpolate(X4, size=2, antialias=True), ValueError,
     "Anti-alias option is restricted"),
    (lambda: F.interpolate(X4, size=2, mode="bilinear", antialias=True), NotImplementedError,
     "antialias=True is not supported"),
    (lambda: F.interpolate(X5, size=2, mode="area"), NotImplementedError, "adaptive_avg_pool3d"),
    (lambda: nn.Upsample(scale_factor=2, mode="bilinear")(X3), NotImplementedError,
     "bilinear mode needs 4D"),
])
def test_interpolate_errors(call, exc, match):
    with pytest.raises(exc, match=match) as info:
        call()
    assert isinstance(info.value, errors.GraphcError)


@pytest.mark.parametrize("call,exc,match", [
    (lambda: F.unfold(graphc.ones(2, 4), 2), RuntimeError,
     r"unfold: Expected 3D or 4D .* but got: \[2, 4\]"),
    (lambda: F.unfold(X5, 2), RuntimeError, r"but got: \[1, 1, 2, 2, 2\]"),
    (lambda: F.unfold(graphc.ones(1, 0, 4, 4), 2), RuntimeError, r"but got: \[1, 0, 4, 4\]"),
    (lambda: F.unfold(X4, 5), RuntimeError,
     r"unfold: Given input with spatial size \(4, 4\), kernel_size=\(5, 5\).*\(0, 0\)"),
    (lambda: F.unfold(X4, 2, stride=0), RuntimeError, "stride should be greater than zero"),
    (lambda: F.unfold(X4, 2, padding=-1), RuntimeError, "padding should be non-negative"),
    (lambda: F.unfold(X4, 2, dilation=0), RuntimeError, "dilation should be greater than zero"),
    (lambda: F.unfold(X4, 0), RuntimeError, "kernel size should be greater than zero"),
    (lambda: F.unfold(X4, (2, 2, 2)), RuntimeError,
     "It is expected kernel_size equals to 2, but got size 3"),
    (lambda: F.unfold(graphc.ones(1, 1, 3, 3, dtype=graphc.int64), 2), NotImplementedError,
     "\"im2col_out_cpu\" not implemented for 'Long'"),
    (lambda: F.fold(graphc.ones(9), (4, 4), 2), RuntimeError,
     r"fold: Expected 2D or 3D .* but got: \[9\]"),
    (lambda: F.fold(graphc.ones(1, 7, 9), (4, 4), 2), RuntimeError,
     r"input.size\(1\)=7 and kernel_size=\(2, 2\)"),
    (lambda: F.fold(graphc.ones(1, 8, 8), (4, 4), 2), RuntimeError,
     r"sliding blocks 3 \* 3 = 9, but got input.size\(2\)=8"),
    (lambda: F.fold(graphc.ones(1, 8, 9), (1, 1), 2), RuntimeError,
     r"sliding blocks 0 \* 0 = 0"),
    (lambda: F.fold(graphc.ones(1, 4, 9, dtype=graphc.int64), (4, 4), 2), NotImplementedError,
     "\"col2im_out_cpu\" not implemented for 'Long'"),
    (lambda: nn.Fold((4, 4), 2)(graphc.ones(1, 8, 8)), RuntimeError, "sliding blocks"),
])
def test_fold_unfold_errors(call, exc, match):
    with pytest.raises(exc, match=match) as info:
        call()
    assert isinstance(info.value, errors.GraphcError)


@pytest.mark.parametrize("call,exc,match", [
    (lambda: F.adaptive_max_pool2d(graphc.ones(3, 4), 2), RuntimeError,
     r"adaptive_max_pool2d\(\): Expected 3D or 4D tensor, but got: \[3, 4\]"),
    (lambda: F.adaptive_max_pool2d(graphc.ones(1, 1, 0, 4), 2), RuntimeError,
     r"sizes \[1, 1, 0, 4\] with dimension 2 being empty"),
    (lambda: F.adaptive_max_pool2d(graphc.ones(1, 0, 3, 4), 2), RuntimeError,
     "dimension 1 being empty"),
    (lambda: F.adaptive_max_pool2d(X4, (1, 2, 3)), RuntimeError, "output_size.size"),
    (lambda: F.adaptive_max_pool2d(graphc.ones(1, 1, 3, 3, dtype=graphc.int64), 2),
     NotImplementedError, "not implemented for 'Long'"),
    (lambda: F.adaptive_max_pool1d(graphc.ones(4), 2), RuntimeError,
     "Expected 2 to 3 dimensions, but got 1-dimensional tensor"),
    (lambda: F.adaptive_max_pool1d(X4, 2), RuntimeError, "got 4-dimensional tensor"),
    (lambda: F.adaptive_max_pool1d(X3, (2, 2)), RuntimeError, "should contain one int"),
    (lambda: nn.AdaptiveMaxPool2d(2)(graphc.ones(4)), RuntimeError, "Expected 3D or 4D"),
])
def test_adaptive_max_pool_errors(call, exc, match):
    with pytest.raises(exc, match=match) as info:
        call()
    assert isinstance(info.value, errors.GraphcError)


def test_empty_batches_and_outputs_are_allowed():
    assert F.interpolate(graphc.ones(0, 2, 3, 4), size=(3, 2)).shape == (0, 2, 3, 2)
    assert F.unfold(graphc.ones(0, 2, 4, 4), 2).shape == (0, 8, 9)
    assert F.fold(graphc.ones(0, 4, 9), (4, 4), 2).shape == (0, 1, 4, 4)
    assert F.adaptive_max_pool2d(graphc.ones(0, 1, 3, 4), 2).shape == (0, 1, 2, 2)
    assert F.adaptive_max_pool2d(X4, 0).shape == (1, 2, 0, 0)


def test_module_reprs():
    assert repr(nn.Upsample(scale_factor=2)) == "Upsample(scale_factor=2.0, mode='nearest')"
    assert repr(nn.UpsamplingBilinear2d(size=(3, 4))) == \
        "UpsamplingBilinear2d(size=(3, 4), mode='bilinear')"
    assert repr(nn.Unfold(2)) == "Unfold(kernel_size=2, dilation=1, padding=0, stride=1)"
    assert repr(nn.Fold((4, 5), 2)) == \
        "Fold(output_size=(4, 5), kernel_size=2, dilation=1, padding=0, stride=1)"
    assert repr(nn.AdaptiveMaxPool2d((2, None))) == "AdaptiveMaxPool2d(output_size=(2, None))"

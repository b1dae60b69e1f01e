"""``graphc.nn.utils``: gradient clipping, parameter/vector conversion, sequence packing."""
from graphc.nn.utils import clip_grad, convert_parameters, rnn
from graphc.nn.utils.clip_grad import (clip_grad_norm_, clip_grad_value_, clip_grads_with_norm_,
                                       get_total_norm)
from graphc.nn.utils.convert_parameters import parameters_to_vector, vector_to_parameters

__all__ = ["clip_grad", "convert_parameters", "rnn", "clip_grad_norm_", "clip_grad_value_",
           "clip_grads_with_norm_", "get_total_norm", "parameters_to_vector",
           "vector_to_parameters"]

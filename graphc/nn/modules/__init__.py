"""The layer classes, one family per module (linear, conv, pooling, normalization, …)."""
from graphc.nn.modules import (activation, attention, conv, dropout, flatten, fold, linear,
                               loss, normalization, pooling, rnn, sparse, transformer,
                               upsampling)
from graphc.nn.modules.activation import *  # noqa: F403
from graphc.nn.modules.attention import *  # noqa: F403
from graphc.nn.modules.conv import *  # noqa: F403
from graphc.nn.modules.dropout import *  # noqa: F403
from graphc.nn.modules.flatten import *  # noqa: F403
from graphc.nn.modules.fold import *  # noqa: F403
from graphc.nn.modules.linear import *  # noqa: F403
from graphc.nn.modules.loss import *  # noqa: F403
from graphc.nn.modules.normalization import *  # noqa: F403
from graphc.nn.modules.pooling import *  # noqa: F403
from graphc.nn.modules.rnn import *  # noqa: F403
from graphc.nn.modules.sparse import *  # noqa: F403
from graphc.nn.modules.transformer import *  # noqa: F403
from graphc.nn.modules.upsampling import *  # noqa: F403

__all__ = [name for family in (activation, attention, conv, dropout, flatten, fold, linear,
                               loss, normalization, pooling, rnn, sparse, transformer,
                               upsampling)
           for name in family.__all__]

# Families of the wider torch.nn layer set (padding, shuffles, distances, instance norm).
from graphc.nn.modules import (channelshuffle, distance, instancenorm, padding,  # noqa: E402
                               pixelshuffle)
from graphc.nn.modules.channelshuffle import *  # noqa: E402,F403
from graphc.nn.modules.distance import *  # noqa: E402,F403
from graphc.nn.modules.instancenorm import *  # noqa: E402,F403
from graphc.nn.modules.padding import *  # noqa: E402,F403
from graphc.nn.modules.pixelshuffle import *  # noqa: E402,F403

__all__ += [name for family in (channelshuffle, distance, instancenorm, padding, pixelshuffle)
            for name in family.__all__]

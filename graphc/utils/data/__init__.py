"""``graphc.utils.data``: datasets, samplers and the DataLoader, as in ``torch.utils.data``."""
from graphc.utils.data.dataloader import (DataLoader, default_collate, default_convert,
                                          get_worker_info)
from graphc.utils.data.dataset import (ChainDataset, ConcatDataset, Dataset, IterableDataset,
                                       Subset, TensorDataset, random_split)
from graphc.utils.data.sampler import (BatchSampler, RandomSampler, Sampler, SequentialSampler,
                                       SubsetRandomSampler, WeightedRandomSampler)

__all__ = ["DataLoader", "default_collate", "default_convert", "get_worker_info", "Dataset",
           "IterableDataset", "TensorDataset", "ConcatDataset", "ChainDataset", "Subset",
           "random_split", "Sampler", "SequentialSampler", "RandomSampler", "SubsetRandomSampler",
           "WeightedRandomSampler", "BatchSampler"]

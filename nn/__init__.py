"""valuegrad's neural-network library: modules built from autograd Values, and their training."""

import os

from nn import clash  # noqa: F401 - first: a clear ImportError if autograd is not valuegrad's

# isort: split
import autograd.mode
from nn import data, init, losses, optim, train
from nn.draw import draw_network
from nn.modules import MLP, Layer, Module, Neuron
from nn.train import History, fit
from nn.transformer import CausalSelfAttention, Embedding, Linear, RMSNorm

# Anomaly reports name the line of your code that called nn, not a line inside it.
autograd.mode.hide_frames_from(os.path.dirname(__file__))

__all__ = [
    "MLP",
    "CausalSelfAttention",
    "Embedding",
    "History",
    "Layer",
    "Linear",
    "Module",
    "Neuron",
    "RMSNorm",
    "data",
    "draw_network",
    "fit",
    "init",
    "losses",
    "optim",
    "train",
]

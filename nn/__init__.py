"""valuegrad's neural-network library: modules built from autograd Values, and their training."""

from nn import data, init, losses, optim, train
from nn.draw import draw_network
from nn.modules import MLP, Layer, Module, Neuron
from nn.train import History, fit

__all__ = [
    "MLP",
    "History",
    "Layer",
    "Module",
    "Neuron",
    "data",
    "draw_network",
    "fit",
    "init",
    "losses",
    "optim",
    "train",
]

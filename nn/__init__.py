"""valuegrad's neural-network library: modules built from autograd Values."""

from nn.draw import draw_network
from nn.modules import MLP, Layer, Module, Neuron

__all__ = ["MLP", "Layer", "Module", "Neuron", "draw_network"]

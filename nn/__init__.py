"""valuegrad's neural-network library: modules built from autograd Values."""

from nn.modules import MLP, Layer, Module, Neuron

__all__ = ["MLP", "Layer", "Module", "Neuron"]

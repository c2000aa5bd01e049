"""The PyTorch side: layers, block modules, the network, the builder. Importing it imports torch."""

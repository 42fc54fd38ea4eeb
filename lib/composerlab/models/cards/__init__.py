"""The runs that end in a model and its card: ``custom`` (a GAN on your own music), ``genres`` (the genre
models on their corpora), each writing the card beside the weights from what the run measured."""

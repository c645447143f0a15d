"""Option chains: the contract every source hands over (`chain`), and the readers of
chain files (`files`)."""

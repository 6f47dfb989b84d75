"""The topic catalogue, the versioned message models and their codec."""

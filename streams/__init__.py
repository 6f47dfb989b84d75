"""The Faust app, its agents (one per module), and the Kafka-free stage logic they call."""

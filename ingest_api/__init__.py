"""The HTTP edge: validate uploads, publish them to Kafka, serve results."""

"""What the API and the worker share: the blob, result and schema stores, and the metrics.

Each store is a typed protocol (`stores.protocols`) with one Redis implementation; the API's
`Edge` and the worker's `StageContext` are handed them, and build none themselves.
"""

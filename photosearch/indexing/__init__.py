"""Folders to vectors: the walk, the decisions of an index run, the stages that read and embed
(threads here or a Ray cluster), and the watcher that keeps the index live."""

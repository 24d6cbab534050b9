"""Training the transformer side of the tagger: data, topic split, vocabulary, MLM, heads.

Nothing here is imported by the run-time tagger; ``nlp.model`` loads what this writes.
The CLI entry point is :func:`nlp.training.run.train`.
"""

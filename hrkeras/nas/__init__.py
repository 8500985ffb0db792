"""HR-NAS search: fine-grained progressive shrinking of the supernet under a MACs or latency budget
(docs/hrnas_search.md).

`costs` (MACs per search unit), `penalty` (the resource-aware L1 term), `selection` (which units a shrink
removes), `shrink` (the smaller network with weights and optimizer state carried over), `search` (the
trainer hook tying them together), `latency` (the per-block TFLite latency table), `recipes` (named searches),
`run` (a search to an architecture file and its weights).
"""

"""HR-NAS search: fine-grained progressive shrinking of the supernet under a MACs or latency budget.

`costs` (MACs per search unit), `penalty` (the resource-aware L1 term), `selection` (which units to
remove at a shrink), `shrink` (the smaller network with weights and optimizer state carried over),
`search` (the trainer hook tying them together), `recipes` (named searches), `latency` (TFLite latency table).
"""

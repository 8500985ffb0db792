"""Published weights by name: the table, the download cache, and tag -> local file.

    >>> hrkeras.list_pretrained("litehrnet_18")[0].url  # doctest: +SKIP
    'https://download.openmmlab.com/mmpose/top_down/litehrnet/litehrnet18_coco_256x192-6bace359_20211230.pth'
    >>> model = hrkeras.LiteHRNet18(weights="coco")  # doctest: +SKIP
"""
from hrkeras.pretrained.cache import cache_dir
from hrkeras.pretrained.download import download
from hrkeras.pretrained.resolve import cached_path, fetch, is_tag
from hrkeras.pretrained.table import PretrainedEntry, find_entry, list_pretrained

__all__ = ["PretrainedEntry", "cache_dir", "cached_path", "download", "fetch", "find_entry", "is_tag",
           "list_pretrained"]

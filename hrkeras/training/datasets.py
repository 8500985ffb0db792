"""A pose recipe's data: the synthetic default (generated on first use) or a COCO-layout folder."""
import dataclasses
import os

from hrkeras.codecs import MSRAHeatmap
from hrkeras.training.data import coco_meta
from hrkeras.training.data.coco import load_instances
from hrkeras.training.data.synthetic import cache_root, make_synthetic_dataset
from hrkeras.training.data.topdown import TopDownPipeline

DEFAULT_SYNTHETIC_ROOT = os.path.join(os.path.expanduser("~"), ".cache", "hrkeras", "synthetic")


@dataclasses.dataclass
class Split:
    ann_file: str
    image_dir: str


def splits(config, data_root=None):
    """{"train": Split, "val": Split} of a config; generates the synthetic dataset if needed (by default into a
    cache folder of its own per size and seed).

    COCO layout: ROOT/annotations/person_keypoints_{split}.json, images in ROOT/{split}/.
    """
    if config.dataset == "synthetic":
        counts = {config.train_split: config.synthetic_images[0], config.val_split: config.synthetic_images[1]}
        root = data_root or cache_root(os.environ.get("HRKERAS_SYNTHETIC_ROOT", DEFAULT_SYNTHETIC_ROOT), counts,
                                       config.synthetic_seed)
        make_synthetic_dataset(root, counts, seed=config.synthetic_seed)
    elif data_root is None:
        raise ValueError(f"config {config.name!r} trains on COCO: pass the dataset folder (--data ROOT, holding "
                         f"annotations/person_keypoints_{config.train_split}.json and {config.train_split}/)")
    else:
        root = data_root
    return {
        role: Split(os.path.join(root, "annotations", f"person_keypoints_{split}.json"), os.path.join(root, split))
        for role, split in (("train", config.train_split), ("val", config.val_split))
    }


def codec(config):
    return MSRAHeatmap(config.input_size, config.heatmap_size, config.sigma, unbiased=config.unbiased,
                       blur_kernel_size=config.blur_kernel_size)


def codec_config(config):
    """The recipe's codec and decode method as a PoseEstimator carries them (JSON-ready)."""
    return {**codec(config).get_config(), "decode": config.decode}


def train_pipeline(config, split):
    return TopDownPipeline(load_instances(split.ann_file, split.image_dir), codec(config), augment=config.augment,
                           flip_indices=coco_meta.flip_indices(), seed=config.seed)


def val_instances(config, split):
    """Person boxes to evaluate: ground truth, or the config's detection file."""
    return load_instances(split.ann_file, split.image_dir, det_file=config.det_file)


def val_pipeline(config, instances):
    return TopDownPipeline(instances, codec(config), flip_indices=coco_meta.flip_indices())

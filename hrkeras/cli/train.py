"""`hrkeras train --config NAME`: train a recipe (synthetic by default offline; COCO with --data)."""
import os

from hrkeras.cli.args import add_command, positive_float, positive_int, refuse
from hrkeras.training.configs import get_config, list_configs
from hrkeras.training.distribute import STRATEGIES

EXAMPLES = """examples:
  hrkeras train --config litehrnet_18_synthetic_128x96                  # offline, the embedded synthetic data
  hrkeras train --config litehrnet_18_coco_256x192 --data /data/coco    # COCO layout
  hrkeras train --config litehrnet_18_coco_256x192 --data /data/coco --resume   # after a crash or kill"""


def add_parser(sub):
    p = add_command(sub, EXAMPLES, "train",
                    help="train a pose recipe (hrkeras train --config litehrnet_18_synthetic_128x96)")
    p.add_argument("--config", required=True, metavar="NAME", help=f"recipe: {', '.join(list_configs())}")
    p.add_argument("--data", metavar="DIR", help="dataset root (COCO layout); synthetic: where it is generated")
    p.add_argument("--workdir", metavar="DIR", help="checkpoints, logs, model.keras (default runs/CONFIG)")
    p.add_argument("--resume", action="store_true", help="continue the run in --workdir from its last checkpoint")
    p.add_argument("--strategy", choices=STRATEGIES, default="auto",
                   help="tf.distribute strategy (auto: multi-worker from TF_CONFIG, mirrored over >1 GPU)")
    p.add_argument("--cpu-replicas", type=positive_int, metavar="N",
                   help="split the CPU into N logical devices and mirror over them (tests the multi-replica path)")
    p.add_argument("--epochs", type=positive_int, help="override the recipe's epochs")
    p.add_argument("--batch-size", type=positive_int, help="override the global batch size")
    p.add_argument("--lr", type=positive_float, help="override the base learning rate")
    p.add_argument("--mixed-precision", action="store_true", help="float16 on GPU, bfloat16 on CPU")
    p.add_argument("--synthetic-images", type=positive_int, nargs=2, metavar=("TRAIN", "VAL"),
                   help="override the synthetic dataset's image counts")
    p.set_defaults(func=run)


def config_from_args(args):
    overrides = {"epochs": args.epochs, "batch_size": args.batch_size, "lr": args.lr,
                 "synthetic_images": tuple(args.synthetic_images) if args.synthetic_images else None}
    return get_config(args.config).replace(**{k: v for k, v in overrides.items() if v is not None})


def run(args):
    config = config_from_args(args)
    if config.dataset != "synthetic":
        refuse(args, f"to {config.name}, which trains on COCO", "synthetic_images")
    if args.strategy not in ("auto", "mirrored"):
        refuse(args, f"with --strategy {args.strategy}", "cpu_replicas")
    devices = None
    if args.cpu_replicas:
        from hrkeras.training.distribute import split_cpu

        devices = split_cpu(args.cpu_replicas)
    from hrkeras.training.trainer import train

    workdir = args.workdir or os.path.join("runs", config.name)
    strategy = "mirrored" if devices and args.strategy == "auto" else args.strategy
    result = train(config, workdir, data_root=args.data, strategy=strategy, devices=devices, resume=args.resume,
                   mixed_precision=args.mixed_precision)
    ap = result["val"]["AP"] if result["val"] else float("nan")
    print(f"{config.name}: {result['epochs']} epochs in {result['train_seconds'] / 60:.1f} min, "
          f"OKS AP {ap:.3f} on {config.val_split}; model {result['model']}")
    return 0

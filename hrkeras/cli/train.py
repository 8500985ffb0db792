"""`hrkeras train --config NAME`: train a recipe of any task (the synthetic sets offline; real data with --data)."""
import os

from hrkeras.cli.args import add_command, non_negative_int, positive_float, positive_int, refuse
from hrkeras.errors import InvalidFileError, UsageError
from hrkeras.training.configs import get_config, list_configs
from hrkeras.training.distribute import STRATEGIES

EXAMPLES = """examples:
  hrkeras train --config litehrnet_18_synthetic_128x96                  # pose, offline on the embedded synthetic data
  hrkeras train --config litehrnet_18_coco_256x192 --data /data/coco    # pose, COCO layout
  hrkeras train --config litehrnet_18_coco_256x192 --data /data/coco --resume   # after a crash or kill
  hrkeras train --config hrnet_w18_small_synthetic_parts_192x192        # segmentation, embedded person parts
  hrkeras train --config hrnet_w48_cityscapes_512x1024 --data /data/cityscapes  # leftImg8bit/ + gtFine/
  hrkeras train --config hrnet_w18_imagenet_224 --data /data/imagenet --num-classes 1000  # train/<class>/*.jpg
  hrkeras train --config hrnas_search_synthetic_128x96 --arch arch.json  # a searched HR-NAS network (hrkeras search)
  hrkeras train --config litehrnet_18_synthetic_128x96 --seed 1 --workdir runs/seed1   # another run, another seed
  hrkeras train --config litehrnet_18_synthetic_128x96 --steps 2000     # a budgeted run's steps, on any machine"""


METRIC_NAMES = {"AP": "OKS AP", "mIoU": "mIoU", "top1": "top-1"}


def add_parser(sub):
    p = add_command(sub, EXAMPLES, "train",
                    help="train a recipe: pose, segmentation or classification (hrkeras train --config "
                         "litehrnet_18_synthetic_128x96)")
    p.add_argument("--config", required=True, metavar="NAME", help=f"recipe: {', '.join(list_configs())}, or a "
                   "search recipe (hrkeras search) to retrain with --arch")
    p.add_argument("--arch", metavar="ARCH.json", help="train this HR-NAS architecture (from hrkeras search) from "
                                                      "scratch on the recipe")
    p.add_argument("--data", metavar="DIR", help="dataset root (COCO, Cityscapes, images/ + annotations/, or "
                                                 "train/<class>/); synthetic: where it is generated")
    p.add_argument("--workdir", metavar="DIR", help="checkpoints, logs, model.keras (default runs/CONFIG)")
    p.add_argument("--resume", action="store_true", help="continue the run in --workdir from its last checkpoint")
    p.add_argument("--strategy", choices=STRATEGIES, default="auto",
                   help="tf.distribute strategy (auto: multi-worker from TF_CONFIG, mirrored over >1 GPU)")
    p.add_argument("--cpu-replicas", type=positive_int, metavar="N",
                   help="split the CPU into N logical devices and mirror over them (tests the multi-replica path)")
    p.add_argument("--epochs", type=positive_int,
                   help="train this many epochs (drops the recipe's time budget, unless --time-budget is given too: "
                        "then the schedule of N epochs is laid over the budget)")
    p.add_argument("--time-budget", type=positive_float, metavar="MINUTES",
                   help="train for this long instead of a number of epochs: the pace is measured on the first "
                        "steps, then on each epoch, and the schedule laid over the steps that fit (a --resume goes "
                        "on with the budget's plan and clock)")
    p.add_argument("--steps", type=positive_int, metavar="N",
                   help="train N steps, the schedule (of the recipe's epochs, or --epochs) laid over them as over a "
                        "time budget's: a budgeted run's steps, which it prints, reproduced on any machine (drops "
                        "the recipe's time budget)")
    p.add_argument("--batch-size", type=positive_int, help="override the global batch size")
    p.add_argument("--lr", type=positive_float, help="override the base learning rate")
    p.add_argument("--mixed-precision", action="store_true", help="float16 on GPU, bfloat16 on CPU")
    p.add_argument("--synthetic-images", type=positive_int, nargs=2, metavar=("TRAIN", "VAL"),
                   help="override the synthetic dataset's image counts")
    p.add_argument("--num-classes", type=positive_int, metavar="N",
                   help="segmentation / classification: the classes of your dataset (default: the recipe's)")
    p.add_argument("--seed", type=non_negative_int, metavar="N",
                   help="the run's random seed: initial weights, data order and augmentation (default: the "
                        "recipe's, 0); the synthetic datasets stay the same, so runs that differ only in "
                        "--seed measure the run-to-run spread")
    p.set_defaults(func=run)


def _recipe(args):
    """The named training recipe, or with --arch the recipe (training or search) building that architecture."""
    from hrkeras.nas.recipes import SEARCHES

    if not args.arch:
        if args.config in SEARCHES:
            raise UsageError(f"{args.config} is a search recipe: it trains an architecture found by hrkeras search",
                             fix=f"pass --arch ARCH.json (from hrkeras search --config {args.config} --out ARCH.json)")
        return get_config(args.config)
    from hrkeras.models.hrnas.hrnas_arch import load_arch
    from hrkeras.models.hrnas.hrnas_variants import HRNAS_ARCH_MODEL

    try:
        load_arch(args.arch)
    except ValueError as err:  # also json's and UTF-8's errors
        raise InvalidFileError(f"not an HR-NAS architecture file ({err})", args.arch,
                               "pass the ARCH.json that hrkeras search --out wrote") from None
    recipe = SEARCHES[args.config][0] if args.config in SEARCHES else get_config(args.config)
    # an HR-NAS recipe's BN settings etc. stay; the architecture file brings the row; other models' options go
    kwargs = ({k: v for k, v in recipe.model_kwargs.items() if k not in ("stages", "stem_channels", "expand_ratio",
                                                                        "kernel_sizes")}
              if recipe.model.startswith("hrnas") else {})
    return recipe.replace(name=f"{recipe.name}_arch", model=HRNAS_ARCH_MODEL,
                          model_kwargs={**kwargs, "arch": os.path.abspath(args.arch)})


def config_from_args(args):
    overrides = {"epochs": args.epochs, "batch_size": args.batch_size, "lr": args.lr,
                 "time_budget_minutes": args.time_budget, "steps": args.steps,
                 "synthetic_images": tuple(args.synthetic_images) if args.synthetic_images else None,
                 "num_classes": args.num_classes, "seed": args.seed}
    overrides = {k: v for k, v in overrides.items() if v is not None}
    if (args.epochs or args.steps) and not args.time_budget:
        overrides["time_budget_minutes"] = None  # an epoch or step count asked for, not the recipe's budget
    return _recipe(args).replace(**overrides)


def run(args):
    recipe = _recipe(args)
    if not recipe.dataset.startswith("synthetic"):
        dataset = {"coco": "COCO", "cityscapes": "Cityscapes", "folder": "a dataset folder"}.get(recipe.dataset,
                                                                                             recipe.dataset)
        refuse(args, f"to {recipe.name}, which trains on {dataset}", "synthetic_images")
    if recipe.task == "pose":
        refuse(args, f"to the pose recipe {recipe.name} (17 COCO keypoints)", "num_classes")
    config = config_from_args(args)
    if args.strategy not in ("auto", "mirrored"):
        refuse(args, f"with --strategy {args.strategy}", "cpu_replicas")
    devices = None
    if args.cpu_replicas:
        from hrkeras.training.distribute import split_cpu

        devices = split_cpu(args.cpu_replicas)
    from hrkeras.training.tasks import get_task
    from hrkeras.training.trainer import train

    workdir = args.workdir or os.path.join("runs", config.name)
    strategy = "mirrored" if devices and args.strategy == "auto" else args.strategy
    result = train(config, workdir, data_root=args.data, strategy=strategy, devices=devices, resume=args.resume,
                   mixed_precision=args.mixed_precision)
    metric = get_task(config).METRIC
    value = result["val"][metric] if result["val"] else float("nan")
    print(f"{config.name}: {result['epochs']} epochs ({result['steps']} steps) in "
          f"{result['train_seconds'] / 60:.1f} min, "
          f"{METRIC_NAMES[metric]} {value:.3f} on {config.val_split}; model {result['model']}")
    return 0

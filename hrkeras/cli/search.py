"""`hrkeras search --config NAME --budget-macs 150M --out arch.json`: an HR-NAS architecture search."""
import os

from hrkeras.cli.args import add_command, macs_count, positive_float, positive_int, refuse

EXAMPLES = """examples:
  hrkeras search --config hrnas_search_synthetic_128x96 --budget-macs 40M --out arch.json
  hrkeras search --config hrnas_search_synthetic_128x96 --budget-macs 40M --out arch.json --resume   # after a kill
  hrkeras search --config hrnas_search_synthetic_128x96 --budget-ms 4.5 --out arch.json # TFLite CPU ms on this machine
  hrkeras search --config hrnas_search_synthetic_128x96 --budget-macs 40M --no-transformer --out cnn.json
  hrkeras train --config hrnas_search_synthetic_128x96 --arch arch.json               # retrain the result"""


def add_parser(sub):
    from hrkeras.nas.recipes import SEARCHES

    p = add_command(sub, EXAMPLES, "search",
                    help="search an HR-NAS architecture under a MACs or latency budget (hrkeras search --config "
                         "hrnas_search_synthetic_128x96 --budget-macs 40M --out arch.json)")
    p.add_argument("--config", required=True, metavar="NAME", help=f"search recipe: {', '.join(sorted(SEARCHES))}")
    p.add_argument("--out", required=True, metavar="ARCH.json",
                   help="the architecture file to write (its weights go beside it as ARCH.weights.h5)")
    p.add_argument("--budget-macs", type=macs_count, metavar="N",
                   help="MACs at the recipe's input size, attention included (e.g. 150M)")
    p.add_argument("--budget-ms", type=positive_float, metavar="MS",
                   help="TFLite latency on this machine (LiteRT CPU interpreter, 2 threads; per-block table "
                        "measured once and cached)")
    p.add_argument("--data", metavar="DIR", help="dataset root (COCO layout); synthetic: where it is generated")
    p.add_argument("--workdir", metavar="DIR", help="checkpoints, logs (default runs/CONFIG)")
    p.add_argument("--resume", action="store_true", help="continue the search in --workdir from its last checkpoint")
    p.add_argument("--no-transformer", action="store_true",
                   help="search a supernet without the lightweight transformers (the convolutional units only: "
                        "what the transformers add, measured)")
    p.add_argument("--rho", type=positive_float, metavar="R",
                   help="the penalty's weight after its warm-up (default: the recipe's; smaller lets units die "
                        "later, and the search cuts the lowest |gamma| per MAC to keep to its path)")
    p.add_argument("--epochs", type=positive_int, help="override the recipe's epochs")
    p.add_argument("--synthetic-images", type=positive_int, nargs=2, metavar=("TRAIN", "VAL"),
                   help="override the synthetic dataset's image counts")
    p.set_defaults(func=run)


def run(args):
    from hrkeras.errors import UsageError
    from hrkeras.nas.recipes import get_search
    from hrkeras.nas.run import run_search

    config, settings = get_search(args.config)
    if not config.dataset.startswith("synthetic"):
        refuse(args, f"to {config.name}, which searches on COCO", "synthetic_images")
    if args.budget_macs and args.budget_ms:
        raise UsageError("--budget-macs and --budget-ms both given", fix="choose one budget")
    overrides = {"epochs": args.epochs,
                 "synthetic_images": tuple(args.synthetic_images) if args.synthetic_images else None}
    config = config.replace(**{k: v for k, v in overrides.items() if v is not None})
    if args.no_transformer:
        config = config.replace(model_kwargs={**config.model_kwargs, "use_transformer": False})
    settings = settings.replace(budget_macs=args.budget_macs, budget_ms=args.budget_ms,
                                rho=args.rho or settings.rho)
    latency = None
    if args.budget_ms:
        from hrkeras.nas.latency import latency_model

        latency = latency_model(config)
    workdir = args.workdir or os.path.join("runs", config.name)
    result = run_search(config, settings, workdir, args.out, data_root=args.data, resume=args.resume,
                        latency=latency, log=lambda line: print(line, flush=True))
    print(result["table"])
    ms = f", {result['ms']:.2f} ms measured (TFLite CPU, 2 threads)" if "ms" in result else ""
    print(f"{config.name}: searched in {result['train_seconds'] / 60:.1f} min, {result['macs'] / 1e6:.1f} MMACs "
          f"at {config.input_size[0]}x{config.input_size[1]}{ms}; architecture {result['arch']}, weights "
          f"{result['weights']}")
    return 0

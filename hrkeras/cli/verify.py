"""`hrkeras verify MODEL.tflite`: mobile-GPU check, LiteRT GPU and CPU runs, and optional parity/accuracy."""
from hrkeras.cli.args import add_command, refuse
from hrkeras.training.configs import list_configs

EXAMPLES = """examples:
  hrkeras verify litehrnet_18_int8.tflite
  hrkeras verify lite30.tflite --keras litehrnet_30 --weights litehrnet_30_coco_256x192.pth
  hrkeras verify litehrnet_18_int8.tflite --config litehrnet_18_synthetic_128x96   # + OKS AP
  hrkeras verify parts_int8.tflite --config hrnet_w18_small_synthetic_parts_192x192   # + mIoU"""


def add_parser(sub):
    p = add_command(sub, EXAMPLES, "verify",
                    help="check a .tflite model: mobile-GPU ops, LiteRT GPU + CPU runs, parity")
    p.add_argument("tflite", metavar="MODEL.tflite")
    p.add_argument("--keras", metavar="NAME|FILE", help="Keras model to compare outputs with (.keras or registry name)")
    p.add_argument("--weights", metavar="FILE|TAG",
                   help="weights for a registry name given to --keras: a file or a published tag (coco)")
    p.add_argument("--config", metavar="NAME",
                   help="also report the accuracy (OKS AP / PCK, mIoU or top-1 / top-5) on this recipe's validation "
                        f"split ({', '.join(list_configs())})")
    p.add_argument("--data", metavar="DIR", help="dataset root for --config")
    p.add_argument("--no-gpu", action="store_true", help="skip the LiteRT GPU-accelerator run")
    p.set_defaults(func=run)


def run(args):
    from hrkeras.convert import metadata
    from hrkeras.convert.tflite_runner import TFLiteRunner
    from hrkeras.convert.verify import verify
    from hrkeras.convert.workflow import accuracy_of
    from hrkeras.training.configs import get_config
    from hrkeras.training.pose_model import load_model

    if not args.keras:
        refuse(args, "without --keras (it names the weights of the Keras model to compare)", "weights")
    if not args.config:
        refuse(args, "without --config (it is the recipe's dataset)", "data")
    keras_model = None
    if args.keras:
        info = metadata.read(args.tflite)
        classes = info.get("classes", {}).get("names")
        keras_model = load_model(args.keras, args.weights, tuple(info["input"]["size"]), info.get("task", "pose"),
                                 len(classes) if classes else None)
    report = verify(args.tflite, keras_model=keras_model, check_gpu=not args.no_gpu)
    if args.config:
        report.accuracy = {"tflite": accuracy_of(TFLiteRunner(args.tflite), get_config(args.config), args.data)}
    print(report)
    return 0 if report.ok else 1

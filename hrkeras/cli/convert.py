"""`hrkeras convert`: a pose, segmentation or classification model -> TFLite (float32 / float16 / dynamic /
int8 / QAT int8), verified, with the int8 model's accuracy beside the float model's.

    hrkeras convert --model runs/litehrnet_18_synthetic_128x96/model.keras \\
        --config litehrnet_18_synthetic_128x96 --qat --epochs 1 --out litehrnet_18_int8.tflite

The .tflite is written only once it passes verification (with --keep-unverified, a failing one as
OUT.unverified).
"""
from hrkeras.cli.args import add_command, image_side, positive_int, refuse
from hrkeras.training.configs import list_configs

DEFAULT_EPOCHS, DEFAULT_CALIBRATION = 2, 200

EXAMPLES = """examples:
  hrkeras convert --model runs/litehrnet_18_synthetic_128x96/model.keras \\
      --config litehrnet_18_synthetic_128x96 --qat --out litehrnet_18_int8.tflite
  hrkeras convert --model runs/hrnet_w18_small_synthetic_parts_192x192/model.keras \
      --config hrnet_w18_small_synthetic_parts_192x192 --qat --out parts_int8.tflite   # + mIoU of both
  hrkeras convert --model litehrnet_30 --weights litehrnet_30_coco_256x192.pth --out lite30.tflite
  hrkeras convert --model hrnet_w32 --fp16 --out w32_fp16.tflite      # untrained: does it deploy?"""


def add_parser(sub):
    p = add_command(sub, EXAMPLES, "convert",
                    help="convert a pose, segmentation or classification model to TFLite (with --qat: "
                         "quantization-aware int8)")
    p.add_argument("--model", required=True, metavar="NAME|FILE", help="registry name (e.g. litehrnet_18) or .keras")
    p.add_argument("--weights", metavar="FILE|TAG",
                   help=".keras / .weights.h5 / official .pth for a registry name, or a published tag "
                        "(coco, coco_384x288; see hrkeras.list_pretrained())")
    p.add_argument("--config", metavar="NAME",
                   help="training recipe: data for QAT, calibration and the accuracy report; a registry "
                        f"--model is built for its task ({', '.join(list_configs())})")
    p.add_argument("--data", metavar="DIR", help="dataset root (the recipe's layout; synthetic: where it is generated)")
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--qat", action="store_true", help="quantization-aware fine-tuning, then an all-int8 model")
    mode.add_argument("--int8", action="store_true", help="post-training full-integer int8 (calibrated)")
    mode.add_argument("--fp16", action="store_true", help="float16 weights")
    mode.add_argument("--dynamic", action="store_true", help="dynamic-range int8 weights")
    p.add_argument("--epochs", type=positive_int,
                   help=f"QAT fine-tuning epochs, the last at a tenth of the rate (default {DEFAULT_EPOCHS})")
    p.add_argument("--workdir", metavar="DIR", help="QAT checkpoints and logs (default runs/CONFIG_qat)")
    p.add_argument("--resume", action="store_true", help="continue the QAT run in --workdir (e.g. after a kill)")
    p.add_argument("--calibration-samples", type=positive_int, metavar="N",
                   help=f"int8 calibration crops (default {DEFAULT_CALIBRATION})")
    p.add_argument("--input-size", type=image_side, nargs=2, metavar=("H", "W"),
                   help="input height and width of a registry model (default: the config's, else 256 192)")
    p.add_argument("--out", required=True, metavar="FILE", help="the .tflite file to write")
    p.add_argument("--keep-unverified", action="store_true",
                   help="if verification fails, keep the model as OUT.unverified (default: write nothing)")
    p.add_argument("--no-gpu", action="store_true", help="skip the LiteRT GPU-accelerator run in verification")
    p.add_argument("--no-accuracy", action="store_true", help="skip the validation-set accuracy report")
    p.set_defaults(func=run)


def mode_of(args):
    for flag, mode in (("qat", "qat"), ("int8", "int8"), ("fp16", "float16"), ("dynamic", "dynamic")):
        if getattr(args, flag):
            return mode
    return "float32"


def check_args(args):
    """UsageError for options that do not apply to this conversion."""
    from hrkeras.errors import UsageError

    if not args.out.endswith(".tflite"):
        raise UsageError(f"--out must name a .tflite file, got {args.out!r}", fix=f"e.g. --out {args.out}.tflite")
    mode = mode_of(args)
    if mode != "qat":
        refuse(args, f"to a {mode} conversion (they set up --qat's fine-tuning)", "epochs", "workdir", "resume")
    if mode != "int8":
        refuse(args, f"to a {mode} conversion (it calibrates --int8 only)", "calibration_samples")
    if args.config is None:
        refuse(args, "without --config (they concern the recipe's data)", "data", "no_accuracy")
    if str(args.model).endswith(".keras") or str(args.weights or "").endswith(".keras"):
        refuse(args, "to a .keras model, which has its own input size", "input_size")


def run(args):
    import os

    from hrkeras.convert.untrained import NOTE, calibrate_batch_norm
    from hrkeras.convert.workflow import UNVERIFIED, export_model
    from hrkeras.errors import HrkerasError
    from hrkeras.training.configs import get_config
    from hrkeras.training.pose_model import load_model

    check_args(args)
    config = get_config(args.config) if args.config else None
    mode = mode_of(args)
    input_size = args.input_size or (config.input_size if config else None)
    task = config.task if config else "pose"
    model = load_model(args.model, args.weights, input_size, task, getattr(config, "num_classes", None))
    untrained = not str(args.model).endswith(".keras") and args.weights is None
    if untrained:  # checking that an architecture deploys: make its activations trained-like first
        calibrate_batch_norm(model)
    workdir = args.workdir or (os.path.join("runs", f"{config.name}_qat") if config else None)
    report = export_model(model, args.out, mode, config, args.data, workdir, args.epochs or DEFAULT_EPOCHS,
                               args.calibration_samples or DEFAULT_CALIBRATION, check_gpu=not args.no_gpu,
                               accuracy=config is not None and not args.no_accuracy, resume=args.resume,
                               keep_unverified=args.keep_unverified)
    if untrained:
        report.notes.append(NOTE)
    print(report)
    if not report.ok:
        kept = f"it was kept as {report.path}" if report.path else \
            f"pass --keep-unverified to keep it as {args.out}{UNVERIFIED}"
        raise HrkerasError("the converted model failed verification (see the report above) and was not written",
                         args.out, kept)
    return 0

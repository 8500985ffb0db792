"""`hrkeras import-weights SRC OUT.keras`: a PyTorch-layout checkpoint -> a Keras model file."""
from hrkeras.checkpoints import describe_checkpoint, load_checkpoint
from hrkeras.cli.args import add_command, image_side
from hrkeras.complexity import count_params
from hrkeras.errors import UsageError
from hrkeras.models.registry import create_model
from hrkeras.utils.keras_io import save_model

EXAMPLES = """examples:
  hrkeras import-weights pose_hrnet_w32_256x192.pth hrnet_w32_pose.keras
  hrkeras import-weights model.safetensors hrnet_w32_cls.keras --model hrnet_w32 --task classification"""


def add_parser(sub):
    p = add_command(sub, EXAMPLES, "import-weights",
                    help="convert an official / timm / mmpose checkpoint (.pth, .safetensors, .npz) to a .keras model")
    p.add_argument("src", help="checkpoint file")
    p.add_argument("out", help="output .keras file (written atomically)")
    p.add_argument("--model", help="registry name (default: recognized from the checkpoint)")
    p.add_argument("--task", choices=["pose", "classification", "segmentation", "backbone"],
                   help="task (default: from the checkpoint's head)")
    p.add_argument("--input-shape", nargs=2, type=image_side, metavar=("H", "W"),
                   help="static input size, multiples of 32 (default per task, pose 256 192)")
    p.set_defaults(func=run)


def model_kwargs(src, model=None, task=None):
    """create_model arguments for checkpoint `src`: recognized, or from --model/--task."""
    info = describe_checkpoint(src)
    if model is None:
        if info is None:
            raise UsageError("cannot tell which model the checkpoint is for", src,
                             "pass --model NAME ('hrkeras models' lists them)")
        kwargs = info.create_model_kwargs()
        if task:
            kwargs["task"] = task
        return kwargs, info
    kwargs = dict(name=model, task=task or (info.task if info else "pose"))
    if info and info.task == kwargs["task"]:
        kwargs.update({k: v for k, v in info.head.items() if k in ("num_keypoints", "num_classes")})
    return kwargs, info


def run(args):
    if not args.out.endswith(".keras"):
        raise UsageError(f"the output must be a .keras file, got {args.out!r}", fix=f"e.g. {args.out}.keras")
    kwargs, info = model_kwargs(args.src, args.model, args.task)
    if args.input_shape:
        kwargs["input_shape"] = (*args.input_shape, 3)
    print(f"{args.src}: {info or 'layout not recognized'}")
    model = create_model(**kwargs)
    report = load_checkpoint(model, args.src)
    save_model(model, args.out)
    print(f"{args.out}: {model.name} ({kwargs['task']}, input {tuple(model.input.shape[1:])}, "
          f"{count_params(model):,} params), {report}")
    return 0

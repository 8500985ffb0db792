from setuptools import find_packages, setup

setup(
    name="hrkeras",
    version="0.1.0",
    description="HRNet, Lite-HRNet and HR-NAS in Keras 3: models, weights, training and mobile export",
    long_description=open("README.md", encoding="utf-8").read(),
    long_description_content_type="text/markdown",
    packages=find_packages(include=["hrkeras", "hrkeras.*"]),
    python_requires=">=3.10",
    install_requires=[
        "keras==3.15.1",
        "numpy>=2.0,<3",
        "pillow>=10",
        "ai-edge-litert==2.3.0",  # LiteRT: TFLite CPU interpreter and GPU accelerator (hrkeras verify)
        # training and evaluation
        "pycocotools==2.0.11",
        "scikit-image==0.26.0",  # public-domain photos for the synthetic dataset's backgrounds
        "tensorboard==2.21.0",
    ],
    extras_require={
        # Pick one TensorFlow: the CPU build, or the full build that GPU machines use.
        "cpu": ["tensorflow-cpu==2.21.0"],
        "gpu": ["tensorflow[and-cuda]==2.21.0"],
        # tests also run the models on Keras' PyTorch and JAX backends (CPU builds) and fuzz the file readers.
        "test": ["pytest==9.2.0", "pytest-xdist==3.8.0", "torch==2.13.0", "jax[cpu]==0.10.2", "atheris==3.0.0"],
    },
    entry_points={"console_scripts": ["hrkeras=hrkeras.cli.main:main"]},
)

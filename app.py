"""`python app.py`: the mmcrec app with the demo catalog (a Hugging Face Space runs this file).

Settings come from the environment: MMCREC_CATALOG, MMCREC_ENCODER, MMCREC_MODEL_DIR,
MMCREC_FEEDBACK_DB, MMCREC_AUTH, MMCREC_ADMINS, GRADIO_SERVER_NAME / GRADIO_SERVER_PORT.
`mmcrec serve --help` gives the same as command-line options.
"""
import os

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

from mmcrec.app import create_app, launch_kwargs  # noqa: E402
from mmcrec.logs import setup_logging  # noqa: E402

setup_logging()  # one line per event with its time; MMCREC_LOG_LEVEL=DEBUG for tracebacks
demo, ctx = create_app(
    catalog=os.environ.get("MMCREC_CATALOG") or None,
    model_dir=os.environ.get("MMCREC_MODEL_DIR") or None,
)

if __name__ == "__main__":
    try:
        demo.launch(**launch_kwargs(ctx))
    finally:  # Ctrl+C: cancel a first-start indexing run instead of waiting for it
        ctx.close()

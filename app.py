"""`python app.py`: the mmcrec app with the demo catalog (a Hugging Face Space runs this file).

Settings come from the environment (MMCREC_CATALOG, MMCREC_ENCODER, MMCREC_MODEL_DIR,
MMCREC_FEEDBACK_DB, MMCREC_AUTH, MMCREC_ADMINS, GRADIO_SERVER_NAME / GRADIO_SERVER_PORT, ...) and an
optional mmcrec.toml: docs/settings.md lists them all. A bad value stops here with one line, before
anything loads. `mmcrec serve --help` gives the same as command-line options.
"""
import os
import sys

# process-level, for Gradio itself (it reads this variable when imported): not one of mmcrec's settings
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

from mmcrec.settings import SettingsError, load_settings, use_settings  # noqa: E402

try:
    settings = load_settings()  # read once: every module reads these (mmcrec.settings.current())
except SettingsError as e:
    print(f"mmcrec: error: {e}", file=sys.stderr)
    sys.exit(2)
use_settings(settings)

from mmcrec.app import create_app, launch_kwargs  # noqa: E402
from mmcrec.logs import setup_logging  # noqa: E402

setup_logging()  # one line per event with its time; MMCREC_LOG_LEVEL=DEBUG for tracebacks
demo, ctx = create_app(catalog=settings.catalog, model_dir=settings.model_dir)

if __name__ == "__main__":
    try:
        demo.launch(**launch_kwargs(ctx))
    finally:  # Ctrl+C: cancel a first-start indexing run instead of waiting for it
        ctx.close()

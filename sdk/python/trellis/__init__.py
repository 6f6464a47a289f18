"""Log metrics, params and tags from a Trellis pipeline step.

    from trellis import log_metric, log_metrics, log_param, set_tag

    log_param("lr", 0.01)
    for epoch in range(10):
        log_metric("val_accuracy", accuracy, step=epoch)

Each call prints one line of the Trellis tracking protocol (docs/tracking.md) to the process's
standard output, for example ``::metric name=val_accuracy value=0.93 step=3``. The worker
running the step reads these lines and records them on the step's run, so nothing here needs
the network, credentials or any package beyond the standard library (Python 3.8+).

Outside a Trellis step the lines are simply printed, which is harmless.

Names follow MLflow's rules (letters, digits, ``_ - . / :`` and spaces, at most 250 characters,
not a path that normalises to something else); an invalid name raises ValueError before
anything is printed. A param keeps its first value for the whole run: logging it again with
another value is ignored, with a warning in the step's log.
"""

import errno
import math
import numbers
import os
import posixpath
import re
import sys

__all__ = ["log_metric", "log_metrics", "log_param", "log_params", "set_tag", "set_tags"]
__version__ = "0.1.0"

KEY_MAX_LENGTH = 250
PARAM_VALUE_MAX_LENGTH = 6000
TAG_VALUE_MAX_LENGTH = 8000

# The server's rule (MLflow's): Python's \w (Unicode letters, digits, underscore), - . / : and space.
_KEY_RE = re.compile(r"^[\w\-. /:]+$")
# Bare values end at a space or tab and must not start with a quote; CR/LF would end the line.
_NEEDS_QUOTES_RE = re.compile(r'[ \t\r\n"\\]')


def _check_key(kind, key):
    if not isinstance(key, str):
        raise ValueError("invalid {} name {!r}: names must be strings".format(kind, key))
    if key == "":
        raise ValueError("invalid {} name '': names must not be empty".format(kind))
    if len(key) > KEY_MAX_LENGTH:
        raise ValueError("invalid {} name {!r}: names may be at most {} characters (got {})".format(kind, key[:60], KEY_MAX_LENGTH, len(key)))
    if not _KEY_RE.match(key):
        raise ValueError(
            "invalid {} name {!r}: names may contain letters, digits, underscores, dashes, periods, spaces, slashes and colons".format(kind, key)
        )
    normal = posixpath.normpath(key)
    if normal != key or normal == "." or normal.startswith("..") or normal.startswith("/"):
        raise ValueError("invalid {} name {!r}: names are used as file paths and must not resolve to another path ({!r})".format(kind, key, normal))
    return key


def _quote(text):
    if text and not _NEEDS_QUOTES_RE.search(text):
        return text
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def _number(value, what):
    if isinstance(value, (str, bytes)) or not isinstance(value, numbers.Real):
        raise TypeError("{} must be a number, got {!r}".format(what, value))
    return float(value)


def _integer(value, what):
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real) and not isinstance(value, bool) and math.isfinite(value) and float(value).is_integer():
        return int(value)
    raise TypeError("{} must be an integer, got {!r}".format(what, value))


def _emit(lines):
    """Writes whole lines to file descriptor 1, one write each, after what print() buffered."""
    try:
        sys.stdout.flush()
    except (AttributeError, OSError, ValueError):
        pass
    for line in lines:
        data = (line + "\n").encode("utf-8", "replace")
        try:
            while data:
                data = data[os.write(1, data):]
        except OSError as err:
            # Descriptor 1 closed (a daemonised process): nothing could read the line anyway.
            if err.errno != errno.EBADF:
                raise
            return


def _metric_line(key, value, step, timestamp):
    line = "::metric name={} value={}".format(_quote(_check_key("metric", key)), repr(_number(value, "metric " + repr(key))))
    if step is not None:
        line += " step={}".format(_integer(step, "step"))
    if timestamp is not None:
        line += " timestamp={}".format(_integer(timestamp, "timestamp"))
    return line


def _text_line(kind, key, value, max_length):
    text = str(value)
    if len(text) > max_length:
        raise ValueError("{} {!r}: value is too long: {} characters (at most {})".format(kind, key, len(text), max_length))
    return "::{} name={} value={}".format(kind, _quote(_check_key(kind, key)), _quote(text))


def log_metric(key, value, step=None, timestamp=None):
    """Logs one metric value. ``step`` is an integer (default 0); ``timestamp`` is milliseconds
    since the epoch (default: when the worker reads the line)."""
    _emit([_metric_line(key, value, step, timestamp)])


def log_metrics(metrics, step=None):
    """Logs several metrics (a dict of name -> number) at the same step."""
    _emit([_metric_line(key, value, step, None) for key, value in metrics.items()])


def log_param(key, value):
    """Logs a param (stored as text, as str(value)). A param keeps its first value for the run."""
    _emit([_text_line("param", key, value, PARAM_VALUE_MAX_LENGTH)])


def log_params(params):
    """Logs several params (a dict of name -> value)."""
    _emit([_text_line("param", key, value, PARAM_VALUE_MAX_LENGTH) for key, value in params.items()])


def set_tag(key, value):
    """Sets a tag on the run (stored as text; a later value replaces an earlier one).
    ``mlflow.runName`` names the run and ``mlflow.note.content`` sets its note."""
    _emit([_text_line("tag", key, value, TAG_VALUE_MAX_LENGTH)])


def set_tags(tags):
    """Sets several tags (a dict of name -> value)."""
    _emit([_text_line("tag", key, value, TAG_VALUE_MAX_LENGTH) for key, value in tags.items()])

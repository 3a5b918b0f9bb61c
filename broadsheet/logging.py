"""Log records as one JSON object a line, for log collectors."""

import json
import logging
from datetime import UTC, datetime

# Attributes every LogRecord has; anything else was passed in `extra=` and belongs in the output.
STANDARD_ATTRS = set(logging.makeLogRecord({}).__dict__) | {"message", "asctime"}
# json.dumps(entry, default=str), without making an encoder for each line.
ENCODER = json.JSONEncoder(default=str)


def json_line(created, level, name, message, fields):
    """The line JsonFormatter writes for a record made at `created` (time.time()) with `fields`
    passed as `extra=`."""
    entry = {
        "time": datetime.fromtimestamp(created, UTC).isoformat(timespec="milliseconds"),
        "level": level,
        "logger": name,
        "message": message,
        **fields,
    }
    return ENCODER.encode(entry)


class JsonFormatter(logging.Formatter):
    def format(self, record):
        fields = {k: v for k, v in record.__dict__.items() if k not in STANDARD_ATTRS}
        if record.exc_info:
            fields["exception"] = self.formatException(record.exc_info)
        return json_line(record.created, record.levelname, record.name, record.getMessage(), fields)


def plain_json_streams(logger, level):
    """The handlers of `logger` when a record of `level` would go to exactly them and each would
    write it unchanged with JsonFormatter to its stream (no filter, no propagation, nothing
    subclassed); else None. Those lines can be written without making a LogRecord."""
    if logger.propagate or logger.filters or not logger.handlers:
        return None
    handlers = logger.handlers
    for handler in handlers:
        if (
            type(handler) is not logging.StreamHandler
            or type(handler.formatter) is not JsonFormatter
            or handler.filters
            or handler.level > level
        ):
            return None
    return handlers


def write_line(handler, line, make_record):
    """What `handler.handle()` does with a record whose formatted line is `line`; `make_record()`
    gives the record should the stream fail (for the handler's handleError)."""
    with handler.lock:
        try:
            handler.stream.write(line + handler.terminator)
            handler.flush()
        except Exception:  # noqa: BLE001 - as logging.StreamHandler.emit
            handler.handleError(make_record())
